package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/lambdatest"
)

// ghcnInputs writes n GHCN-shaped CSVs of about size bytes with the
// committed generator (testdata/bench/ghcn), named 1889.csv, 1890.csv, ...
func ghcnInputs(t *testing.T, n int, size string) []string {
	t.Helper()
	dir := t.TempDir()
	gen := filepath.Join(dir, "ghcn")
	if out, err := exec.Command("go", "build", "-o", gen, "../../testdata/bench/ghcn").CombinedOutput(); err != nil {
		t.Fatalf("building the generator: %v\n%s", err, out)
	}
	var files []string
	for i := range n {
		name := filepath.Join(dir, fmt.Sprintf("%d.csv", 1889+i))
		if out, err := exec.Command(gen, "-size", size, "-seed", fmt.Sprint(i+1), "-o", name).CombinedOutput(); err != nil {
			t.Fatalf("generator: %v\n%s", err, out)
		}
		files = append(files, name)
	}
	return files
}

var ghcnFlags = []string{"--partition-by", "ELEMENT",
	"--columns", "ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME", "--schema", "DATE:date,DATA_VALUE:int32,OBS_TIME:string"}

// TestConvertOnLambdaFromS3 is csv2parquet's serverless path end to end:
// three generated GHCN years in versitygw; `convert csv2parquet
// --executor lambda` over 3 RIEs, each invocation reading its CSV from S3
// and writing its partitions to S3 itself; the dataset equals a local
// conversion of the same files, object by object and byte for byte. A
// bad input fails alone (InputError, not retried), leaving no object.
func TestConvertOnLambdaFromS3(t *testing.T) {
	srv := s3Setup(t) // this process's AWS environment, which the RIEs inherit
	useClient(t, blob.Config{S3PathStyle: true})
	inputs := ghcnInputs(t, 3, "200KB")
	for _, f := range inputs {
		srv.CopyFile(t, f, "data", "csv/"+filepath.Base(f))
	}
	bad := writeCSV(t, t.TempDir(), "1999.csv", ghcnLines+"X,notadate,TMAX,1,,,,\n")
	srv.CopyFile(t, bad, "data", "badcsv/1999.csv")

	local := filepath.Join(t.TempDir(), "local")
	if code, _, stderr := runCLI(t, append(append([]string{"convert", "csv2parquet", "-q", "-o", local}, ghcnFlags...), inputs...)...); code != exitOK {
		t.Fatalf("local conversion: exit %d: %s", code, stderr)
	}
	want := filesBelow(t, local)
	if len(want) < 9 {
		t.Fatalf("local files: %v", want)
	}

	front := lambdatest.Start(t, lambdatest.Options{N: 3, Env: []string{"GOKERCHUNK_S3_PATH_STYLE=1"}})
	args := append([]string{"convert", "csv2parquet", "--executor", "lambda", "--function", front.Function,
		"--lambda-endpoint", front.URL, "--concurrency", "3", "-o", "s3://data/parquet/"}, ghcnFlags...)
	code, _, stderr := runCLI(t, append(args, "s3://data/csv/")...)
	if code != exitOK {
		t.Fatalf("convert on Lambda: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "converted 3 files: ") || !strings.Contains(stderr, "3 invocations, 0 retries") {
		t.Errorf("summary: %s", stderr)
	}
	var keys []string
	for _, k := range srv.Keys(t, "data", "parquet/") {
		keys = append(keys, strings.TrimPrefix(k, "parquet/"))
	}
	if !slices.Equal(keys, want) {
		t.Fatalf("objects %v, want %v", keys, want)
	}
	for _, f := range want {
		w, _ := os.ReadFile(filepath.Join(local, f))
		if got := srv.Get(t, "data", "parquet/"+f); string(got) != string(w) {
			t.Errorf("%s: the object (%d bytes) differs from the local file (%d bytes)", f, len(got), len(w))
		}
	}
	if n := front.Invocations.Load(); n != 3 {
		t.Errorf("%d invocations for 3 inputs", n)
	}

	code, _, stderr = runCLI(t, append(args[:len(args)-len(ghcnFlags)-2], append([]string{"-o", "s3://data/badout/"}, append(ghcnFlags, "s3://data/badcsv/1999.csv")...)...)...)
	if code != exitFailures || !strings.Contains(stderr, "s3://data/badcsv/1999.csv") || !strings.Contains(stderr, "InputError") {
		t.Errorf("bad input: exit %d\n%s", code, stderr)
	}
	if n := front.Invocations.Load(); n != 4 {
		t.Errorf("the bad input took %d invocations, want 1 (an InputError is not retried)", n-3)
	}
	if keys := srv.Keys(t, "data", "badout/"); len(keys) != 0 {
		t.Errorf("a failed conversion left %v", keys)
	}
}

func TestConvertLambdaUsage(t *testing.T) {
	dir := t.TempDir()
	in := writeCSV(t, dir, "x.csv", "k,v\na,1\n")
	base := []string{"convert", "csv2parquet", "--header", "--partition-by", "k"}
	for name, args := range map[string][]string{
		"bad executor":         {"--executor", "spark", "-o", "s3://b/p/", "s3://b/x.csv"},
		"function locally":     {"--function", "f", "-o", dir, in},
		"local output":         {"--executor", "lambda", "-o", dir, "s3://b/x.csv"},
		"local input":          {"--executor", "lambda", "-o", "s3://b/p/", in},
		"option not sent":      {"--executor", "lambda", "--row-group-rows", "10", "-o", "s3://b/p/", "s3://b/x.csv"},
		"negative concurrency": {"--executor", "lambda", "--concurrency", "-1", "-o", "s3://b/p/", "s3://b/x.csv"},
	} {
		code, _, stderr := runCLI(t, append(base, args...)...)
		if code != exitUsage {
			t.Errorf("%s: exit %d, want %d: %s", name, code, exitUsage, stderr)
		}
	}
}
