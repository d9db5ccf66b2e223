package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/internal/lambdatest"
)

// TestScanOnLambdaFromS3 is the serverless path end to end, on real
// components: the daily fixtures in versitygw; `scan --executor lambda`
// over 3 RIEs, each invocation reading its input from S3 and writing its
// sidecar to S3 itself; `--combine` into S3; then `check` through the
// s3:// references of a sidecar and of the combined set, against the
// local files.
func TestScanOnLambdaFromS3(t *testing.T) {
	srv := s3Setup(t) // this process's AWS environment, which the RIEs inherit
	useClient(t, blob.Config{S3PathStyle: true})
	dir := fixture(t, filepath.Join("fixtures", "combine", "daily"))
	sources, _ := filepath.Glob(filepath.Join(dir, "*.nc"))
	if len(sources) < 3 {
		t.Fatalf("daily fixtures: %v", sources)
	}
	for _, f := range sources {
		srv.CopyFile(t, f, "data", "daily/"+filepath.Base(f))
	}
	front := lambdatest.Start(t, lambdatest.Options{N: 3, Env: []string{"GOKERCHUNK_S3_PATH_STYLE=1"}})

	args := append(lambdaArgs(front, "3"), "--inline-threshold", "0",
		"-o", "s3://data/sidecars/", "--combine", "s3://data/combined.json", "s3://data/daily/")
	code, _, errOut := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("scan on Lambda: exit %d\n%s", code, errOut)
	}
	want := []string{"sidecars/" + fanout.ManifestName}
	for _, f := range sources {
		want = append(want, "sidecars/"+filepath.Base(f)+".json")
	}
	slices.Sort(want)
	if got := srv.Keys(t, "data", "sidecars/"); !slices.Equal(got, want) {
		t.Errorf("objects written %v, want %v", got, want)
	}
	if n := front.Invocations.Load(); n != int64(len(sources)) {
		t.Errorf("%d invocations for %d inputs", n, len(sources))
	}

	one := "s3://data/sidecars/" + filepath.Base(sources[0]) + ".json"
	code, stdout, errOut := runCLI(t, "check", one, "--source", sources[0])
	if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
		t.Errorf("check %s: exit %d\n%s%s", one, code, stdout, errOut)
	}
	code, stdout, errOut = runCLI(t, "check", "s3://data/combined.json", "--source", filepath.Join(dir, "*.nc"))
	if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
		t.Errorf("check of the combined set: exit %d\n%s%s", code, stdout, errOut)
	}
}
