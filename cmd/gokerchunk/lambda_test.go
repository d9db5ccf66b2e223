package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gokerchunk/fanout"
	"gokerchunk/internal/lambdatest"
)

// crashMarker makes the test function crash on inputs whose name holds it.
const crashMarker = "gokerchunk-crash-here"

// startLambda starts n RIEs running the bootstrap behind a Lambda-like
// front, and points the AWS SDK at it with dummy credentials.
func startLambda(t *testing.T, n int, opts lambdatest.FrontOptions) *lambdatest.Front {
	t.Helper()
	front := lambdatest.Start(t, lambdatest.Options{
		N:     n,
		Env:   []string{fanout.CrashOnEnv + "=" + crashMarker},
		Front: opts,
	})
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	return front
}

func lambdaArgs(front *lambdatest.Front, concurrency string) []string {
	return []string{"scan", "--executor", "lambda", "--function", front.Function, "--lambda-endpoint", front.URL, "--concurrency", concurrency}
}

// fanoutInputs are the fixtures a fan-out test scans: the netCDF-4
// fixtures and a daily series.
func fanoutInputs(t *testing.T) []string {
	t.Helper()
	m, _ := filepath.Glob(fixture(t, "fixtures") + "/*.nc")
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	if len(m) < 10 || len(daily) < 3 {
		t.Fatalf("fixtures: %d and %d files", len(m), len(daily))
	}
	return append(m, daily...)
}

// sidecarsIn reads every sidecar of a directory (the manifest apart).
func sidecarsIn(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.Name() == fanout.ManifestName {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// TestScanOnLambda: the fan-out over 3 RIEs writes every sidecar, byte
// for byte what the local executor writes, with one invocation per input
// and no throttling at a concurrency equal to the instances.
func TestScanOnLambda(t *testing.T) {
	front := startLambda(t, 3, lambdatest.FrontOptions{})
	inputs := fanoutInputs(t)
	localDir, lambdaDir := t.TempDir(), t.TempDir()

	start := time.Now()
	code, _, errOut := runCLI(t, append([]string{"scan", "--concurrency", "3", "-o", localDir}, inputs...)...)
	localTime := time.Since(start)
	if code != exitOK {
		t.Fatalf("local scan: exit %d\n%s", code, errOut)
	}
	start = time.Now()
	code, _, errOut = runCLI(t, append(append(lambdaArgs(front, "3"), "-o", lambdaDir), inputs...)...)
	lambdaTime := time.Since(start)
	if code != exitOK {
		t.Fatalf("lambda scan: exit %d\n%s", code, errOut)
	}
	t.Logf("%d files: local (3 workers) %v, lambda (3 RIEs) %v", len(inputs), localTime.Round(time.Millisecond), lambdaTime.Round(time.Millisecond))
	want := "scanned " + plural(len(inputs), "file") + ": "
	if !strings.Contains(errOut, want) || !strings.Contains(errOut, "on Lambda gokerchunk: "+plural(len(inputs), "invocation")+", 0 retries") {
		t.Errorf("summary lacks %q or the invocations:\n%s", want, errOut)
	}

	local, remote := sidecarsIn(t, localDir), sidecarsIn(t, lambdaDir)
	if len(local) != len(inputs) || len(remote) != len(inputs) {
		t.Fatalf("%d local and %d lambda sidecars for %d inputs", len(local), len(remote), len(inputs))
	}
	for name, b := range local {
		if !bytes.Equal(remote[name], b) {
			t.Errorf("%s: the lambda sidecar differs from the local one", name)
		}
	}

	m, err := fanout.ReadManifest(filepath.Join(lambdaDir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Executor != "lambda" || m.Function != "gokerchunk" || m.Succeeded != len(inputs) || m.Failed != 0 || m.Attempts != len(inputs) || m.Throttles != 0 {
		t.Errorf("manifest: %+v", m)
	}
	lm, err := fanout.ReadManifest(filepath.Join(localDir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if lm.Totals.Chunks != m.Totals.Chunks || lm.Totals.Reads != m.Totals.Reads || m.Totals.Chunks == 0 {
		t.Errorf("totals: local %+v, lambda %+v", lm.Totals, m.Totals)
	}
	// In input order, as scan sorts them.
	slices.Sort(inputs)
	for i, o := range m.Outputs {
		if o.Input != inputs[i] || o.Output != filepath.Join(lambdaDir, filepath.Base(inputs[i])+".json") || o.Attempts != 1 {
			t.Errorf("manifest output %d: %+v", i, o)
		}
	}
	if got := front.Invocations.Load(); got != int64(len(inputs)) || front.Throttles.Load() != 0 || front.MaxInFlight() > 3 {
		t.Errorf("front: %d invocations, %d throttles, %d at once", got, front.Throttles.Load(), front.MaxInFlight())
	}
}

// TestScanOnLambdaThrottledThenCombined: more concurrency than instances
// gets throttled, and a 503 from the service is met; both are retried
// without a failure; --combine then combines the sidecars, and check
// passes the combined set against the sources.
func TestScanOnLambdaThrottledThenCombined(t *testing.T) {
	// Two instances for four inputs (one call refused with a 503), and a
	// latency that holds each instance long enough for the callers to
	// collide.
	front := startLambda(t, 2, lambdatest.FrontOptions{
		Latency: 20 * time.Millisecond,
		Inject: func(n int64) int {
			if n == 2 {
				return http.StatusServiceUnavailable
			}
			return 0
		},
	})
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	dir := t.TempDir()
	combined := filepath.Join(t.TempDir(), "combined.json")
	args := append(lambdaArgs(front, "8"), "--inline-threshold", "0", "-o", dir, "--combine", combined)
	code, _, errOut := runCLI(t, append(args, daily...)...)
	if code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	if front.Throttles.Load() == 0 {
		t.Errorf("%d callers on 2 instances were never throttled", len(daily))
	}
	m, err := fanout.ReadManifest(filepath.Join(dir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	// The 503 counts as an attempt: the service may have run the function.
	if m.Succeeded != len(daily) || m.Failed != 0 || int64(m.Throttles) != front.Throttles.Load() || m.Attempts != len(daily)+1 || front.Injected.Load() != 1 {
		t.Errorf("manifest %+v; the front throttled %d calls, injected %d faults", m, front.Throttles.Load(), front.Injected.Load())
	}
	if !strings.Contains(errOut, "retry: ") || !strings.Contains(errOut, "StatusCode: 503") {
		t.Errorf("the 503 retry was not reported:\n%s", errOut)
	}
	if !strings.Contains(errOut, "combined "+plural(len(daily), "input")) {
		t.Errorf("no combine summary:\n%s", errOut)
	}
	checkArgs := []string{"check", combined}
	for _, src := range daily {
		checkArgs = append(checkArgs, "--source", src)
	}
	if code, stdout, errOut := runCLI(t, checkArgs...); code != exitOK {
		t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
	}
}

// TestScanOnLambdaCrash: the function crashes on one input; it is tried
// three times, then reported with its reason in the manifest and the exit
// status, while the other inputs succeed and no partial output is left.
func TestScanOnLambdaCrash(t *testing.T) {
	front := startLambda(t, 3, lambdatest.FrontOptions{})
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	src, err := os.ReadFile(daily[0])
	if err != nil {
		t.Fatal(err)
	}
	crashing := filepath.Join(t.TempDir(), "tas_"+crashMarker+".nc")
	if err := os.WriteFile(crashing, src, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	combined := filepath.Join(t.TempDir(), "combined.json")
	args := append(append(lambdaArgs(front, "3"), "-o", dir, "--combine", combined), daily...)
	code, _, errOut := runCLI(t, append(args, crashing)...)
	if code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, errOut)
	}
	for _, want := range []string{
		"error: " + crashing + ": internal error",
		"retry: " + crashing + ": attempt 1 failed",
		"retry: " + crashing + ": attempt 2 failed",
		"1 error",
		"not combining",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	m, err := fanout.ReadManifest(filepath.Join(dir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Succeeded != len(daily) || m.Failed != 1 {
		t.Fatalf("manifest: %d succeeded, %d failed", m.Succeeded, m.Failed)
	}
	f := m.Failures[0]
	if f.Input != crashing || f.Attempts != fanout.DefaultRetryPolicy.MaxAttempts || f.Permanent ||
		!strings.Contains(f.Reason, crashing+": internal error") || !strings.Contains(f.Reason, fanout.CrashOnEnv) {
		t.Errorf("failure %+v", f)
	}
	var names []string
	for name := range sidecarsIn(t, dir) {
		names = append(names, name)
	}
	slices.Sort(names)
	var want []string
	for _, d := range daily {
		want = append(want, filepath.Base(d)+".json")
	}
	if !slices.Equal(names, want) {
		t.Errorf("output directory holds %v, want %v (the crashed input's sidecar, or a temporary file, is there)", names, want)
	}
	if _, err := os.Stat(combined); !os.IsNotExist(err) {
		t.Errorf("combined despite the failure: %v", err)
	}
	if got := front.Invocations.Load(); got != int64(len(daily)+3) {
		t.Errorf("%d invocations, want one per good input and 3 for the crashing one", got)
	}
}

func TestScanLambdaUsage(t *testing.T) {
	in := sampleFiles(t)
	for name, args := range map[string][]string{
		"lambda to stdout":      {"scan", "--executor", "lambda", in[0]},
		"unknown executor":      {"scan", "--executor", "ec2", "-o", t.TempDir(), in[0], in[1]},
		"function without":      {"scan", "--function", "f", "-o", t.TempDir(), in[0], in[1]},
		"negative concurrency":  {"scan", "--concurrency", "-1", "-o", t.TempDir(), in[0], in[1]},
		"http output":           {"scan", "-o", "https://example.com/prefix/", in[0], in[1]},
		"combine of stdout":     {"scan", "--combine", filepath.Join(t.TempDir(), "c.json"), in[0]},
		"endpoint without flag": {"scan", "--lambda-endpoint", "http://127.0.0.1:1", "-o", t.TempDir(), in[0], in[1]},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage {
			t.Errorf("%s: exit %d, want %d (%s)", name, code, exitUsage, errOut)
		}
	}
}
