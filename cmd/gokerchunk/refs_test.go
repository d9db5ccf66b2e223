package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/blob"
)

// copyToDir copies src into dir and returns the copy's path.
func copyToDir(t *testing.T, src, dir string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// stderrOf runs the command with mustRun and returns its standard error.
func stderrOf(t *testing.T, args ...string) string {
	t.Helper()
	_, errOut := mustRun(t, args...)
	return errOut
}

// TestScanTargetPrefixS3Check scans a local copy with --target-prefix
// pointing at its home in S3 (versitygw), with and without --templates,
// and checks the sidecar against the local file: its chunks are read from
// versitygw, as corrupting the object there shows. refs rewrite then moves
// the set to an S3 Parquet set, which checks too.
func TestScanTargetPrefixS3Check(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{})
	src := fixture(t, "fixtures/nc4_many_chunks.nc")
	local := copyToDir(t, src, t.TempDir()) // /tmp/.../nc4_many_chunks.nc, "the local copy"
	name := filepath.Base(local)
	srv.CopyFile(t, src, "data", "archive/"+name)
	rule := filepath.Dir(local) + "/=s3://data/archive/"
	home := "s3://data/archive/" + name
	out := t.TempDir()

	for _, templates := range []bool{false, true} {
		sidecar := filepath.Join(out, "plain.json")
		args := []string{"scan", "-q", "--inline-threshold", "0", "--target-prefix", rule, "-o", sidecar, local}
		if templates {
			sidecar = filepath.Join(out, "templated.json")
			args = []string{"scan", "-q", "--inline-threshold", "0", "--templates", "--target-prefix", rule, "-o", sidecar, local}
		}
		mustRun(t, args...)
		b, err := os.ReadFile(sidecar)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(local)) {
			t.Errorf("%s still names the local copy", sidecar)
		}
		want := `["` + home + `", `
		if templates {
			want = "\"templates\": {\n\"u\": \"" + home + "\"\n}"
		}
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("%s lacks %s:\n%.600s", sidecar, want, b)
		}
		code, stdout, errOut := runCLI(t, "check", "--s3-path-style", sidecar, "--source", local)
		if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
			t.Fatalf("check %s: exit %d\n%s%s", sidecar, code, stdout, errOut)
		}
	}

	// The sidecar and a Parquet copy moved to S3 by refs rewrite (the
	// rule there and back: the targets are unchanged) check as well.
	moved := "s3://data/refs/moved.parq"
	errOut := stderrOf(t, "refs", "rewrite", "--s3-path-style", "--target-prefix", "s3://data/archive/=s3://data/archive/", filepath.Join(out, "templated.json"), moved)
	if !strings.Contains(errOut, "retargeted 0 of ") || !strings.Contains(errOut, "(1 target, 0 unmatched)") {
		t.Errorf("refs rewrite reports:\n%s", errOut)
	}
	if code, stdout, errOut := runCLI(t, "check", "--s3-path-style", moved, "--source", local); code != exitOK {
		t.Fatalf("check %s: exit %d\n%s%s", moved, code, stdout, errOut)
	}

	// The chunks come from versitygw: spoil the object there and the
	// check fails.
	obj := filepath.Join(srv.Dir, "data", "archive", name)
	st, err := os.Stat(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(obj, make([]byte, st.Size()), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := runCLI(t, "check", "--s3-path-style", filepath.Join(out, "plain.json"), "--source", local); code == exitOK {
		t.Fatalf("check passed with the S3 object zeroed: the chunks were not read from S3\n%s", stdout)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// treeOf returns every file below dir by its relative path.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func sameTree(t *testing.T, a, b string) bool {
	t.Helper()
	ta, tb := treeOf(t, a), treeOf(t, b)
	if len(ta) != len(tb) {
		return false
	}
	for k, v := range ta {
		if tb[k] != v {
			return false
		}
	}
	return true
}

// TestRefsRewriteRoundTrip: a JSON and a Parquet set (two source files,
// a record size other than the default) rewritten there and back, the way
// back in place, are byte for byte the original; the report counts the
// references changed and warns about targets no OLD matches.
func TestRefsRewriteRoundTrip(t *testing.T) {
	files := sampleFiles(t)[:2]
	for i, f := range files {
		files[i], _ = filepath.Abs(f)
	}
	dir := t.TempDir()
	orig := filepath.Join(dir, "orig.json")
	mustRun(t, "combine", "-q", "-o", orig, files[0], files[1])
	sampleDir := filepath.Dir(files[0])
	there := "--target-prefix=" + sampleDir + "/=s3://bucket/archive/"
	back := "--target-prefix=s3://bucket/archive/=" + sampleDir + "/"

	moved := filepath.Join(dir, "moved.json")
	errOut := stderrOf(t, "refs", "rewrite", there, orig, moved)
	if !strings.Contains(errOut, "retargeted ") || !strings.Contains(errOut, "(2 targets, 0 unmatched)") || strings.Contains(errOut, "warning") {
		t.Errorf("report:\n%s", errOut)
	}
	b, _ := os.ReadFile(moved)
	if bytes.Contains(b, []byte(sampleDir)) || !bytes.Contains(b, []byte(`"s3://bucket/archive/`+filepath.Base(files[1])+`"`)) {
		t.Errorf("moved.json not moved:\n%.800s", b)
	}
	mustRun(t, "refs", "rewrite", back, moved, moved)
	if a, b := readFile(t, moved), readFile(t, orig); !bytes.Equal(a, b) {
		t.Error("JSON there and back differs from the original")
	}

	// Parquet, written with a record size of 3: kept through rewrites.
	parq := filepath.Join(dir, "orig.parq")
	mustRun(t, "refs", "rewrite", "--record-size", "3", orig, parq)
	movedParq := filepath.Join(dir, "moved.parq")
	mustRun(t, "refs", "rewrite", there, parq, movedParq)
	if sameTree(t, parq, movedParq) {
		t.Fatal("the Parquet rewrite changed nothing")
	}
	mustRun(t, "refs", "rewrite", back, movedParq, movedParq)
	if !sameTree(t, parq, movedParq) {
		t.Error("Parquet there and back differs from the original")
	}

	// A rule for one file: the other's target is warned about, and the
	// count says how many references changed.
	one := filepath.Join(dir, "one.json")
	errOut = stderrOf(t, "refs", "rewrite", "--target-prefix", files[0]+"=s3://bucket/a.nc", orig, one)
	if !strings.Contains(errOut, "warning: target "+files[1]+" matches no --target-prefix OLD") || !strings.Contains(errOut, "(2 targets, 1 unmatched)") {
		t.Errorf("report:\n%s", errOut)
	}
	// Templates: a templated rewrite reads back to the same set.
	templated := filepath.Join(dir, "templated.json")
	mustRun(t, "refs", "rewrite", "--templates", orig, templated)
	if b, _ := os.ReadFile(templated); !bytes.Contains(b, []byte(`"templates": {`)) || !bytes.Contains(b, []byte(`["{{u1}}", `)) {
		t.Errorf("templated.json:\n%.800s", b)
	}
	if jsonOf(t, templated) != jsonOf(t, orig) {
		t.Error("the templated JSON reads back to another set")
	}
}

// TestRetargetUsage: bad rules are usage errors naming the rule.
func TestRetargetUsage(t *testing.T) {
	in := sampleFiles(t)[0]
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--target-prefix", "/data/=s3://b/archive", in}, `must both end in "/"`},
		{[]string{"scan", "--target-prefix", "/data/", in}, "want OLD=NEW"},
		{[]string{"scan", "--target-prefix", "relative/=s3://b/", in}, "neither an absolute path nor a URL"},
		{[]string{"combine", "-o", filepath.Join(dir, "x.json"), "--target-prefix", "/a/=/b/", "--target-prefix", "/a/=/c/", in}, "given twice"},
		{[]string{"combine", "-o", filepath.Join(dir, "x.parq"), "--templates", in}, "Parquet, which has no templates"},
		{[]string{"refs", "rewrite", in}, "needs IN and OUT"},
		{[]string{"refs", "rewrite", in, filepath.Join(dir, "y.json")}, "nothing to change"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s", tc.args, code, exitUsage, tc.want, errOut)
		}
	}
}

// TestScanTemplates: without the flags the sidecar is what it
// was (no templates member); with --templates and --target-prefix to
// another local directory, the templated sidecar reads back to the same
// set as a plain scan of the file there, and today's fsspec reads every
// templated reference and xarray opens it with the source's values
// (testdata/templates.py, testdata/pycompat.py).
func TestScanTemplates(t *testing.T) {
	src := fixture(t, "fixtures/nc4_many_chunks.nc")
	plain := localScan(t, src, "--inline-threshold", "0")
	if bytes.Contains(plain, []byte("templates")) {
		t.Fatal("templates written without --templates")
	}
	// A copy elsewhere scanned and pointed back at the fixture.
	local := copyToDir(t, src, t.TempDir())
	templated := filepath.Join(t.TempDir(), "templated.json")
	mustRun(t, "scan", "-q", "--inline-threshold", "0", "--templates", "--target-prefix", local+"="+src, "-o", templated, local)
	if jsonOf(t, templated) != string(plain) {
		t.Fatal("the templated, retargeted sidecar reads back to another set than a plain scan")
	}
	if b, _ := os.ReadFile(templated); len(b) >= len(plain) {
		t.Errorf("templated JSON is %d bytes, plain %d", len(b), len(plain))
	}
	// A combined set: templates u0, u1 for its two sources.
	files := sampleFiles(t)[:2]
	for i, f := range files {
		files[i], _ = filepath.Abs(f)
	}
	combined := filepath.Join(t.TempDir(), "combined.json")
	mustRun(t, "combine", "-q", "--templates", "-o", combined, files[0], files[1])
	if b, _ := os.ReadFile(combined); !bytes.Contains(b, []byte("\"u1\": \""+files[1]+"\"")) && !bytes.Contains(b, []byte("\"u1\": \""+files[0]+"\"")) {
		t.Errorf("combined templates:\n%.600s", b)
	}

	t.Run("fsspec-sid", func(t *testing.T) {
		requireSid(t)
		for _, refsPath := range []string{templated, combined} {
			b, err := sidPython(filepath.Join("..", "..", "testdata", "templates.py"), refsPath).CombinedOutput()
			if err != nil {
				t.Errorf("templates.py %s: %v\n%s", refsPath, err, b)
			}
			t.Logf("templates.py %s:\n%s", filepath.Base(refsPath), b)
		}
		if b, err := sidPython(filepath.Join("..", "..", "testdata", "pycompat.py"), templated, src).CombinedOutput(); err != nil {
			t.Errorf("pycompat.py on the templated sidecar: %v\n%s", err, b)
		}
	})
}

// TestScanTargetPrefixOverHTTP: the rules and --templates travel with each
// job: scan --executor http (a serve process of the CGO_ENABLED=0 binary)
// writes the sidecars the local executor writes with the same flags.
func TestScanTargetPrefixOverHTTP(t *testing.T) {
	tokFile := writeToken(t, "5eed")
	_, endpoints := startServers(t, 1, nil, "--token-file", tokFile)
	files := sampleFiles(t)
	for i, f := range files {
		files[i], _ = filepath.Abs(f)
	}
	flags := []string{"--templates", "--target-prefix", filepath.Dir(files[0]) + "/=s3://bucket/archive/"}
	localDir, httpDir := t.TempDir(), t.TempDir()
	mustRun(t, append(append([]string{"scan", "-q", "-o", localDir}, flags...), files...)...)
	mustRun(t, append(append([]string{"scan", "-q", "--executor", "http", "--endpoint", endpoints, "--token-file", tokFile, "-o", httpDir}, flags...), files...)...)
	compareSidecars(t, localDir, httpDir, len(files))
	b := readFile(t, filepath.Join(httpDir, filepath.Base(files[0])+".json"))
	if want := "\"u\": \"s3://bucket/archive/" + filepath.Base(files[0]) + "\""; !bytes.Contains(b, []byte(want)) {
		t.Errorf("the sidecar made over HTTP lacks %s:\n%.600s", want, b)
	}
}
