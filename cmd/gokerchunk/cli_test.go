package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/fanout"
	"gokerchunk/refs"
)

// runCLI runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIContext(t, context.Background(), args...)
}

// runCLIContext is runCLI with the command's context, as main gives it
// one that SIGINT cancels.
func runCLIContext(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	oldOut, oldErr := os.Stdout, os.Stderr
	outR, outW, _ := os.Pipe()
	errR, errW, _ := os.Pipe()
	os.Stdout, os.Stderr = outW, errW
	outC := make(chan string)
	errC := make(chan string)
	go func() { b, _ := io.ReadAll(outR); outC <- string(b) }()
	go func() { b, _ := io.ReadAll(errR); errC <- string(b) }()
	code = runContext(ctx, append([]string{"gokerchunk"}, args...))
	outW.Close()
	errW.Close()
	os.Stdout, os.Stderr = oldOut, oldErr
	return code, <-outC, <-errC
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v (run make fixtures)", name, err)
	}
	return p
}

func sampleFiles(t *testing.T) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "sample", "*.nc"))
	if len(m) < 2 {
		t.Fatalf("want at least 2 sample files, have %v", m)
	}
	return m
}

func TestScanOneFileToStdout(t *testing.T) {
	in := sampleFiles(t)[0]
	code, out, errOut := runCLI(t, "scan", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	set, err := refs.ReadJSON(strings.NewReader(out))
	if err != nil {
		t.Fatalf("stdout is not reference JSON: %v", err)
	}
	abs, _ := filepath.Abs(in)
	found := false
	for _, m := range set.Arrays {
		for _, u := range m.URLs {
			found = found || u == abs
			if u != abs {
				t.Errorf("reference names %q, want the absolute path %q", u, abs)
			}
		}
	}
	if !found {
		t.Error("no chunk references the input")
	}
	if !strings.Contains(errOut, "scanned 1 file:") {
		t.Errorf("no summary on stderr: %q", errOut)
	}
}

func TestScanDirectoryToDirectory(t *testing.T) {
	ins := sampleFiles(t)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "scan", "--workers", "2", "-o", dir, filepath.Dir(ins[0]))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, in := range ins {
		if _, err := os.Stat(filepath.Join(dir, filepath.Base(in)+".json")); err != nil {
			t.Errorf("no sidecar for %s: %v", in, err)
		}
	}
	want := "scanned " + plural(len(ins), "file") + ":"
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "0 errors") {
		t.Errorf("summary %q lacks %q / 0 errors", errOut, want)
	}
}

func TestScanFailureLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.nc")
	os.WriteFile(bad, bytes.Repeat([]byte("not hdf5 "), 100), 0o644)
	good := sampleFiles(t)[0]
	outDir := filepath.Join(dir, "out")
	code, _, errOut := runCLI(t, "scan", "-o", outDir, bad, good)
	if code != exitFailures {
		t.Fatalf("exit %d, want %d: %s", code, exitFailures, errOut)
	}
	if !strings.Contains(errOut, bad) || !strings.Contains(errOut, "1 error") {
		t.Errorf("stderr does not name the bad file or count the error: %s", errOut)
	}
	entries, _ := os.ReadDir(outDir)
	if len(entries) != 2 || entries[0].Name() != fanout.ManifestName || entries[1].Name() != filepath.Base(good)+".json" {
		t.Errorf("output directory holds %v, want only the manifest and the good sidecar", entries)
	}
	m, err := fanout.ReadManifest(filepath.Join(outDir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Executor != "local" || m.Succeeded != 1 || m.Failed != 1 || m.Failures[0].Input != bad || !m.Failures[0].Permanent ||
		!strings.Contains(m.Failures[0].Reason, bad) || m.Outputs[0].Output != filepath.Join(outDir, filepath.Base(good)+".json") {
		t.Errorf("manifest %+v", m)
	}
	single := filepath.Join(dir, "single.json")
	if code, _, _ := runCLI(t, "scan", "-o", single, bad); code != exitFailures {
		t.Errorf("single bad input: exit %d", code)
	}
	if _, err := os.Stat(single); !os.IsNotExist(err) {
		t.Errorf("a failed scan left %s behind", single)
	}
}

func TestUsageErrors(t *testing.T) {
	in := sampleFiles(t)
	for name, args := range map[string][]string{
		"no input":           {"scan"},
		"missing file":       {"scan", "/no/such/file.nc"},
		"glob without match": {"scan", "/no/such/*.nc"},
		"several to stdout":  {"scan", in[0], in[1]},
		"bad policy":         {"scan", "--on-unsupported", "maybe", in[0]},
		"info two files":     {"info", in[0], in[1]},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage {
			t.Errorf("%s: exit %d, want %d (%s)", name, code, exitUsage, errOut)
		}
	}
}

func TestInfo(t *testing.T) {
	in := fixture(t, "fixtures/nc4_groups.nc")
	code, out, errOut := runCLI(t, "info", in)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"superblock v2", "group /", "layout:"} {
		if !strings.Contains(out, want) {
			t.Errorf("info output lacks %q:\n%s", want, out)
		}
	}
}

// TestBuildsWithoutCgo keeps the scanner and the CLI free of cgo: the
// Lambda build and static binaries depend on it.
func TestBuildsWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd := exec.Command("go", "build", "-o", filepath.Join(t.TempDir(), "gk"), ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 build: %v\n%s", err, out)
	}
}

// TestScanOnUnsupported: error fails the file and names variable and
// reason; skip and inline leave the variable out, say so, keep the rest
// of the file and succeed.
func TestScanOnUnsupported(t *testing.T) {
	for _, tc := range []struct{ fixture, variable, reason string }{
		{"h5_vlen_sequence.h5", "ragged", "variable-length sequences"},
		{"h5_compound_vlen_string.h5", "stations", `compound member "name": variable-length strings inside a compound`},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			in := fixture(t, "fixtures/unsupported/"+tc.fixture)
			code, _, errOut := runCLI(t, "scan", "-o", filepath.Join(t.TempDir(), "x.json"), in)
			if code != exitFailures || !strings.Contains(errOut, "/"+tc.variable) || !strings.Contains(errOut, tc.reason) {
				t.Errorf("error policy: exit %d\n%s", code, errOut)
			}
			for _, policy := range []string{"skip", "inline"} {
				out := filepath.Join(t.TempDir(), "x.json")
				code, _, errOut := runCLI(t, "scan", "--on-unsupported", policy, "-o", out, in)
				if code != exitOK || !strings.Contains(errOut, "skipped: "+in+": /"+tc.variable) || !strings.Contains(errOut, "1 skipped variable") {
					t.Errorf("%s: exit %d\n%s", policy, code, errOut)
				}
				f, err := os.Open(out)
				if err != nil {
					t.Fatal(err)
				}
				set, err := refs.ReadJSON(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := set.Arrays[tc.variable]; ok {
					t.Errorf("%s: %s in the output", policy, tc.variable)
				}
				if _, ok := set.Arrays["plain_ok"]; !ok {
					t.Errorf("%s: plain_ok missing from the output", policy)
				}
			}
		})
	}
}
