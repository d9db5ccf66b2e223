package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/internal/lambdatest"
)

// invokeRaw sends event as it is through the front's Invoke API, as Lambda
// hands the function a function URL's request or an S3 notification, and
// returns the function's payload and whether it was a function error.
func invokeRaw(t *testing.T, front *lambdatest.Front, event any) ([]byte, bool) {
	t.Helper()
	b, err := json.Marshal(event)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(front.URL+"/2015-03-31/functions/"+front.Function+"/invocations", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("invoke: %d %s", resp.StatusCode, payload)
	}
	return payload, resp.Header.Get("X-Amz-Function-Error") != ""
}

// urlRequest is the function URL event Lambda makes of an HTTP request
// with body.
func urlRequest(method string, body []byte, b64 bool) map[string]any {
	r := httptest.NewRequest(method, "https://abc.lambda-url.us-east-1.on.aws/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return lambdatest.URLEvent(r, body, b64)
}

// s3Notification is an S3 ObjectCreated notification for keys of bucket,
// each key URL-encoded as S3 sends it ('+' for a space).
func s3Notification(bucket string, keys ...string) map[string]any {
	var records []any
	for _, k := range keys {
		records = append(records, map[string]any{
			"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
			"eventTime": "2026-01-01T00:00:00.000Z", "eventName": "ObjectCreated:Put",
			"userIdentity": map[string]string{"principalId": "AWS:TEST"},
			"s3": map[string]any{
				"s3SchemaVersion": "1.0", "configurationId": "gokerchunk",
				"bucket": map[string]any{"name": bucket, "arn": "arn:aws:s3:::" + bucket},
				"object": map[string]any{"key": url.QueryEscape(k), "size": 1, "eTag": "0", "sequencer": "0"},
			},
		})
	}
	return map[string]any{"Records": records}
}

// TestLambdaFunctionURLEvent: function URL requests (the version 2.0
// event, as Lambda's URL service hands it to the function) to the real
// function in the RIE: a plain and a base64 body each write a sidecar to
// versitygw, byte for byte what a local scan of the same object writes; a
// bad body answers 400 naming the problem; GET answers the usage.
func TestLambdaFunctionURLEvent(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{S3PathStyle: true})
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	for _, f := range daily[:2] {
		srv.CopyFile(t, f, "data", "daily/"+filepath.Base(f))
	}
	front := lambdatest.Start(t, lambdatest.Options{N: 1, Env: []string{"GOKERCHUNK_S3_PATH_STYLE=1"}})

	for i, b64 := range []bool{false, true} {
		name := filepath.Base(daily[i])
		in, out := "s3://data/daily/"+name, "s3://data/refs/"+name+".json"
		body, _ := json.Marshal(map[string]any{"input": in, "output": out})
		ev := urlRequest("POST", body, b64)
		if b64 && ev["body"] != base64.StdEncoding.EncodeToString(body) {
			t.Fatalf("the event's body is not base64: %v", ev["body"])
		}
		payload, ferr := invokeRaw(t, front, ev)
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal(payload, &resp); err != nil || ferr || resp.StatusCode != 200 {
			t.Fatalf("base64 %v: %s (%v)", b64, payload, err)
		}
		var r fanout.Response
		if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || r.Input != in || r.Output != out || r.Stats.Chunks == 0 {
			t.Fatalf("base64 %v: body %s (%v)", b64, resp.Body, err)
		}
		if got, want := srv.Get(t, "data", "refs/"+name+".json"), localScan(t, in); !bytes.Equal(got, want) {
			t.Errorf("%s: the function's sidecar (%d bytes) differs from a local scan's (%d bytes)", name, len(got), len(want))
		}
	}

	for _, tc := range []struct {
		name, method, body string
		status             int
		want               string
	}{
		{"misspelt option", "POST", `{"input": "s3://data/daily/x.nc", "output": "s3://data/refs/x.json", "inline_treshold": 9}`, 400, `unknown field \"inline_treshold\"`},
		{"not JSON", "POST", `input=s3://data/daily/x.nc`, 400, `bad event`},
		{"missing object", "POST", `{"input": "s3://data/daily/none.nc", "output": "s3://data/refs/none.json"}`, 400, `s3://data/daily/none.nc`},
		{"usage", "GET", ``, 200, `"jobs":["csv2parquet","scan"]`},
		{"other method", "DELETE", ``, 405, `takes POST`},
	} {
		payload, ferr := invokeRaw(t, front, urlRequest(tc.method, []byte(tc.body), false))
		var resp events.LambdaFunctionURLResponse
		if err := json.Unmarshal(payload, &resp); err != nil || ferr || resp.StatusCode != tc.status || !strings.Contains(resp.Body, tc.want) {
			t.Errorf("%s: %s (%v); want %d with %q", tc.name, payload, err, tc.status, tc.want)
		}
	}
	if keys := srv.Keys(t, "data", "refs/"); len(keys) != 2 {
		t.Errorf("objects written: %v", keys)
	}
}

// TestLambdaS3Notification: an S3 notification of four new objects to the
// real function in the RIE: the two NetCDF files (one key with a space,
// sent as '+') are scanned into GOKERCHUNK_OUTPUT_PREFIX under the names
// scan -o gives them, byte for byte a local scan's, and one passes check;
// a .txt object is reported skipped, a missing one failed, and the
// invocation succeeds (an input error is not worth Lambda's retry).
func TestLambdaS3Notification(t *testing.T) {
	srv := s3Setup(t)
	useClient(t, blob.Config{S3PathStyle: true})
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	keys := []string{"in/tas day one.nc", "in/" + filepath.Base(daily[1]), "in/readme.txt", "in/gone.nc"}
	srv.CopyFile(t, daily[0], "data", keys[0])
	srv.CopyFile(t, daily[1], "data", keys[1])
	srv.CopyFile(t, daily[1], "data", keys[2])
	front := lambdatest.Start(t, lambdatest.Options{N: 1, Env: []string{"GOKERCHUNK_S3_PATH_STYLE=1", fanout.OutputPrefixEnv + "=s3://data/refs/"}})

	payload, ferr := invokeRaw(t, front, s3Notification("data", keys...))
	var report fanout.NotificationReport
	if err := json.Unmarshal(payload, &report); err != nil || ferr {
		t.Fatalf("answer %s (%v)", payload, err)
	}
	if report.Succeeded != 2 || report.Skipped != 1 || report.Failed != 1 || len(report.Records) != 4 {
		t.Fatalf("report %s", payload)
	}
	want := []struct{ outcome, output, reason string }{
		{fanout.RecordDone, "s3://data/refs/tas day one.nc.json", ""},
		{fanout.RecordDone, "s3://data/refs/" + filepath.Base(daily[1]) + ".json", ""},
		{fanout.RecordSkipped, "", "not a scan input"},
		{fanout.RecordFailed, "s3://data/refs/gone.nc.json", "s3://data/in/gone.nc"},
	}
	for i, w := range want {
		r := report.Records[i]
		if r.Input != "s3://data/"+keys[i] || r.Outcome != w.outcome || r.Output != w.output || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("record %d: %+v; want %s to %q with %q", i, r, w.outcome, w.output, w.reason)
		}
	}
	if r := report.Records[3]; r.ErrorType != "InputError" {
		t.Errorf("the missing object failed with %q", r.ErrorType)
	}
	if got := srv.Keys(t, "data", "refs/"); len(got) != 2 {
		t.Errorf("objects written %v", got)
	}
	for i := range 2 {
		in := "s3://data/" + keys[i]
		sidecar := report.Records[i].Output
		got := srv.Get(t, "data", strings.TrimPrefix(sidecar, "s3://data/"))
		if want := localScan(t, in); !bytes.Equal(got, want) {
			t.Errorf("%s: the function's sidecar (%d bytes) differs from a local scan's (%d bytes)", in, len(got), len(want))
		}
	}
	code, stdout, errOut := runCLI(t, "check", report.Records[0].Output, "--source", daily[0])
	if code != exitOK || !strings.Contains(stdout, " 0 mismatch, 0 missing, 0 extra, 0 error") {
		t.Errorf("check: exit %d\n%s%s", code, stdout, errOut)
	}
}

// sigV4Lambda is the shape of a SigV4 Authorization header for Lambda.
var sigV4Lambda = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=test/\d{8}/us-east-1/lambda/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)

func checkSigV4(r *http.Request) error {
	m := sigV4Lambda.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("Authorization %q is not SigV4 for lambda in us-east-1", r.Header.Get("Authorization"))
	}
	for _, h := range []string{"host", "x-amz-date"} {
		if !strings.Contains(";"+m[1]+";", ";"+h+";") {
			return fmt.Errorf("signed headers %s lack %s", m[1], h)
		}
	}
	if r.Header.Get("X-Amz-Date") == "" {
		return errors.New("no X-Amz-Date")
	}
	return nil
}

// TestScanOnLambdaFunctionURL: scan --executor lambda --function-url
// through a function URL that checks the SigV4 signature and relays to
// the RIEs writes the same sidecars as --executor lambda through Invoke,
// with one signed request per input; a URL that refuses the signature
// fails every input at once (403, not retried) with a message that says
// what to check.
func TestScanOnLambdaFunctionURL(t *testing.T) {
	front := startLambda(t, 2, lambdatest.FrontOptions{})
	fu := lambdatest.NewURLFront(front, lambdatest.URLOptions{Check: checkSigV4})
	defer fu.Close()
	daily, _ := filepath.Glob(fixture(t, "fixtures/combine/daily") + "/*.nc")
	viaURL, viaInvoke := t.TempDir(), t.TempDir()

	args := append([]string{"scan", "--executor", "lambda", "--function-url", fu.URL, "--concurrency", "2", "-o", viaURL}, daily...)
	if code, _, errOut := runCLI(t, args...); code != exitOK {
		t.Fatalf("scan through the function URL: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, append(append(lambdaArgs(front, "2"), "-o", viaInvoke), daily...)...); code != exitOK {
		t.Fatalf("scan through Invoke: exit %d\n%s", code, errOut)
	}
	a, b := sidecarsIn(t, viaURL), sidecarsIn(t, viaInvoke)
	if len(a) != len(daily) || len(b) != len(daily) {
		t.Fatalf("%d and %d sidecars for %d inputs", len(a), len(b), len(daily))
	}
	for name, want := range b {
		if !bytes.Equal(a[name], want) {
			t.Errorf("%s: the sidecar written through the function URL differs from Invoke's", name)
		}
	}
	m, err := fanout.ReadManifest(filepath.Join(viaURL, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Executor != "lambda" || m.Function != fu.URL || m.Succeeded != len(daily) || m.Attempts != len(daily) {
		t.Errorf("manifest %+v", m)
	}
	if fu.Requests.Load() != int64(len(daily)) || fu.Refused.Load() != 0 {
		t.Errorf("the URL got %d requests, refused %d", fu.Requests.Load(), fu.Refused.Load())
	}

	deny := lambdatest.NewURLFront(front, lambdatest.URLOptions{Check: func(*http.Request) error { return errors.New("signature mismatch") }})
	defer deny.Close()
	code, _, errOut := runCLI(t, "scan", "--executor", "lambda", "--function-url", deny.URL, "-o", t.TempDir(), daily[0], daily[1])
	if code != exitFailures || !strings.Contains(errOut, "403 AccessDeniedException") || !strings.Contains(errOut, "lambda:InvokeFunctionUrl") || strings.Contains(errOut, "retry:") {
		t.Errorf("refused signature: exit %d\n%s", code, errOut)
	}
	if deny.Requests.Load() != 2 {
		t.Errorf("%d requests for 2 refused inputs (a 403 is not retried)", deny.Requests.Load())
	}
}

func TestLambdaFunctionURLUsage(t *testing.T) {
	in := sampleFiles(t)
	for name, args := range map[string][]string{
		"without --executor lambda": {"scan", "--function-url", "http://127.0.0.1:1/", "-o", t.TempDir(), in[0], in[1]},
		"with --function":           {"scan", "--executor", "lambda", "--function-url", "http://127.0.0.1:1/", "--function", "f", "-o", t.TempDir(), in[0], in[1]},
		"with --lambda-endpoint":    {"scan", "--executor", "lambda", "--function-url", "http://127.0.0.1:1/", "--lambda-endpoint", "http://127.0.0.1:2", "-o", t.TempDir(), in[0], in[1]},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage {
			t.Errorf("%s: exit %d, want %d (%s)", name, code, exitUsage, errOut)
		}
	}
}
