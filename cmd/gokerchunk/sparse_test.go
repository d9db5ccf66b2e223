package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestScanSparse4GiB scans a 4 GiB dataset of 2^26 chunks of which two
// were written (a grid a dense manifest may not hold): the sidecar has
// its two chunk keys, and xarray shows what it shows of the source in
// slices at the start, the end and the never-written middle, in today's
// stack and in Debian 12's (which cannot read missing chunks: its
// values are SKIP there).
func TestScanSparse4GiB(t *testing.T) {
	src := fixture(t, "fixtures/sparse/h5_sparse_4gib.h5")
	out := filepath.Join(t.TempDir(), "huge.json")
	code, _, errOut := runCLI(t, "scan", "-o", out, src)
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"huge/`); n != 4 || !strings.Contains(string(b), `"huge/67108863"`) {
		t.Fatalf("%d huge/ keys, want .zarray, .zattrs, 0 and 67108863:\n%s", n, b)
	}
	args := []string{fixture(t, "sparseview.py"), out, src, "huge", "0:130", "4294967166:4294967296", "2147483640:2147483660"}
	requireSid(t)
	if b, err := sidPython(args...).CombinedOutput(); err != nil || strings.Count(string(b), "OK ") != 7 {
		t.Errorf("sparseview.py in today's stack: %v\n%s", err, b)
	}
	requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
	if b, err := exec.Command(debianPython, args...).CombinedOutput(); err != nil {
		t.Errorf("sparseview.py in Debian 12's stack: %v\n%s", err, b)
	}
}
