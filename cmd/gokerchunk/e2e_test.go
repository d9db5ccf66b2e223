package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// debianPython is the interpreter with Debian's h5py, netCDF4, fsspec, zarr
// and xarray (what our users open the output with).
const debianPython = "/usr/bin/python3"

// expectedSkips lists, per fixture, the variables that scan leaves out with
// --on-unsupported=skip (and that the Python check must find missing).
var expectedSkips = map[string][]string{
	"h5_vlen_sequence.h5":    {"ragged"},
	"h5_region_reference.h5": {"regions"},
	"h5_virtual.h5":          {"stacked"},
	// A slot of its external data files ends inside a row.
	"h5_storage_external_split.h5": {"split"},
}

// notNetCDFReadable lists fixtures that libnetcdf cannot open, so `check`
// (which compares with libnetcdf) cannot run on them; the Python comparison
// with h5py still does.
var notNetCDFReadable = map[string]string{
	"h5_storage_committed.h5":        "netCDF-C 4.9.0 fails on committed atomic datatypes (NetCDF: HDF error)",
	"h5_storage_committed_latest.h5": "netCDF-C 4.9.0 fails on committed atomic datatypes (NetCDF: HDF error)",
}

// requireTool fails under CI (where .ci/run installs everything) and skips
// elsewhere when a tool is missing.
func requireTool(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing under CI: %v", what, err)
	}
	t.Skipf("%s is missing: %v", what, err)
}

// TestEndToEnd scans every fixture with the CLI, checks the references
// against libnetcdf with `gokerchunk check`, and reads them with Debian's
// Python fsspec + zarr + xarray, comparing with netCDF4-python / h5py.
func TestEndToEnd(t *testing.T) {
	err := exec.Command(debianPython, "-c", "import fsspec, zarr, xarray, netCDF4, h5py").Run()
	requireTool(t, err, "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
	// External data files (h5_storage_external*.h5) are named relative to
	// the HDF5 file, as the scanner resolves them; libhdf5 (under libnetcdf
	// and h5py) resolves them against its current directory unless told
	// to use the file's.
	t.Setenv("HDF5_EXTFILE_PREFIX", "${ORIGIN}")
	root := filepath.Join("..", "..", "testdata")
	var inputs []string
	for _, pat := range []string{"fixtures/*.nc", "fixtures/*.h5", "fixtures/unsupported/*.nc", "fixtures/unsupported/*.h5", "sample/*.nc"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		inputs = append(inputs, m...)
	}
	if len(inputs) < 15 {
		t.Fatalf("only %d fixtures found", len(inputs))
	}
	dir := t.TempDir()
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".json")
			args := []string{"scan", "-q", "-o", out}
			if expectedSkips[name] != nil {
				args = append(args, "--on-unsupported", "skip")
			}
			code, _, errOut := runCLI(t, append(args, in)...)
			if code != exitOK {
				t.Fatalf("scan: exit %d\n%s", code, errOut)
			}
			for _, v := range expectedSkips[name] {
				if !strings.Contains(errOut, "skipped: ") || !strings.Contains(errOut, v) {
					t.Errorf("scan did not report %s as skipped:\n%s", v, errOut)
				}
			}

			if reason := notNetCDFReadable[name]; reason != "" {
				t.Logf("check not run: %s", reason)
			} else if expectedSkips[name] == nil {
				code, stdout, errOut := runCLI(t, "check", out, "--source", in)
				if code != exitOK {
					t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
				}
				if !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
					t.Errorf("check summary:\n%s", stdout)
				}
			}

			pyArgs := []string{filepath.Join(root, "pycompat.py")}
			for _, v := range expectedSkips[name] {
				pyArgs = append(pyArgs, "--expect-missing", v)
			}
			py := exec.Command(debianPython, append(pyArgs, out, in)...)
			if b, err := py.CombinedOutput(); err != nil {
				t.Errorf("pycompat: %v\n%s", err, b)
			}
		})
	}
}
