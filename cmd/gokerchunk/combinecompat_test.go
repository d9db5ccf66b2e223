package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCombineCompatPython runs testdata/combinecompat_test.py on sidecars
// this CLI scans from testdata/fixtures/combine: the Python cross-check for
// `combine` must pass correct combined sets (built there by a stand-in
// concatenation of the sidecars) and fail wrong ones, in today's Python
// stack (testdata/sid/run.sh) and in Debian 12's. `combine`'s own output
// goes through testdata/combinecompat.py the same way (combine_test.go).
func TestCombineCompatPython(t *testing.T) {
	root := filepath.Join("..", "..", "testdata")
	sidecars := t.TempDir()
	code, _, errOut := runCLI(t, "scan", "-q", "-o", sidecars, filepath.Join(root, "fixtures", "combine"))
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	args := []string{filepath.Join(root, "combinecompat_test.py"), "--sidecars", sidecars}
	t.Run("sid", func(t *testing.T) {
		requireSid(t)
		if b, err := sidPython(args...).CombinedOutput(); err != nil {
			t.Errorf("combinecompat_test.py in today's stack: %v\n%s", err, b)
		}
	})
	t.Run("debian12", func(t *testing.T) {
		requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
		if b, err := exec.Command(debianPython, args...).CombinedOutput(); err != nil {
			t.Errorf("combinecompat_test.py in Debian 12's stack: %v\n%s", err, b)
		}
	})
}
