package main

import (
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	for _, flag := range []string{"--version", "-v"} {
		code, out, errOut := runCLI(t, flag)
		want := "gokerchunk version " + version() + "\n"
		if code != exitOK || out != want || errOut != "" || !strings.Contains(out, runtime.Version()) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want %q with the Go release", flag, code, out, errOut, want)
		}
	}
}

// helpPaths lists every command's path, subcommands included.
func helpPaths(t *testing.T) [][]string {
	t.Helper()
	paths := [][]string{nil}
	for _, c := range []string{"scan", "combine", "info", "check", "convert", "serve", "lambda"} {
		paths = append(paths, []string{c})
	}
	paths = append(paths, []string{"convert", "csv2parquet"}, []string{"lambda", "deploy"}, []string{"lambda", "url"}, []string{"lambda", "remove"})
	return paths
}

// Every command's --help ends with examples of it, and says each flag's
// default once.
func TestHelpHasExamplesAndDefaultsOnce(t *testing.T) {
	for _, path := range helpPaths(t) {
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(t, append(path, "--help")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			_, block, ok := strings.Cut(out, "\nEXAMPLES:\n")
			if !ok || !strings.Contains(block, "   gokerchunk "+name) {
				t.Errorf("no EXAMPLES block with %q:\n%s", "gokerchunk "+name, out)
			}
			for _, line := range strings.Split(out, "\n") {
				if strings.Count(line, "(default: ") > 1 {
					t.Errorf("a default said twice: %s", line)
				}
			}
		})
	}
}

// -q leaves errors and skipped variables on standard error, nothing else:
// no notes, no summary.
func TestQuiet(t *testing.T) {
	links := fixture(t, "fixtures/features/h5_links.h5") // notes and skipped variables
	bad := cutFixture(t, "fixtures/nc3_classic.nc", 0)
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "scan", "-q", "--on-unsupported=skip", "-o", dir, links, bad)
	if code != exitFailures || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	for _, l := range lines {
		if !strings.HasPrefix(l, "error: ") && !strings.HasPrefix(l, "skipped: ") {
			t.Errorf("-q printed %q", l)
		}
	}
	if want := []string{"error: " + bad + ": empty file", "skipped: " + links + ": /vds/combined"}; len(lines) != 3 ||
		!strings.Contains(errOut, want[0]) || !strings.Contains(errOut, want[1]) {
		t.Errorf("stderr:\n%s\nwant the error, the 2 skipped variables and nothing else", errOut)
	}
	// Without -q the notes and the summary are there.
	_, _, errOut = runCLI(t, "scan", "--on-unsupported=skip", "-o", filepath.Join(dir, "again"), links)
	if !strings.Contains(errOut, "note: "+links) || !strings.Contains(errOut, "scanned 1 file:") {
		t.Errorf("without -q: %s", errOut)
	}
}
