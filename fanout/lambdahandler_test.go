package fanout_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gokerchunk/convert"
	"gokerchunk/fanout"
	"gokerchunk/refs"
	"gokerchunk/scan"
)

func TestDecodeEvent(t *testing.T) {
	for _, tc := range []struct {
		name    string
		event   string
		want    fanout.Request
		wantErr string // substring of the error; "" for success
	}{
		{name: "input/output", event: `{"input": "s3://b/x.nc", "output": "s3://b/o/x.nc.json"}`,
			want: scan.Request{Input: "s3://b/x.nc", Output: "s3://b/o/x.nc.json", InlineThreshold: 500, OnUnsupported: "error"}},
		{name: "input_path/output_path", event: `{"input_path": "/d/x.nc", "output_path": "/o/x.json", "inline_threshold": 0, "on_unsupported": "skip"}`,
			want: scan.Request{Input: "/d/x.nc", Output: "/o/x.json", InlineThreshold: 0, OnUnsupported: "skip"}},
		{name: "both names, same value", event: `{"input": "/d/x.nc", "input_path": "/d/x.nc", "output": "/o", "job": "scan", "on_unsupported": "inline", "inline_threshold": 100}`,
			want: scan.Request{Input: "/d/x.nc", Output: "/o", InlineThreshold: 100, OnUnsupported: "inline"}},
		{name: "csv2parquet", event: `{"job": "csv2parquet", "input_path": "s3://b/csv/1889.csv", "output_path": "s3://b/parquet/", "partition_cols": ["ELEMENT"], "header": false, "columns": ["ID","DATE","ELEMENT"], "schema": "DATE:date", "compression": "zstd", "max_bad_rows": 3}`,
			want: convert.Request{Input: "s3://b/csv/1889.csv", Output: "s3://b/parquet/", PartitionCols: []string{"ELEMENT"},
				Columns: []string{"ID", "DATE", "ELEMENT"}, Schema: "DATE:date", Compression: "zstd", MaxBadRows: 3}},
		{name: "csv2parquet with a header", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"], "header": true}`,
			want: convert.Request{Input: "/d/x.csv", Output: "/o", PartitionCols: []string{"k"}, Header: true}},
		{name: "csv2parquet without partitions", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "header": true}`, wantErr: `needs partition_cols`},
		{name: "csv2parquet without names", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"]}`, wantErr: `needs the column names`},
		{name: "csv2parquet bad schema", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"], "schema": "k:text"}`, wantErr: `schema`},
		{name: "csv2parquet bad compression", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"], "header": true, "compression": "brotli"}`, wantErr: `compression`},
		{name: "csv2parquet bad max_bad_rows", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"], "header": true, "max_bad_rows": -2}`, wantErr: `max_bad_rows`},
		{name: "csv2parquet with a scan option", event: `{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "partition_cols": ["k"], "header": true, "on_unsupported": "skip"}`, wantErr: `takes no inline_threshold, on_unsupported, target_prefix or templates`},
		{name: "target_prefix and templates", event: `{"input": "/d/x.nc", "output": "/o", "target_prefix": [{"old": "/d/", "new": "s3://b/d/"}], "templates": true}`,
			want: scan.Request{Input: "/d/x.nc", Output: "/o", InlineThreshold: 500, OnUnsupported: "error", TargetPrefix: []refs.PrefixRule{{Old: "/d/", New: "s3://b/d/"}}, Templates: true}},
		{name: "bad target_prefix", event: `{"input": "/d/x.nc", "output": "/o", "target_prefix": [{"old": "/d/", "new": "s3://b/d"}]}`, wantErr: `target_prefix: "/d/=s3://b/d": OLD and NEW must both end in "/"`},
		{name: "scan with a conversion option", event: `{"input": "/d/x.nc", "output": "/o", "partition_cols": ["k"]}`, wantErr: `a scan takes no partition_cols`},
		{name: "both names differ", event: `{"input": "/d/x.nc", "input_path": "/d/y.nc", "output": "/o"}`, wantErr: `input and input_path differ`},
		{name: "outputs differ", event: `{"input": "/d/x.nc", "output": "/o", "output_path": "/p"}`, wantErr: `output and output_path differ`},
		{name: "no input", event: `{"output": "/o"}`, wantErr: `names no input`},
		{name: "no output", event: `{"input": "/d/x.nc"}`, wantErr: `/d/x.nc: the event names no output`},
		{name: "unknown job", event: `{"job": "combine", "input": "/d/x.nc", "output": "/o"}`, wantErr: `unknown job "combine"`},
		{name: "bad policy", event: `{"input": "/d/x.nc", "output": "/o", "on_unsupported": "warn"}`, wantErr: `on_unsupported must be error, skip or inline, not "warn"`},
		{name: "negative threshold", event: `{"input": "/d/x.nc", "output": "/o", "inline_threshold": -1}`, wantErr: `inline_threshold must be 0 or more`},
		{name: "misspelt field", event: `{"input": "/d/x.nc", "output": "/o", "inline_treshold": 10}`, wantErr: `unknown field "inline_treshold"`},
		{name: "wrong type", event: `{"input": 3, "output": "/o"}`, wantErr: `bad event`},
		{name: "not JSON", event: `input=/d/x.nc`, wantErr: `bad event`},
		{name: "two objects", event: `{"input": "/d/x.nc", "output": "/o"} {}`, wantErr: `data after the JSON object`},
		{name: "too big", event: `{"input": "` + strings.Repeat("x", 256<<10) + `"}`, wantErr: `more than the`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := fanout.DecodeEvent([]byte(tc.event))
			if tc.wantErr == "" {
				if err != nil || !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
				}
				return
			}
			var ie *fanout.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want an InputError with %q", err, tc.wantErr)
			}
		})
	}
}

// The request the Lambda executor sends is an event the function takes
// as it is.
func TestScanRequestIsAnEvent(t *testing.T) {
	for _, req := range []scan.Request{
		{Input: "s3://b/x.nc", Output: "s3://b/x.json", InlineThreshold: 0, OnUnsupported: "skip"},
		{Input: "/d/x.nc", Output: "s3://b/x.json", InlineThreshold: 500, OnUnsupported: "error",
			TargetPrefix: []refs.PrefixRule{{Old: "/d/", New: "s3://b/d/"}, {Old: "/d/a.nc", New: "https://h/a.nc"}}, Templates: true},
	} {
		b, err := fanout.EncodeRequest(req)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fanout.DecodeEvent(b)
		if err != nil || !reflect.DeepEqual(got, req) {
			t.Fatalf("round trip: %+v, %v", got, err)
		}
	}
	conv := convert.Request{Input: "s3://b/1889.csv", Output: "s3://b/parquet/", PartitionCols: []string{"ELEMENT"},
		Columns: []string{"ID", "ELEMENT"}, Schema: "ID:string", Compression: "snappy", MaxBadRows: 5}
	b, err := fanout.EncodeRequest(conv)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := fanout.DecodeEvent(b); err != nil || !reflect.DeepEqual(got, conv) {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
}

// logLines decodes the handler's JSON log lines.
func logLines(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		lines = append(lines, m)
	}
	return lines
}

func testHandler(crashOn string) (*fanout.LambdaHandler, *bytes.Buffer) {
	var logs bytes.Buffer
	h := fanout.NewLambdaHandler(&logs, func(k string) string {
		if k == fanout.CrashOnEnv {
			return crashOn
		}
		return ""
	})
	return h, &logs
}

func TestHandleScans(t *testing.T) {
	in := fixture(t, "fixtures/nc4_groups.nc")
	dir := t.TempDir()
	h, logs := testHandler("")
	event, _ := json.Marshal(map[string]any{"input_path": in, "output_path": filepath.Join(dir, "lambda.json"), "inline_threshold": 0})
	resp, err := h.Handle(context.Background(), "req-1", event)
	if err != nil {
		t.Fatal(err)
	}
	// The same scan made directly: the handler's sidecar and counts are
	// the scanner's.
	want, err := scan.File(context.Background(), in, scan.FileOptions{Output: filepath.Join(dir, "direct.json"), Options: scan.Options{InlineThreshold: 0}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "lambda.json"))
	b, _ := os.ReadFile(filepath.Join(dir, "direct.json"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("the handler's sidecar (%d bytes) differs from a direct scan's (%d bytes)", len(a), len(b))
	}
	st := resp.Stats
	if resp.StatusCode != 200 || resp.Input != in || resp.Output != filepath.Join(dir, "lambda.json") ||
		st.Arrays != want.Arrays || st.Chunks != want.Chunks || st.Inlined != want.Inlined || st.Inlined != 0 ||
		st.Reads == 0 || st.Bytes == 0 || st.Seconds <= 0 {
		t.Errorf("response %+v; the scanner found %d arrays, %d chunks, %d inline", resp, want.Arrays, want.Chunks, want.Inlined)
	}
	if !strings.Contains(resp.Body, in) {
		t.Errorf("body %q does not name the input", resp.Body)
	}
	lines := logLines(t, logs.Bytes())
	if len(lines) != 2 || lines[0]["msg"] != "scan start" || lines[1]["msg"] != "scan done" {
		t.Fatalf("log lines: %v", lines)
	}
	for _, l := range lines {
		if l["request_id"] != "req-1" || l["input"] != in || l["job"] != "scan" {
			t.Errorf("log line lacks request, input or job: %v", l)
		}
	}
	if lines[1]["chunks"] != float64(want.Chunks) {
		t.Errorf("log line chunks %v, want %d", lines[1]["chunks"], want.Chunks)
	}
}

func TestHandleErrors(t *testing.T) {
	dir := t.TempDir()
	notHDF5 := filepath.Join(dir, "text.nc")
	os.WriteFile(notHDF5, bytes.Repeat([]byte("not hdf5 "), 100), 0o644)
	good := fixture(t, "fixtures/nc4_groups.nc")
	for _, tc := range []struct {
		name, input, output string
		want                string
	}{
		{"missing input", filepath.Join(dir, "missing.nc"), filepath.Join(dir, "a.json"), "no such file"},
		{"not HDF5", notHDF5, filepath.Join(dir, "b.json"), notHDF5},
		{"output directory missing", good, filepath.Join(dir, "no", "c.json"), "no such file"},
		{"unsupported scheme", "gs://bucket/x.nc", filepath.Join(dir, "d.json"), "gs:// is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, logs := testHandler("")
			event, _ := json.Marshal(map[string]any{"input": tc.input, "output": tc.output})
			_, err := h.Handle(context.Background(), "req-2", event)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.input) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name the input and %q", err, tc.want)
			}
			// aws-lambda-go reports the error's type name as errorType;
			// the executor retries all but InputError.
			typ := reflect.TypeOf(err).Elem().Name()
			if typ != "InputError" {
				t.Errorf("error type %s, want InputError (%v)", typ, err)
			}
			if typ != fanout.ErrorType(err) {
				t.Errorf("ErrorType says %s, the runtime will say %s", fanout.ErrorType(err), typ)
			}
			lines := logLines(t, logs.Bytes())
			last := lines[len(lines)-1]
			if last["level"] != "ERROR" || last["error_type"] != typ || last["input"] != tc.input {
				t.Errorf("last log line %v", last)
			}
			if entries, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(entries) > 0 {
				t.Errorf("temporary files left: %v", entries)
			}
		})
	}
}

func TestHandleCrashOnMarker(t *testing.T) {
	h, logs := testHandler("crashme")
	event := []byte(`{"input": "/data/crashme_01.nc", "output": "/out/x.json"}`)
	defer func() {
		p := recover()
		if p == nil || !strings.Contains(p.(string), "/data/crashme_01.nc: internal error") {
			t.Fatalf("panic %v", p)
		}
		if lines := logLines(t, logs.Bytes()); len(lines) != 1 || lines[0]["msg"] != "scan crashed" || lines[0]["stack"] == "" {
			t.Errorf("log lines %v", lines)
		}
	}()
	h.Handle(context.Background(), "req-3", event)
}

func TestHandleDeadline(t *testing.T) {
	h, _ := testHandler("")
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	in := fixture(t, "fixtures/nc4_groups.nc")
	event, _ := json.Marshal(map[string]any{"input": in, "output": filepath.Join(t.TempDir(), "x.json")})
	_, err := h.Handle(ctx, "req-4", event)
	var re *fanout.RetryableError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "timeout") || !strings.Contains(err.Error(), in) {
		t.Fatalf("error %v, want a RetryableError naming the input and the timeout", err)
	}
}

func TestLocalExecutor(t *testing.T) {
	dir := t.TempDir()
	good := fixture(t, "fixtures/nc4_groups.nc")
	bad := filepath.Join(dir, "bad.nc")
	os.WriteFile(bad, []byte("not HDF5 at all, not HDF5 at all, not HDF5 at all"), 0o644)
	reqs := []fanout.Request{
		scan.Request{Input: good, Output: filepath.Join(dir, "good.json"), InlineThreshold: 500},
		scan.Request{Input: bad, Output: filepath.Join(dir, "bad.json"), InlineThreshold: 500},
	}
	results := fanout.RunJobs(context.Background(), fanout.LocalExecutor{}, reqs, 2, nil)
	if r := results[0]; r.Err != nil || r.Attempts != 1 || r.Response.Stats.Arrays == 0 || r.Seconds <= 0 {
		t.Errorf("good: %+v", r)
	}
	if _, err := os.Stat(reqs[0].(scan.Request).Output); err != nil {
		t.Errorf("good: %v", err)
	}
	var ie *fanout.InputError
	if r := results[1]; !errors.As(r.Err, &ie) || r.Attempts != 1 || !strings.Contains(r.Err.Error(), bad) {
		t.Errorf("bad: %+v", r)
	}
	if _, err := os.Stat(reqs[1].(scan.Request).Output); !os.IsNotExist(err) {
		t.Errorf("bad input left an output: %v", err)
	}
}

// fixture is the absolute path of a file under testdata.
func fixture(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return p
}

// Events earlier executors sent set the other job's options to nothing
// (a conversion's "inline_threshold": 0, a scan's "header": false): they
// are taken as they were.
func TestDecodeEventZeroForeignOptions(t *testing.T) {
	for _, tc := range []struct {
		event string
		want  fanout.Request
	}{
		{`{"job": "csv2parquet", "input": "/d/x.csv", "output": "/o", "inline_threshold": 0, "on_unsupported": "", "partition_cols": ["k"], "header": true}`,
			convert.Request{Input: "/d/x.csv", Output: "/o", PartitionCols: []string{"k"}, Header: true}},
		{`{"input": "/d/x.nc", "output": "/o", "partition_cols": null, "header": false, "schema": "", "max_bad_rows": 0}`,
			scan.Request{Input: "/d/x.nc", Output: "/o", InlineThreshold: 500, OnUnsupported: "error"}},
	} {
		got, err := fanout.DecodeEvent([]byte(tc.event))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tc.event, got, err, tc.want)
		}
	}
}
