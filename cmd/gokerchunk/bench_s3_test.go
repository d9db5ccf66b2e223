package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/format"
	"gokerchunk/internal/pool"
	"gokerchunk/internal/s3test"
	"gokerchunk/scan"
)

// benchLatency is added to every request: about what a GET to S3 from the
// same region costs (and what turns versitygw's 1.4 ms into 22 ms).
const benchLatency = 20 * time.Millisecond

// BenchmarkS3Scan scans netCDF-4 files from versitygw through a transport
// that adds 20 ms to every request: the fixtures and samples (all smaller
// than the 1 MiB head an open fetches), and typical.nc, made by
// testdata/bench/typical_nc4.py (12 MB: 3 variables of 365 deflated
// chunks written step by step, their B-tree nodes scattered over the
// file). Per file it reports the GET requests, the bytes fetched and the
// sequential round trips of one scan (the wall time is ns/op); then the
// throughput of scanning 48 files with 1, 2, 4 and 8 workers.
// GOKERCHUNK_BENCH_FILES (a glob) adds files of your own.
//
//	go test -run '^$' -bench S3Scan -benchtime 5x ./cmd/gokerchunk/
func BenchmarkS3Scan(b *testing.B) {
	srv := s3test.Start(b)
	srv.Env(b)
	srv.CreateBucket(b, "bench")
	var files []string
	for _, pat := range []string{"fixtures/nc4_*.nc", "sample/*.nc"} {
		m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", pat))
		files = append(files, m...)
	}
	fixtures := files[:len(files):len(files)]
	typical := filepath.Join(b.TempDir(), "typical.nc")
	gen := exec.Command(debianPython, filepath.Join("..", "..", "testdata", "bench", "typical_nc4.py"), typical)
	if out, err := gen.CombinedOutput(); err != nil {
		b.Logf("no typical.nc (python3-netcdf4 missing?): %v\n%s", err, out)
	} else {
		files = append(files, typical)
	}
	if extra := os.Getenv("GOKERCHUNK_BENCH_FILES"); extra != "" {
		m, _ := filepath.Glob(extra)
		files = append(files, m...)
	}
	for _, f := range files {
		srv.CopyFile(b, f, "bench", "one/"+filepath.Base(f))
	}
	ctx := context.Background()
	scanOne := func(c *blob.Client, url string, st *blob.Stats) error {
		old := blob.Default()
		blob.SetDefault(c)
		defer blob.SetDefault(old)
		_, err := scan.File(ctx, url, scan.FileOptions{
			Options: scan.Options{InlineThreshold: 500, OnUnsupported: scan.UnsupportedSkip},
			Stats:   st,
		})
		return err
	}

	for _, f := range files {
		name := filepath.Base(f)
		b.Run("file="+name, func(b *testing.B) {
			tr := &s3test.Transport{Latency: benchLatency}
			c := blob.NewClient(blob.Config{Transport: tr, S3PathStyle: true})
			var st blob.Stats
			if err := scanOne(c, "s3://bench/one/"+name, &st); err != nil { // loads the AWS config
				b.Fatal(err)
			}
			st = blob.Stats{}
			tr.ResetCounts()
			b.ResetTimer()
			for range b.N {
				if err := scanOne(c, "s3://bench/one/"+name, &st); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			n := float64(b.N)
			cnt := st.Counts()
			b.ReportMetric(float64(tr.Method("GET"))/n, "GETs/op")
			b.ReportMetric(float64(cnt.Fetched)/n, "fetched-B/op")
			b.ReportMetric(float64(tr.Rounds())/n, "round-trips/op")
			fi, _ := os.Stat(f)
			b.ReportMetric(float64(fi.Size()), "file-B")
		})
	}

	// 48 objects: the fixtures again and again under other keys.
	var many []string
	for i := 0; len(many) < 48; i++ {
		f := fixtures[i%len(fixtures)]
		key := fmt.Sprintf("many/%02d-%s", i, filepath.Base(f))
		srv.CopyFile(b, f, "bench", key)
		many = append(many, "s3://bench/"+key)
	}
	for _, workers := range []int{1, 2, 4, 8} {
		b.Run(fmt.Sprintf("files=%d/workers=%d", len(many), workers), func(b *testing.B) {
			tr := &s3test.Transport{Latency: benchLatency}
			c := blob.NewClient(blob.Config{Transport: tr, S3PathStyle: true})
			if err := scanOne(c, many[0], nil); err != nil {
				b.Fatal(err)
			}
			old := blob.Default()
			blob.SetDefault(c)
			defer blob.SetDefault(old)
			b.ResetTimer()
			for range b.N {
				out := fanout.Run(ctx, many, workers, func(ctx context.Context, url string) (*format.Result, error) {
					return scan.File(ctx, url, scan.FileOptions{Options: scan.Options{InlineThreshold: 500, OnUnsupported: scan.UnsupportedSkip}})
				}, nil)
				for _, o := range out {
					if o.Err != nil {
						b.Fatal(o.Err)
					}
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(len(many)*b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkS3ScanMany runs "gokerchunk scan -o DIR s3://bench/many/"
// (the CLI in this process, the local executor) over N small netCDF-4
// objects in versitygw, 20 ms added to every request, at concurrency 8
// to 256: the files per second, the requests per file (the listing's
// pages included), the CPU time of this process per file (the server's
// not included) and the peak of the Go heap during the run (sampled
// through runtime/metrics). N is GOKERCHUNK_BENCH_N, 10 000 by default;
// the objects are the three sample files (23 KB each) under N keys,
// uploaded with parallel PUTs. GOKERCHUNK_BENCH_CONCURRENCY (a list)
// picks the concurrencies.
//
//	make bench-s3-many   (go test -run '^$' -bench S3ScanMany -benchtime 1x ./cmd/gokerchunk/)
func BenchmarkS3ScanMany(b *testing.B) {
	n := 10000
	if s := os.Getenv("GOKERCHUNK_BENCH_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			b.Fatalf("GOKERCHUNK_BENCH_N=%q: want a count", s)
		}
	}
	concurrencies := []int{8, 16, 32, 64, 128, 256}
	if s := os.Getenv("GOKERCHUNK_BENCH_CONCURRENCY"); s != "" {
		concurrencies = nil
		for _, f := range strings.Split(s, ",") {
			c, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || c < 1 {
				b.Fatalf("GOKERCHUNK_BENCH_CONCURRENCY=%q: want a list of counts", s)
			}
			concurrencies = append(concurrencies, c)
		}
	}
	srv := s3test.Start(b)
	srv.Env(b)
	b.Setenv("GOKERCHUNK_S3_PATH_STYLE", "1")
	srv.CreateBucket(b, "bench")
	samples, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sample", "*.nc"))
	if len(samples) == 0 {
		b.Fatal("no testdata/sample/*.nc")
	}
	var bodies [][]byte
	for _, f := range samples {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, data)
	}
	start := time.Now()
	client := srv.Client()
	var putErr atomic.Value
	pool.Each(n, 32, func(i int) {
		key := fmt.Sprintf("many/%05d.nc", i)
		_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("bench"), Key: &key, Body: bytes.NewReader(bodies[i%len(bodies)])})
		if err != nil {
			putErr.CompareAndSwap(nil, err)
		}
	})
	if err, _ := putErr.Load().(error); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d objects put in %.1fs", n, time.Since(start).Seconds())

	base := http.DefaultTransport.(*http.Transport).Clone()
	base.MaxIdleConnsPerHost = 512
	for _, conc := range concurrencies {
		b.Run(fmt.Sprintf("files=%d/concurrency=%d", n, conc), func(b *testing.B) {
			tr := &s3test.Transport{Base: base, Latency: benchLatency}
			old := blob.Default()
			blob.SetDefault(blob.NewClient(blob.Config{Transport: tr, S3PathStyle: true}))
			defer blob.SetDefault(old)
			var peak heapPeak
			stop := peak.sample(10 * time.Millisecond)
			cpu0 := cpuTime()
			b.ResetTimer()
			for range b.N {
				out := b.TempDir()
				if code := run([]string{"gokerchunk", "scan", "-q", "--concurrency", strconv.Itoa(conc), "-o", out + "/", "s3://bench/many/"}); code != exitOK {
					b.Fatalf("scan: exit %d", code)
				}
			}
			b.StopTimer()
			cpu := cpuTime() - cpu0
			stop()
			files := float64(n * b.N)
			b.ReportMetric(cpu.Seconds()*1000/files, "cpu-ms/file")
			b.ReportMetric(files/b.Elapsed().Seconds(), "files/s")
			b.ReportMetric(float64(tr.Requests())/files, "requests/file")
			b.ReportMetric(float64(tr.Method("GET"))/files, "GETs/file")
			b.ReportMetric(float64(peak.max.Load())/(1<<20), "peak-heap-MB")
		})
	}
	b.Logf("process %s", peakMemory())
}

// cpuTime is the CPU time this process has used (user and system),
// versitygw's not included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapPeak is the largest Go heap (live and not yet collected objects,
// runtime/metrics' /memory/classes/heap/objects:bytes) seen while
// sampling.
type heapPeak struct{ max atomic.Uint64 }

// sample reads the heap every interval until the returned stop is
// called.
func (h *heapPeak) sample(interval time.Duration) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > h.max.Load() {
				h.max.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
