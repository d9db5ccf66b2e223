package fanout_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"gokerchunk/fanout"
)

// urlEvent is a function URL's request event (payload format 2.0) as
// Lambda sends it.
func urlEvent(method, body string, b64 bool) []byte {
	ev := map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        "/",
		"rawQueryString": "",
		"headers":        map[string]string{"content-type": "application/json", "host": "abc.lambda-url.us-east-1.on.aws"},
		"requestContext": map[string]any{
			"accountId": "anonymous", "apiId": "abc", "domainName": "abc.lambda-url.us-east-1.on.aws",
			"http":      map[string]string{"method": method, "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test"},
			"requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "01/Jan/2026:00:00:00 +0000", "timeEpoch": 1767225600000,
		},
		"body":            body,
		"isBase64Encoded": b64,
	}
	b, _ := json.Marshal(ev)
	return b
}

func TestHandleEventShapes(t *testing.T) {
	in := fixture(t, "fixtures/nc4_groups.nc")
	dir := t.TempDir()
	direct, _ := json.Marshal(map[string]any{"input": in, "output": filepath.Join(dir, "direct.json")})
	for _, tc := range []struct {
		name    string
		event   []byte
		want    string // the answer's Go type
		wantErr string
	}{
		{"direct request", direct, "*fanout.Response", ""},
		{"function URL", urlEvent("POST", string(direct), false), "*events.LambdaFunctionURLResponse", ""},
		{"S3 notification", []byte(`{"Records": []}`), "*fanout.NotificationReport", ""},
		// A direct request's shape is as strict as ever: the fields of the
		// other shapes in other letter cases are unknown fields.
		{"records in lower case", []byte(`{"records": [], "input": "/x.nc", "output": "/o"}`), "", `unknown field "records"`},
		{"request context in other case", []byte(`{"RequestContext": {"http": {}}, "version": "2.0", "input": "/x.nc", "output": "/o"}`), "", `unknown field "RequestContext"`},
		{"REST API event", []byte(`{"version": "1.0", "requestContext": {"httpMethod": "POST"}, "body": "{}"}`), "", `function URLs (version 2.0)`},
		{"records and a request", []byte(`{"Records": [], "input": "/x.nc", "output": "/o"}`), "", `holds only Records`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, _ := testHandler("")
			got, err := h.HandleEvent(context.Background(), "req", tc.event)
			if tc.wantErr != "" {
				var ie *fanout.InputError
				if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.wantErr) || got != nil {
					t.Fatalf("got %v, %v; want an InputError with %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if typ := typeName(got); typ != tc.want {
				t.Fatalf("answer %s %+v, want a %s", typ, got, tc.want)
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *fanout.Response:
		return "*fanout.Response"
	case *events.LambdaFunctionURLResponse:
		return "*events.LambdaFunctionURLResponse"
	case *fanout.NotificationReport:
		return "*fanout.NotificationReport"
	}
	return "other"
}

func TestHandleFunctionURL(t *testing.T) {
	in := fixture(t, "fixtures/nc4_groups.nc")
	dir := t.TempDir()
	request := func(out string) string {
		b, _ := json.Marshal(map[string]any{"input": in, "output": filepath.Join(dir, out), "inline_threshold": 0})
		return string(b)
	}
	for _, tc := range []struct {
		name       string
		event      []byte
		wantStatus int
		wantBody   string // substring
		wantOutput string // the sidecar written, "" for none
	}{
		{"plain body", urlEvent("POST", request("plain.json"), false), 200, `"statusCode":200`, "plain.json"},
		{"base64 body", urlEvent("POST", base64.StdEncoding.EncodeToString([]byte(request("b64.json"))), true), 200, `"chunks":`, "b64.json"},
		{"bad base64", urlEvent("POST", "%%%", true), 400, `isBase64Encoded but not base64`, ""},
		{"not JSON", urlEvent("POST", "input=x", false), 400, `bad event`, ""},
		{"empty body", urlEvent("POST", "", false), 400, `bad event`, ""},
		{"misspelt option", urlEvent("POST", `{"input": "/x.nc", "output": "/o", "inline_treshold": 1}`, false), 400, `unknown field \"inline_treshold\"`, ""},
		{"unknown job", urlEvent("POST", `{"job": "combine", "input": "/x.nc", "output": "/o"}`, false), 400, `unknown job \"combine\"`, ""},
		{"missing input", urlEvent("POST", `{"input": "`+filepath.Join(dir, "none.nc")+`", "output": "`+filepath.Join(dir, "none.json")+`"}`, false), 400, `no such file`, ""},
		{"output not writable", urlEvent("POST", `{"input": "`+in+`", "output": "`+filepath.Join(dir, "no", "such", "dir.json")+`"}`, false), 400, `"errorType":"InputError"`, ""},
		{"GET", urlEvent("GET", "", false), 200, `"jobs":["csv2parquet","scan"]`, ""},
		{"PUT", urlEvent("PUT", request("put.json"), false), 405, `takes POST`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := testHandler("")
			resp := h.HandleFunctionURL(context.Background(), "req-u", tc.event)
			if resp.StatusCode != tc.wantStatus || !strings.Contains(resp.Body, tc.wantBody) || resp.Headers["Content-Type"] != "application/json" {
				t.Fatalf("answer %d %q %v; want %d with %q", resp.StatusCode, resp.Body, resp.Headers, tc.wantStatus, tc.wantBody)
			}
			if tc.wantStatus == 405 && resp.Headers["Allow"] == "" {
				t.Errorf("405 without Allow")
			}
			if tc.wantStatus >= 400 {
				var e struct{ ErrorType, ErrorMessage string }
				if err := json.Unmarshal([]byte(resp.Body), &e); err != nil || e.ErrorType != "InputError" || e.ErrorMessage == "" {
					t.Errorf("error body %s (%v)", resp.Body, err)
				}
				if lines := logLines(t, logs.Bytes()); len(lines) == 0 || lines[len(lines)-1]["level"] != "ERROR" {
					t.Errorf("no error logged: %v", lines)
				}
			}
			if tc.wantOutput != "" {
				var r fanout.Response
				if err := json.Unmarshal([]byte(resp.Body), &r); err != nil || r.Output != filepath.Join(dir, tc.wantOutput) || r.Stats.Arrays == 0 {
					t.Fatalf("body %s: %v", resp.Body, err)
				}
				if _, err := os.Stat(r.Output); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// A scan that fails in a way another attempt may not repeat answers 500.
func TestHandleFunctionURLRetryable(t *testing.T) {
	h, _ := testHandler("")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := fixture(t, "fixtures/nc4_groups.nc")
	body, _ := json.Marshal(map[string]any{"input": in, "output": filepath.Join(t.TempDir(), "x.json")})
	resp := h.HandleFunctionURL(ctx, "req", urlEvent("POST", string(body), false))
	if resp.StatusCode != 500 || !strings.Contains(resp.Body, `"errorType":"RetryableError"`) || !strings.Contains(resp.Body, in) {
		t.Fatalf("answer %d %s", resp.StatusCode, resp.Body)
	}
}

// s3Record is one record of an S3 notification as S3 sends it.
func s3Record(source, name, bucket, key string) map[string]any {
	return map[string]any{
		"eventVersion": "2.1", "eventSource": source, "awsRegion": "us-east-1",
		"eventTime": "2026-01-01T00:00:00.000Z", "eventName": name,
		"userIdentity":      map[string]string{"principalId": "AWS:X"},
		"requestParameters": map[string]string{"sourceIPAddress": "127.0.0.1"},
		"responseElements":  map[string]string{"x-amz-request-id": "1", "x-amz-id-2": "2"},
		"s3": map[string]any{
			"s3SchemaVersion": "1.0", "configurationId": "gokerchunk",
			"bucket": map[string]any{"name": bucket, "ownerIdentity": map[string]string{"principalId": "X"}, "arn": "arn:aws:s3:::" + bucket},
			"object": map[string]any{"key": key, "size": 1024, "eTag": "0123", "sequencer": "0A1B"},
		},
	}
}

// The records an S3 notification's handler refuses or skips before any
// read, each reported on its own.
func TestHandleS3NotificationRecords(t *testing.T) {
	ev, _ := json.Marshal(map[string]any{"Records": []any{
		s3Record("aws:s3", "ObjectCreated:Put", "b", "notes/read+me.txt"),
		s3Record("aws:s3", "ObjectRemoved:Delete", "b", "daily/x.nc"),
		s3Record("aws:sqs", "ObjectCreated:Put", "b", "daily/y.nc"),
		s3Record("aws:s3", "ObjectCreated:Put", "b", "daily/bad%ZZ.nc"),
		s3Record("aws:s3", "ObjectCreated:Put", "b", "daily/tas+day%3D1.nc"),
	}})
	h, logs := testHandler("")
	report, err := h.HandleS3Notification(context.Background(), "req-s3", ev)
	if err != nil {
		t.Fatalf("input errors only, yet the invocation failed: %v", err)
	}
	want := []struct{ outcome, input, reason string }{
		{fanout.RecordSkipped, "s3://b/notes/read me.txt", "not a scan input"},
		{fanout.RecordSkipped, "s3://b/daily/x.nc", "not ObjectCreated"},
		{fanout.RecordFailed, "", `"aws:sqs", not an S3 notification`},
		{fanout.RecordFailed, "", "bad S3 notification record"},
		// No GOKERCHUNK_OUTPUT_PREFIX in testHandler's environment.
		{fanout.RecordFailed, "s3://b/daily/tas day=1.nc", "GOKERCHUNK_OUTPUT_PREFIX is not set"},
	}
	if len(report.Records) != len(want) || report.Skipped != 2 || report.Failed != 3 || report.Succeeded != 0 {
		t.Fatalf("report %+v", report)
	}
	for i, w := range want {
		r := report.Records[i]
		if r.Outcome != w.outcome || r.Input != w.input || !strings.Contains(r.Reason, w.reason) {
			t.Errorf("record %d: %+v, want %s %q with %q", i, r, w.outcome, w.input, w.reason)
		}
		if r.Outcome == fanout.RecordFailed && r.ErrorType != "InputError" {
			t.Errorf("record %d: error type %q", i, r.ErrorType)
		}
	}
	if !strings.Contains(report.Body, "5 records: 0 done, 2 skipped, 3 failed") {
		t.Errorf("body %q", report.Body)
	}
	failures := 0
	for _, l := range logLines(t, logs.Bytes()) {
		if l["msg"] == "record failed" && l["request_id"] == "req-s3" && l["record"] != nil {
			failures++
		}
	}
	if failures != 3 {
		t.Errorf("%d failures logged, want 3:\n%s", failures, logs)
	}
}

// A record that fails in a way another attempt may not repeat fails the
// invocation, so that Lambda retries the event; the others still ran.
func TestHandleS3NotificationRetryable(t *testing.T) {
	dir := t.TempDir()
	var logs strings.Builder
	h := fanout.NewLambdaHandler(&logs, func(k string) string {
		if k == fanout.OutputPrefixEnv {
			return dir
		}
		return ""
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the scan fails with the context's error: retryable
	ev, _ := json.Marshal(map[string]any{"Records": []any{
		s3Record("aws:s3", "ObjectCreated:Put", "b", "daily/x.nc"),
		s3Record("aws:s3", "ObjectCreated:Put", "b", "daily/x.csv"),
	}})
	report, err := h.HandleS3Notification(ctx, "req", ev)
	var re *fanout.RetryableError
	if !errors.As(err, &re) || report != nil || !strings.Contains(err.Error(), "s3://b/daily/x.nc") || !strings.Contains(err.Error(), "2 records: 0 done, 1 skipped, 1 failed") {
		t.Fatalf("report %+v, error %v; want a RetryableError naming the record", report, err)
	}
}
