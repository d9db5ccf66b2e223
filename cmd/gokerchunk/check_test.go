package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// scanTo scans in with the CLI into the sidecar out, with extra flags.
func scanTo(t *testing.T, out, in string, extra ...string) {
	t.Helper()
	args := append(append([]string{"scan", "-q", "-o", out}, extra...), in)
	if code, _, errOut := runCLI(t, args...); code != exitOK {
		t.Fatalf("scan %s: exit %d\n%s", in, code, errOut)
	}
}

// TestCheckSkippedUnchecked: variables scan leaves out with
// --on-unsupported=skip are unchecked with the scanner's reason, and the
// check passes.
func TestCheckSkippedUnchecked(t *testing.T) {
	in := fixture(t, "fixtures/features/nc4_usertypes.nc")
	out := filepath.Join(t.TempDir(), "usertypes.json")
	scanTo(t, out, in, "--on-unsupported", "skip")
	code, stdout, errOut := runCLI(t, "check", out, "--source", in)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, stdout, errOut)
	}
	for _, want := range []string{
		"unchecked ragged (0 chunks, 0 elements): not in the reference set: scan leaves it out (--on-unsupported=skip): unsupported: variable-length sequences",
		"unchecked stations (0 chunks, 0 elements): not in the reference set: scan leaves it out (--on-unsupported=skip): unsupported: compound member \"vals\" is an array",
		", 0 missing, 0 extra, 0 error, 0 metadata, 2 unchecked;",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestCheckHiddenDimensions: a netCDF-4 file without _NCProperties (as
// netCDF-C before 4.4 wrote them) is read with libhdf5 alone, which lists
// its dimension scales as datasets; scan hides them, and check passes,
// listing them as unchecked.
func TestCheckHiddenDimensions(t *testing.T) {
	requireTool(t, exec.Command(debianPython, "-c", "import h5py").Run(), "h5py (python3-h5py)")
	dir := t.TempDir()
	in := filepath.Join(dir, "old_netcdf4.nc")
	b, err := os.ReadFile(fixture(t, "fixtures/nc4_layouts.nc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	strip := "import h5py, sys\nwith h5py.File(sys.argv[1], 'r+') as f: del f.attrs['_NCProperties']"
	if out, err := exec.Command(debianPython, "-c", strip, in).CombinedOutput(); err != nil {
		t.Fatalf("remove _NCProperties: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "old.json")
	scanTo(t, out, in)
	code, stdout, errOut := runCLI(t, "check", out, "--source", in)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, stdout, errOut)
	}
	for _, dim := range []string{"x", "y"} {
		want := "unchecked " + dim + " (0 chunks, 0 elements): not in the reference set: scan hides it: netCDF dimension without a coordinate variable"
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
}

// TestCheckDirectories checks a directory of sidecars against directories
// of sources: each sidecar against the file it points at, a report each
// and a total; a sidecar without its source fails the run, the others
// still checked.
func TestCheckDirectories(t *testing.T) {
	samples := filepath.Dir(sampleFiles(t)[0])
	features := filepath.Dir(fixture(t, "fixtures/features/nc4_usertypes.nc"))
	out := t.TempDir()
	args := []string{"scan", "-q", "--on-unsupported", "skip", "-o", out + "/", samples, filepath.Join(features, "nc4_usertypes.nc")}
	if code, _, errOut := runCLI(t, args...); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}

	code, stdout, errOut := runCLI(t, "check", out, "--source", samples, "--source", features)
	if code != exitOK {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitOK, stdout, errOut)
	}
	if n := len(regexp.MustCompile(`(?m)^== `).FindAllString(stdout, -1)); n != 4 {
		t.Errorf("want 4 reports (the run manifest is not one):\n%s", stdout)
	}
	if !strings.Contains(stdout, "total: 4 reference sets, 0 failed; checked 21 variables: 19 ok, 0 mismatch, 0 missing, 0 extra, 0 error, 0 metadata, 2 unchecked;") {
		t.Errorf("no total, or the wrong one:\n%s", stdout)
	}

	// Without the features directory, nc4_usertypes.nc.json has no source.
	code, stdout, errOut = runCLI(t, "check", out, "--source", samples)
	if code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailures, stdout, errOut)
	}
	if !regexp.MustCompile(`== \S*nc4_usertypes.nc.json\nerror: no --source is a file its references point at \(they point at \S*nc4_usertypes.nc\)`).MatchString(stdout) ||
		!regexp.MustCompile(`total: 4 reference sets, 1 failed \(\S*nc4_usertypes.nc.json\); checked 12 variables: 12 ok`).MatchString(stdout) {
		t.Errorf("the set without a source is not reported as failed:\n%s", stdout)
	}

	// A glob of sidecars, quiet: nothing to say when all pass.
	code, stdout, errOut = runCLI(t, "check", "-q", filepath.Join(out, "tas_*.json"), "--source", samples)
	if code != exitOK || stdout != "" || errOut != "" {
		t.Errorf("quiet glob: exit %d, want %d and no output\n%s%s", code, exitOK, stdout, errOut)
	}
}

// TestCheckWrongSource: a --source the references do not point at draws a
// warning naming the file they do point at; -q drops it and prints only
// the failing variables.
func TestCheckWrongSource(t *testing.T) {
	files := sampleFiles(t)
	out := filepath.Join(t.TempDir(), "day1.json")
	scanTo(t, out, files[0])
	abs0, _ := filepath.Abs(files[0])
	abs1, _ := filepath.Abs(files[1])

	code, stdout, errOut := runCLI(t, "check", out, "--source", files[1])
	if code != exitFailures {
		t.Errorf("exit %d, want %d (other values)\n%s%s", code, exitFailures, stdout, errOut)
	}
	want := "warning: --source " + abs1 + " is not a file the references point at (they point at " + abs0 + ")\n"
	if !strings.Contains(errOut, want) {
		t.Errorf("stderr lacks %q:\n%s", want, errOut)
	}

	code, stdout, errOut = runCLI(t, "check", "-q", out, "--source", files[1])
	if code != exitFailures || errOut != "" {
		t.Errorf("quiet: exit %d, stderr %q; want %d and nothing", code, errOut, exitFailures)
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if !strings.HasPrefix(line, "mismatch ") {
			t.Errorf("quiet: printed %q, want only failures", line)
		}
	}

	code, stdout, errOut = runCLI(t, "check", out, "--source", files[0])
	if code != exitOK || strings.Contains(errOut, "warning") {
		t.Errorf("right source: exit %d\n%s%s", code, stdout, errOut)
	}
}

// TestProgressLine pins what a terminal shows while a large array is read:
// one line rewritten in place, erased when the array is done.
func TestProgressLine(t *testing.T) {
	for _, tc := range []struct {
		path        string
		done, total int
		want        string
	}{
		{"tas", 120, 400, "\r\x1b[Kreading /tas: 120/400 chunks"},
		{"grp/tas", 1, 64, "\r\x1b[Kreading /grp/tas: 1/64 chunks"},
		{"tas", 400, 400, "\r\x1b[K"},
	} {
		if got := progressLine(tc.path, tc.done, tc.total); got != tc.want {
			t.Errorf("progressLine(%q, %d, %d) = %q, want %q", tc.path, tc.done, tc.total, got, tc.want)
		}
	}
	var b strings.Builder
	p := &chunkProgress{w: &b}
	p.update("small", 1, progressMinChunks-1)
	p.update("small", progressMinChunks-1, progressMinChunks-1)
	if b.String() != "" {
		t.Errorf("a small array shows progress: %q", b.String())
	}
	p.update("big", 1, 100)
	p.update("big", 100, 100)
	if got, want := b.String(), "\r\x1b[Kreading /big: 1/100 chunks\r\x1b[K"; got != want {
		t.Errorf("big array: %q, want %q", got, want)
	}
}
