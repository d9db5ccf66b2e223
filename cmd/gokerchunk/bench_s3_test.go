package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/format"
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
