package convert

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// BenchmarkConvertGHCN converts a generated GHCN-Daily year with NOAA's
// types, partitioned by ELEMENT: 64 MB of CSV by default, or
// GOKERCHUNK_BENCH_CSV_SIZE (1GB is the size of the largest years). It
// reports CSV MB/s of wall time (SetBytes), MB/s of CPU time (user and
// system, which -cpu 1 keeps to one core but for the kernel's writes) and
// the process's peak resident memory.
//
//	go test -run '^$' -bench ConvertGHCN -cpu 1 ./convert/
//	GOKERCHUNK_BENCH_CSV_SIZE=1GB go test -run '^$' -bench ConvertGHCN -benchtime 1x -cpu 1 ./convert/
func BenchmarkConvertGHCN(b *testing.B) {
	size := os.Getenv("GOKERCHUNK_BENCH_CSV_SIZE")
	if size == "" {
		size = "64MB"
	}
	in := ghcnFile(b, size, 1)
	st, err := os.Stat(in)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	var cpu time.Duration
	var outBytes int64
	for b.Loop() {
		out := b.TempDir()
		c0 := cpuTime()
		res, err := convertFile(b, in, out, ghcnOptions())
		cpu += cpuTime() - c0
		if err != nil {
			b.Fatal(err)
		}
		outBytes = 0
		for _, p := range res.Partitions {
			outBytes += p.Bytes
		}
		os.RemoveAll(out)
	}
	b.ReportMetric(float64(st.Size())*float64(b.N)/1e6/cpu.Seconds(), "cpu-MB/s")
	b.ReportMetric(float64(outBytes)/1e6, "out-MB")
	if kb := peakRSS(); kb > 0 {
		b.ReportMetric(float64(kb)/1024, "peak-MB")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident memory in kB (Linux), or 0.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb)
			return kb
		}
	}
	return 0
}

// BenchmarkSplit measures the CSV splitting alone on the same data.
func BenchmarkSplit(b *testing.B) {
	in := ghcnFile(b, "16MB", 1)
	data, err := os.ReadFile(in)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	blk := newBlock(len(ghcnColumns), blockRows)
	for b.Loop() {
		rr := newRecordReader(bytes.NewReader(data), 0)
		for rr.readBlock(blk, blockRows) == nil {
		}
	}
}
