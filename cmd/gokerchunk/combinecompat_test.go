package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCombineCompatPython runs testdata/combinecompat_test.py on sidecars
// this CLI scans from testdata/fixtures/combine: the Python cross-check for
// `combine` must pass correct combined sets (built there by a stand-in
// concatenation of the sidecars) and fail wrong ones. Once `combine`
// exists, its own output goes through testdata/combinecompat.py the same way.
func TestCombineCompatPython(t *testing.T) {
	err := exec.Command(debianPython, "-c", "import fsspec, zarr, xarray, netCDF4, cftime, h5py").Run()
	requireTool(t, err, "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
	root := filepath.Join("..", "..", "testdata")
	sidecars := t.TempDir()
	code, _, errOut := runCLI(t, "scan", "-q", "-o", sidecars, filepath.Join(root, "fixtures", "combine"))
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	py := exec.Command(debianPython, filepath.Join(root, "combinecompat_test.py"), "--sidecars", sidecars)
	if b, err := py.CombinedOutput(); err != nil {
		t.Errorf("combinecompat_test.py: %v\n%s", err, b)
	}
}
