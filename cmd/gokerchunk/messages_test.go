package main

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/fanout"
	"gokerchunk/scan"
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

// With --on-unsupported=error (the default) a file with several variables
// that cannot be referenced fails once, listing them all, and says what
// to do.
func TestScanListsEveryUnsupportedVariable(t *testing.T) {
	for _, name := range []string{"h5_datatypes.h5", "cmpd_array_member.h5"} {
		t.Run(name, func(t *testing.T) {
			in := fixture(t, "fixtures/features/"+name)
			code, _, errOut := runCLI(t, "scan", "-o", filepath.Join(t.TempDir(), "x.json"), in)
			want := expectedSkips[name]
			head := fmt.Sprintf("error: %s: %d variables cannot be referenced as stored:\n", in, len(want))
			if code != exitFailures || !strings.Contains(errOut, head) || strings.Count(errOut, in) != 1 ||
				!strings.Contains(errOut, "use --on-unsupported=skip") || !strings.Contains(errOut, "1 error") {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 1, %q, the file named once and the hint", code, errOut, head)
			}
			for _, v := range want {
				if !strings.Contains(errOut, "\n  /"+v+": unsupported: ") {
					t.Errorf("/%s is not listed:\n%s", v, errOut)
				}
			}
		})
	}
}

// A file this user may not read is named once, with what to check.
func TestPermissionErrorNamesPathOnce(t *testing.T) {
	in := cutFixture(t, "fixtures/nc3_classic.nc", -1)
	want := in + ": permission denied (open): this user may not read it; check its mode and owner (ls -l)"
	// What the scan job reports, as describeError gets it.
	err := &fanout.InputError{Input: in, Err: &fs.PathError{Op: "open", Path: in, Err: fs.ErrPermission}}
	if got := describeError(in, err); !strings.HasPrefix(got, want) || strings.Count(got, in) != 1 {
		t.Errorf("describeError: %q, want %q…", got, want)
	}
	if os.Geteuid() == 0 {
		t.Skip("running as root, whom file modes do not stop: the CLI run is not tested")
	}
	if err := os.Chmod(in, 0); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "scan", "-o", filepath.Join(t.TempDir(), "x.json"), in)
	if code != exitFailures || !strings.Contains(errOut, "error: "+want) || strings.Count(errOut, in) != 1 {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 and %q", code, errOut, want)
	}
}

// The open error of a missing input names it once; the same path gives
// the permission message above.
func TestOpenErrorNamesPathOnce(t *testing.T) {
	in := filepath.Join(t.TempDir(), "gone.nc")
	_, err := scan.File(context.Background(), in, scan.FileOptions{})
	if got, want := describeError(in, err), in+": no such file"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

// info on a directory is a usage error that says what to do instead.
func TestInfoDirectory(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "info", dir)
	want := "gokerchunk: info describes one file; " + dir + " is a directory (gokerchunk scan -o OUT/ " + dir + " scans every file below it)"
	if code != exitUsage || out != "" || strings.TrimSpace(errOut) != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errOut, want)
	}
}
