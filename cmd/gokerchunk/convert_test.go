package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

func writeCSV(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// filesBelow lists the files below dir, relative, sorted.
func filesBelow(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

const ghcnLines = "USC00045123,20200101,TMAX,156,,,7,0700\n" +
	"USC00045123,20200101,PRCP,0,T,,7,0700\n" +
	"USW00094728,20200101,TMAX,72,,,W,\n" +
	"USW00094728,20200101,AWND,31,,,W,\n"

// TestConvertCSV2Parquet converts a GHCN-shaped file with the flags after
// the input, as people write them, and checks the files and the summary.
func TestConvertCSV2Parquet(t *testing.T) {
	dir := t.TempDir()
	in := writeCSV(t, dir, "2020.csv", ghcnLines)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, "convert", "csv2parquet", in, "-o", out, "--partition-by", "ELEMENT",
		"--columns", "ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME", "--schema", "DATE:date,DATA_VALUE:int32,OBS_TIME:string")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout: %q", stdout)
	}
	want := []string{"ELEMENT=AWND/2020.parquet", "ELEMENT=PRCP/2020.parquet", "ELEMENT=TMAX/2020.parquet"}
	if got := filesBelow(t, out); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	summary := regexp.MustCompile(`converted 1 file: 4 rows, 3 partitions \(3 files\), 0 bad rows, 0 MB of CSV in [0-9.]+s \([0-9]+ MB/s\)(, peak memory [0-9]+ MB)? -> ` + regexp.QuoteMeta(out))
	if !summary.MatchString(stderr) {
		t.Errorf("summary: %q", stderr)
	}
	if !strings.Contains(stderr, "inferred: ID:string,ELEMENT:string,M_FLAG:string,Q_FLAG:string,S_FLAG:string") {
		t.Errorf("no note of the inferred types: %q", stderr)
	}
}

// TestConvertBadRows: a bad row fails the input by default, naming file
// and line, and leaves nothing; --max-bad-rows lets it through.
func TestConvertBadRows(t *testing.T) {
	dir := t.TempDir()
	in := writeCSV(t, dir, "b.csv", "k,n\na,1\nb,zz\nc\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, "convert", "csv2parquet", "--header", "--partition-by", "k", "--schema", "n:int64", "-o", out, in)
	if code != exitFailures {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"bad row: " + in + `:3: column n: "zz" is not an int64`, "error: " + in + ": 1 bad row, more than --max-bad-rows 0 allows; nothing written"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if files := filesBelow(t, out); len(files) != 0 {
		t.Errorf("a failed conversion left %v", files)
	}

	code, _, stderr = runCLI(t, "convert", "csv2parquet", "--header", "--partition-by", "k", "--schema", "n:int64", "--max-bad-rows", "2", "-o", out, in)
	if code != exitOK || !strings.Contains(stderr, "1 row, 1 partition (1 file), 2 bad rows") || !strings.Contains(stderr, in+":4: 1 fields, want 2") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	if got := filesBelow(t, out); !slices.Equal(got, []string{"k=a/b.parquet"}) {
		t.Errorf("files %v", got)
	}
}

// TestConvertSeveralInputs converts inputs into one dataset, one file per
// input per partition.
func TestConvertSeveralInputs(t *testing.T) {
	dir := t.TempDir()
	writeCSV(t, dir, "1.csv", "k,v\na,1\nb,2\n")
	writeCSV(t, dir, "2.csv", "k,v\na,3\n")
	out := filepath.Join(dir, "out")
	code, _, stderr := runCLI(t, "convert", "csv2parquet", "--header", "--partition-by", "k", "--workers", "2", "-o", out, filepath.Join(dir, "*.csv"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got, want := filesBelow(t, out), []string{"k=a/1.parquet", "k=a/2.parquet", "k=b/1.parquet"}; !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if !strings.Contains(stderr, "converted 2 files: 3 rows, 2 partitions (3 files)") {
		t.Errorf("summary: %s", stderr)
	}
}

func TestConvertUsageErrors(t *testing.T) {
	dir := t.TempDir()
	in := writeCSV(t, dir, "x.csv", "k,v\na,1\n")
	writeCSV(t, filepath.Join(dir), "x.csv.gz", "")
	out := filepath.Join(dir, "out")
	for name, args := range map[string][]string{
		"no input":          {"--header", "--partition-by", "k", "-o", out},
		"no output":         {"--header", "--partition-by", "k", in},
		"no partition":      {"--header", "-o", out, in},
		"no names":          {"--partition-by", "k", "-o", out, in},
		"bad schema":        {"--header", "--partition-by", "k", "--schema", "v:text", "-o", out, in},
		"bad compression":   {"--header", "--partition-by", "k", "--compression", "brotli", "-o", out, in},
		"http output":       {"--header", "--partition-by", "k", "-o", "https://host/prefix", in},
		"unknown scheme":    {"--header", "--partition-by", "k", "-o", out, "gs://bucket/x.csv"},
		"missing input":     {"--header", "--partition-by", "k", "-o", out, filepath.Join(dir, "none.csv")},
		"directory input":   {"--header", "--partition-by", "k", "-o", out, dir},
		"same output names": {"--header", "--partition-by", "k", "-o", out, in, filepath.Join(dir, "x.csv.gz")},
		"bad row groups":    {"--header", "--partition-by", "k", "--row-group-rows", "0", "-o", out, in},
	} {
		code, _, stderr := runCLI(t, append([]string{"convert", "csv2parquet"}, args...)...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d: %s", name, code, exitUsage, stderr)
		}
	}
	if files := filesBelow(t, out); len(files) != 0 {
		t.Errorf("usage errors wrote %v", files)
	}
}

// TestConvertS3 converts CSVs in S3 (an object, and a prefix of two) into
// an S3 prefix and the same files into a local directory: the objects
// equal the local files byte for byte. Local input to S3 and S3 input to
// a local directory give the same files too. An input with a bad row
// leaves no object.
func TestConvertS3(t *testing.T) {
	srv := s3Setup(t)
	dir := t.TempDir()
	inputs := []string{
		writeCSV(t, dir, "1889.csv", ghcnLines),
		writeCSV(t, dir, "1890.csv", strings.ReplaceAll(ghcnLines, "2020", "1890")),
		writeCSV(t, dir, "1891.csv", strings.ReplaceAll(ghcnLines, "TMAX", "TMIN")),
	}
	for _, in := range inputs {
		srv.CopyFile(t, in, "data", "csv/"+filepath.Base(in))
	}
	flags := []string{"-q", "--s3-path-style", "--partition-by", "ELEMENT",
		"--columns", "ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME", "--schema", "DATE:date,DATA_VALUE:int32,OBS_TIME:string"}
	run := func(args ...string) {
		t.Helper()
		if code, _, stderr := runCLI(t, append(append([]string{"convert", "csv2parquet"}, flags...), args...)...); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	local := filepath.Join(dir, "local")
	run(append(inputs, "-o", local)...)
	want := filesBelow(t, local)
	if len(want) != 9 {
		t.Fatalf("local files %v", want)
	}

	run("s3://data/csv/1889.csv", "s3://data/csv/189*.csv", "-o", "s3://data/parquet/")
	run(inputs[0], "-o", "s3://data/fromlocal")
	fromS3 := filepath.Join(dir, "froms3")
	run("s3://data/csv/", "-o", fromS3)
	if got := filesBelow(t, fromS3); !slices.Equal(got, want) {
		t.Errorf("S3 to local: %v, want %v", got, want)
	}
	var keys []string
	for _, k := range srv.Keys(t, "data", "parquet/") {
		keys = append(keys, strings.TrimPrefix(k, "parquet/"))
	}
	if !slices.Equal(keys, want) {
		t.Errorf("objects %v, want %v", keys, want)
	}
	for _, f := range want {
		w, _ := os.ReadFile(filepath.Join(local, f))
		if got := srv.Get(t, "data", "parquet/"+f); string(got) != string(w) {
			t.Errorf("%s: the object (%d bytes) differs from the local file (%d bytes)", f, len(got), len(w))
		}
		if got, _ := os.ReadFile(filepath.Join(fromS3, f)); string(got) != string(w) {
			t.Errorf("%s: converted from S3 differs", f)
		}
		if strings.HasSuffix(f, "/1889.parquet") {
			if got := srv.Get(t, "data", "fromlocal/"+f); string(got) != string(w) {
				t.Errorf("%s: local to S3 differs", f)
			}
		}
	}

	bad := writeCSV(t, dir, "bad.csv", ghcnLines+"X,notadate,TMAX,1,,,,\n")
	srv.CopyFile(t, bad, "data", "bad/bad.csv")
	code, _, stderr := runCLI(t, append(append([]string{"convert", "csv2parquet"}, flags...), "s3://data/bad/bad.csv", "-o", "s3://data/badout/")...)
	if code != exitFailures || !strings.Contains(stderr, "nothing written") {
		t.Errorf("bad input: exit %d: %s", code, stderr)
	}
	if keys := srv.Keys(t, "data", "badout/"); len(keys) != 0 {
		t.Errorf("a failed conversion left %v", keys)
	}
}
