package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/fanout"
)

// scannedSummary matches scan's last line.
var scannedSummary = regexp.MustCompile(`scanned \d+ files?:`)

// copyFile copies a fixture to dst, making its directories.
func copyFile(t *testing.T, src, dst string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestScanOutputDirectoryInput: an INPUT that is a directory or a glob
// makes -o a directory even when it gives one file, so the same command
// keeps working when a second file appears.
func TestScanOutputDirectoryInput(t *testing.T) {
	src := sampleFiles(t)
	in := t.TempDir()
	copyFile(t, src[0], filepath.Join(in, "a.nc"))
	for name, arg := range map[string]string{"directory": in, "glob": filepath.Join(in, "*.nc")} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "OUT")
			code, _, errOut := runCLI(t, "scan", "-o", out, arg)
			if code != exitOK {
				t.Fatalf("one file: exit %d\n%s", code, errOut)
			}
			for _, f := range []string{"a.nc.json", fanout.ManifestName} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("one file: %v", err)
				}
			}
		})
	}
	// The second file that used to turn this into "mkdir OUT: not a
	// directory" now just adds a sidecar.
	out := filepath.Join(t.TempDir(), "OUT")
	if code, _, errOut := runCLI(t, "scan", "-o", out, in); code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	copyFile(t, src[1], filepath.Join(in, "b.nc"))
	if code, _, errOut := runCLI(t, "scan", "-o", out, in); code != exitOK {
		t.Fatalf("two files: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(out, "b.nc.json")); err != nil {
		t.Error(err)
	}
	// One file named as a file still writes the file -o names.
	single := filepath.Join(t.TempDir(), "single.json")
	if code, _, errOut := runCLI(t, "scan", "-o", single, filepath.Join(in, "a.nc")); code != exitOK {
		t.Fatalf("single: exit %d\n%s", code, errOut)
	}
	if st, err := os.Stat(single); err != nil || !st.Mode().IsRegular() {
		t.Errorf("single: %v", err)
	}
}

// TestScanOutputContradictions: -o values that contradict what the
// inputs need are usage errors (exit 2) that name the problem, before
// anything is scanned or written.
func TestScanOutputContradictions(t *testing.T) {
	in := sampleFiles(t)
	oneDir := t.TempDir()
	copyFile(t, in[0], filepath.Join(oneDir, "a.nc"))
	tmp := t.TempDir()
	existing := filepath.Join(tmp, "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"existing file, two inputs", []string{"-o", existing, in[0], in[1]}, "-o " + existing + " is a file, but 2 inputs"},
		{"existing file, directory input", []string{"-o", existing, oneDir}, "is a directory: -o must name a directory"},
		{"json name, two inputs", []string{"-o", filepath.Join(tmp, "refs.json"), in[0], in[1]}, "refs.json names a file, but 2 inputs"},
		{"json name, glob input", []string{"-o", filepath.Join(tmp, "refs.json"), filepath.Join(oneDir, "*.nc")}, "is a glob: -o must name a directory"},
		{"stdout, directory input", []string{oneDir}, "is a directory: -o must name a directory or an S3 prefix"},
		{"stdout, mirror", []string{"--mirror", in[0]}, "--mirror: -o must name a directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append([]string{"scan"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, want %d with %q:\n%s", code, exitUsage, tt.want, errOut)
			}
			if out != "" || scannedSummary.MatchString(errOut) {
				t.Errorf("something was scanned:\n%s%s", out, errOut)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file was changed: %q", b)
	}
	if entries, _ := os.ReadDir(tmp); len(entries) != 1 {
		t.Errorf("the refused runs left %v", entries)
	}
}

// TestScanOutputMirror: the year/month/data.nc layout. Without --mirror
// the clash is a usage error that points to --mirror; with it each
// sidecar goes to its input's path below the INPUT argument: a
// directory, a glob's literal leading directories, a file's own
// directory.
func TestScanOutputMirror(t *testing.T) {
	src := sampleFiles(t)
	root := filepath.Join(t.TempDir(), "DIR")
	copyFile(t, src[0], filepath.Join(root, "2020", "01", "data.nc"))
	copyFile(t, src[1], filepath.Join(root, "2020", "02", "data.nc"))

	out := filepath.Join(t.TempDir(), "OUT")
	code, _, errOut := runCLI(t, "scan", "-o", out, root)
	if code != exitUsage || !strings.Contains(errOut, "would both write") || !strings.Contains(errOut, "--mirror") ||
		!strings.Contains(errOut, filepath.Join(out, "2020", "02", "data.nc.json")) {
		t.Errorf("without --mirror: exit %d, want %d with a hint to --mirror:\n%s", code, exitUsage, errOut)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run made %s", out)
	}

	want := []string{
		"2020/01/data.nc.json",
		"2020/02/data.nc.json",
		fanout.ManifestName,
	}
	for name, args := range map[string][]string{
		"directory": {root},
		"glob":      {filepath.Join(root, "*", "*", "*.nc")},
	} {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "OUT")
			code, _, errOut := runCLI(t, append([]string{"scan", "--mirror", "-o", out}, args...)...)
			if code != exitOK {
				t.Fatalf("exit %d\n%s", code, errOut)
			}
			if got := filesBelow(t, out); !slices.Equal(got, want) {
				t.Errorf("OUT holds %v, want %v", got, want)
			}
			m, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Outputs) != 2 || m.Outputs[1].Output != filepath.Join(out, filepath.FromSlash(want[1])) {
				t.Errorf("manifest outputs %+v", m.Outputs)
			}
		})
	}
	// A file is named below its own directory.
	out = filepath.Join(t.TempDir(), "OUT")
	if code, _, errOut := runCLI(t, "scan", "--mirror", "-o", out, filepath.Join(root, "2020", "01", "data.nc")); code != exitOK {
		t.Fatalf("one file: exit %d\n%s", code, errOut)
	}
	if got := filesBelow(t, out); !slices.Equal(got, []string{fanout.ManifestName, "data.nc.json"}) {
		t.Errorf("one file: OUT holds %v", got)
	}
	// Two arguments whose files lie at the same path below each clash
	// even with --mirror.
	code, _, errOut = runCLI(t, "scan", "--mirror", "-o", filepath.Join(t.TempDir(), "OUT"),
		filepath.Join(root, "2020", "01"), filepath.Join(root, "2020", "02"))
	if code != exitUsage || !strings.Contains(errOut, "same path below two INPUT arguments") {
		t.Errorf("clash under --mirror: exit %d\n%s", code, errOut)
	}
}

// TestScanRerunRemovesStale: a rerun in which an input fails removes the
// sidecar an earlier run left for it, its manifest lists the failure,
// and "combine OUT/" refuses the directory, naming the input, while the
// sidecars named one by one still combine.
func TestScanRerunRemovesStale(t *testing.T) {
	dir := fixture(t, filepath.Join("fixtures", "combine", "daily"))
	sources, _ := filepath.Glob(filepath.Join(dir, "*.nc"))
	if len(sources) < 3 {
		t.Fatalf("want 3 daily fixtures, have %v", sources)
	}
	in := t.TempDir()
	for _, s := range sources {
		copyFile(t, s, filepath.Join(in, filepath.Base(s)))
	}
	out := filepath.Join(t.TempDir(), "OUT")
	if code, _, errOut := runCLI(t, "scan", "-q", "-o", out, in); code != exitOK {
		t.Fatalf("first run: exit %d\n%s", code, errOut)
	}
	last := filepath.Join(in, filepath.Base(sources[len(sources)-1]))
	stale := filepath.Join(out, filepath.Base(last)+".json")
	if _, err := os.Stat(stale); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(last, bytes.Repeat([]byte("not hdf5 "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "scan", "-o", out, in)
	if code != exitFailures || !strings.Contains(errOut, "removed: "+stale) {
		t.Fatalf("rerun: exit %d, want %d saying it removed %s:\n%s", code, exitFailures, stale, errOut)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("the stale sidecar is still there: %v", err)
	}
	m, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Failed != 1 || m.Failures[0].Input != last || m.Failures[0].Output != stale {
		t.Errorf("manifest failures %+v", m.Failures)
	}

	combined := filepath.Join(t.TempDir(), "combined.json")
	code, _, errOut = runCLI(t, "combine", "-o", combined, out+"/")
	if code != exitFailures || !strings.Contains(errOut, fanout.ManifestName) || !strings.Contains(errOut, last) ||
		!strings.Contains(errOut, "nothing combined") {
		t.Errorf("combine OUT/: exit %d, want %d naming %s:\n%s", code, exitFailures, last, errOut)
	}
	if _, err := os.Stat(combined); !os.IsNotExist(err) {
		t.Errorf("combine OUT/ wrote %s", combined)
	}
	code, _, errOut = runCLI(t, "combine", "-q", "-o", combined, filepath.Join(out, "*.json"))
	if code != exitOK {
		t.Errorf("combine OUT/*.json: exit %d\n%s", code, errOut)
	}
}

// TestScanOutputUnwritable: an output directory that cannot be written
// to stops the run before any input is scanned (an input that would
// fail shows none was), with an error naming it, exit status 1.
func TestScanOutputUnwritable(t *testing.T) {
	good := sampleFiles(t)[0]
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "bad.nc")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not hdf5 "), 100), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(tmp, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(readOnly, 0o755) })

	cases := map[string]string{"below a file": filepath.Join(file, "OUT") + "/", "read-only": readOnly}
	if f, err := os.Create(filepath.Join(readOnly, "probe")); err == nil {
		// root: permissions do not stop writes
		f.Close()
		os.Remove(f.Name())
		delete(cases, "read-only")
		t.Log("read-only directory case skipped: this user can write to a directory of mode 0555 (root)")
	}
	for name, out := range cases {
		t.Run(name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "scan", "-o", out, bad, good)
			if code != exitFailures || !strings.Contains(errOut, "-o "+out+": cannot write the sidecars there") {
				t.Errorf("exit %d, want %d naming %s:\n%s", code, exitFailures, out, errOut)
			}
			if strings.Contains(errOut, "bad.nc") || scannedSummary.MatchString(errOut) {
				t.Errorf("inputs were scanned:\n%s", errOut)
			}
		})
	}
	if entries, _ := os.ReadDir(readOnly); len(entries) != 0 {
		t.Errorf("the read-only directory holds %v", entries)
	}
}

// TestScanOutputS3Mirror: on S3, --mirror places sidecars below an S3
// prefix input's prefix, the output prefix is tried before the scan and
// the probe left nowhere, and a rerun in which an input fails removes its
// sidecar and makes "combine s3://.../" refuse the prefix.
func TestScanOutputS3Mirror(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{S3PathStyle: true})
	src := sampleFiles(t)
	srv.CopyFile(t, src[0], "data", "in/2020/01/data.nc")
	srv.CopyFile(t, src[1], "data", "in/2020/02/data.nc")

	// The clash is found as the listing goes, once the first data.nc may
	// have been scanned: the run stops there, its manifest in progress,
	// and combine refuses the prefix.
	code, _, errOut := runCLI(t, "scan", "-o", "s3://data/flat/", "s3://data/in/")
	if code != exitUsage || !strings.Contains(errOut, "--mirror") {
		t.Errorf("without --mirror: exit %d\n%s", code, errOut)
	}
	m, err := fanout.ReadManifestURL(context.Background(), "s3://data/flat/"+fanout.ManifestName)
	if err != nil || !m.InProgress {
		t.Errorf("the refused run's manifest: %+v, %v; want one in progress", m, err)
	}
	code, _, errOut = runCLI(t, "combine", "-o", filepath.Join(t.TempDir(), "c.json"), "s3://data/flat/")
	if code != exitFailures || !strings.Contains(errOut, "did not finish") {
		t.Errorf("combine s3://data/flat/: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runCLI(t, "scan", "-q", "--mirror", "-o", "s3://data/out/", "s3://data/in/")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	want := []string{"out/2020/01/data.nc.json", "out/2020/02/data.nc.json", "out/" + fanout.ManifestName}
	if got := srv.Keys(t, "data", "out/"); !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}

	srv.CopyFile(t, writeFile(t, "bad.nc", bytes.Repeat([]byte("not hdf5 "), 100)), "data", "in/2020/02/data.nc")
	code, _, errOut = runCLI(t, "scan", "--mirror", "-o", "s3://data/out/", "s3://data/in/")
	if code != exitFailures || !strings.Contains(errOut, "removed: s3://data/out/2020/02/data.nc.json") {
		t.Fatalf("rerun: exit %d\n%s", code, errOut)
	}
	if got := srv.Keys(t, "data", "out/"); !slices.Equal(got, []string{want[0], want[2]}) {
		t.Errorf("after the rerun: keys %v", got)
	}
	code, _, errOut = runCLI(t, "combine", "-o", filepath.Join(t.TempDir(), "c.json"), "s3://data/out/")
	if code != exitFailures || !strings.Contains(errOut, "s3://data/in/2020/02/data.nc") || !strings.Contains(errOut, "nothing combined") {
		t.Errorf("combine s3://data/out/: exit %d\n%s", code, errOut)
	}
}
