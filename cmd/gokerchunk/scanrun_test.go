package main

import (
	"runtime"
	"testing"
)

// The default concurrency: the CPUs for local files, 32 per CPU (32 to
// 256) as soon as an input is remote or an S3 listing is to run.
func TestDefaultScanConcurrency(t *testing.T) {
	remote := min(max(32, 32*runtime.NumCPU()), 256)
	for _, c := range []struct {
		known    []string
		listings bool
		want     int
	}{
		{[]string{"/d/a.nc", "/d/b.nc"}, false, runtime.NumCPU()},
		{[]string{"/d/a.nc", "s3://b/x.nc"}, false, remote},
		{[]string{"https://h/x.nc"}, false, remote},
		{nil, true, remote},
	} {
		if got := defaultScanConcurrency(c.known, c.listings); got != c.want {
			t.Errorf("%v, listings %v: %d, want %d", c.known, c.listings, got, c.want)
		}
	}
}
