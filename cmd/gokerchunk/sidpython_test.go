package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The compatibility scripts (testdata/*.py) run in two Python stacks:
// today's (Debian sid: zarr 3, fsspec 2026, xarray 2026, numcodecs 0.17,
// h5py on HDF5 2.x), built once by `make sid-env` and entered through
// testdata/sid/run.sh, and Debian 12's /usr/bin/python3 (zarr 2.13, fsspec
// 2022.11, numcodecs 0.11) as a second check, where the scripts report
// what that stack lacks as SKIP naming the release that has it.

// sidRunScript is testdata/sid/run.sh, relative to this package.
var sidRunScript = filepath.Join("..", "..", "testdata", "sid", "run.sh")

// sidRoot is the Debian sid root run.sh uses.
func sidRoot() string {
	if d := os.Getenv("GOKERCHUNK_SID_ROOT"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "gokerchunk-tools", "sid")
}

var (
	sidOnce  sync.Once
	sidError error
)

// sidReady reports why today's stack cannot run (nil when it can): the
// root is not built, or run.sh cannot enter it (it needs root for
// unshare, mount and chroot), or the packages do not import. Checked once
// per test binary.
func sidReady() error {
	sidOnce.Do(func() {
		if _, err := os.Stat(filepath.Join(sidRoot(), ".complete")); err != nil {
			sidError = fmt.Errorf("the Debian sid root %s is not built (make sid-env): %w", sidRoot(), err)
			return
		}
		out, err := sidPython("-c", "import fsspec, zarr, xarray, numcodecs, netCDF4, h5py, h5netcdf, cftime, pyarrow").CombinedOutput()
		if err != nil {
			sidError = fmt.Errorf("testdata/sid/run.sh python3 fails: %w: %s", err, strings.TrimSpace(string(out)))
		}
	})
	return sidError
}

// requireSid skips the test when today's Python stack is not there, and
// fails it under CI (where `make test` builds it first), like requireTool.
func requireSid(t *testing.T) {
	t.Helper()
	requireTool(t, sidReady(), "today's Python stack (make sid-env)")
}

// sidPython returns a command running python3 with args in the Debian sid
// root through run.sh. /tmp and the repository are bound at their own
// paths there (reference sets hold absolute paths); so is the temporary
// directory when TMPDIR points elsewhere. Paths relative to this package
// work, the working directory being inside the repository.
func sidPython(args ...string) *exec.Cmd {
	runArgs := []string{}
	if tmp, err := filepath.EvalSymlinks(os.TempDir()); err == nil && tmp != "/tmp" && !strings.HasPrefix(tmp, "/tmp/") {
		runArgs = append(runArgs, "--bind", tmp)
	}
	runArgs = append(runArgs, "python3")
	return exec.Command(sidRunScript, append(runArgs, args...)...)
}

// debianPythonReady reports why Debian 12's Python stack cannot run the
// compatibility scripts (nil when it can).
func debianPythonReady() error {
	return exec.Command(debianPython, "-c", "import fsspec, zarr, xarray, numcodecs, netCDF4, h5py, cftime").Run()
}
