package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cutFixture writes the first n bytes of a fixture (all of it when n < 0)
// into a temporary file.
func cutFixture(t *testing.T, name string, n int) string {
	t.Helper()
	data, err := os.ReadFile(fixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	if n >= 0 {
		data = data[:n]
	}
	p := filepath.Join(t.TempDir(), filepath.Base(name))
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// An empty file and files cut short say so, name the file once, and say
// what the file should hold and where it stopped.
func TestScanEmptyAndTruncated(t *testing.T) {
	hdf5 := fixture(t, "fixtures/nc4_groups.nc")
	full, _ := os.Stat(hdf5)
	for _, c := range []struct {
		name, fixture string
		cut           int
		want          string
	}{
		{"empty", "fixtures/nc3_classic.nc", 0, "empty file (0 bytes)"},
		{"HDF5 cut", "fixtures/nc4_groups.nc", 3000, fmt.Sprintf("truncated: the file ends at 3000 bytes, the superblock says %d", full.Size())},
		{"netCDF-3 cut in the header", "fixtures/nc3_classic.nc", 100, "truncated: the file ends at 100 bytes while reading the header (global attribute list at offset 80"},
		{"netCDF-3 cut in the data", "fixtures/nc3_classic.nc", 2000, "truncated: the file ends at 2000 bytes, the header says 2406, while reading /time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := cutFixture(t, c.fixture, c.cut)
			code, _, errOut := runCLI(t, "scan", "-o", filepath.Join(t.TempDir(), "x.json"), in)
			want := "error: " + in + ": " + c.want
			if code != exitFailures || !strings.Contains(errOut, want) || strings.Count(errOut, in) != 1 {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q, the file named once", code, errOut, want)
			}
		})
	}
}
