package fanout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gokerchunk/fanout"
	"gokerchunk/scan"
)

// startJobServer serves the registry's jobs on a loopback port.
func startJobServer(t *testing.T, token, crashOn string) (*httptest.Server, *bytes.Buffer) {
	t.Helper()
	h, logs := testHandler(crashOn)
	srv := httptest.NewServer(&fanout.HTTPServer{Handler: h, Token: token})
	t.Cleanup(srv.Close)
	return srv, logs
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t *testing.T, method, url, token string, body io.Reader) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	b, _ := io.ReadAll(resp.Body)
	if method != http.MethodHead {
		if err := json.Unmarshal(b, &a.body); err != nil {
			t.Fatalf("%s %s: %d answer is not JSON: %q", method, url, resp.StatusCode, b)
		}
	}
	return a
}

// TestHTTPServerAPI: the status codes, headers and bodies of the job API.
func TestHTTPServerAPI(t *testing.T) {
	srv, logs := startJobServer(t, "s3cret", "crashme")
	in := fixture(t, "fixtures/nc4_groups.nc")
	dir := t.TempDir()
	event := func(input, output string) io.Reader {
		b, _ := json.Marshal(map[string]any{"input": input, "output": output})
		return bytes.NewReader(b)
	}
	jobs := srv.URL + fanout.JobsPath

	a := call(t, "POST", jobs, "s3cret", event(in, filepath.Join(dir, "x.json")))
	if a.status != 200 || a.body["statusCode"] != float64(200) || a.body["input"] != in || a.body["stats"].(map[string]any)["chunks"] == float64(0) {
		t.Errorf("a scan: %d %v", a.status, a.body)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.json")); err != nil {
		t.Errorf("no sidecar: %v", err)
	}

	for _, tc := range []struct {
		name, method, path, token string
		body                      io.Reader
		status                    int
		errorType, message        string
		header, headerValue       string
	}{
		{name: "no token", method: "POST", path: fanout.JobsPath, body: event(in, filepath.Join(dir, "y.json")), status: 401,
			errorType: "Unauthorized", message: "bearer token", header: "WWW-Authenticate", headerValue: "Bearer"},
		{name: "wrong token", method: "POST", path: fanout.JobsPath, token: "s3cre", body: event(in, filepath.Join(dir, "y.json")), status: 401, errorType: "Unauthorized"},
		{name: "GET jobs", method: "GET", path: fanout.JobsPath, token: "s3cret", status: 405, errorType: "MethodNotAllowed", header: "Allow", headerValue: "POST"},
		{name: "POST health", method: "POST", path: fanout.HealthPath, status: 405, header: "Allow", headerValue: "GET, HEAD", errorType: "MethodNotAllowed"},
		{name: "elsewhere", method: "POST", path: "/", token: "s3cret", status: 404, errorType: "NotFound", message: "POST jobs to /jobs"},
		{name: "too big", method: "POST", path: fanout.JobsPath, token: "s3cret", body: strings.NewReader(`{"input": "` + strings.Repeat("x", fanout.MaxRequestBody) + `"}`),
			status: 413, errorType: "InputError", message: "over 262144 bytes"},
		{name: "not JSON", method: "POST", path: fanout.JobsPath, token: "s3cret", body: strings.NewReader("input=/x.nc"), status: 400, errorType: "InputError", message: "bad event"},
		{name: "misspelt option", method: "POST", path: fanout.JobsPath, token: "s3cret", body: strings.NewReader(`{"input": "/d/x.nc", "output": "/o/x.json", "inline_treshold": 3}`),
			status: 400, errorType: "InputError", message: `unknown field "inline_treshold"`},
		{name: "missing input", method: "POST", path: fanout.JobsPath, token: "s3cret", body: event(filepath.Join(dir, "missing.nc"), filepath.Join(dir, "m.json")),
			status: 400, errorType: "InputError", message: "missing.nc"},
		{name: "output not writable", method: "POST", path: fanout.JobsPath, token: "s3cret", body: event(in, filepath.Join(dir, "no", "such", "dir.json")),
			status: 400, errorType: "InputError", message: "no such file"},
		{name: "crash", method: "POST", path: fanout.JobsPath, token: "s3cret", body: event("/d/crashme.nc", filepath.Join(dir, "c.json")),
			status: 500, errorType: "Runtime.Panic", message: "/d/crashme.nc: internal error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, tc.method, srv.URL+tc.path, tc.token, tc.body)
			if a.status != tc.status || a.body["errorType"] != tc.errorType || !strings.Contains(a.body["errorMessage"].(string), tc.message) {
				t.Errorf("%d %v; want %d %s with %q", a.status, a.body, tc.status, tc.errorType, tc.message)
			}
			if tc.header != "" && !strings.Contains(a.header.Get(tc.header), tc.headerValue) {
				t.Errorf("%s: %q, want %q", tc.header, a.header.Get(tc.header), tc.headerValue)
			}
		})
	}
	h := call(t, "GET", srv.URL+fanout.HealthPath, "", nil)
	if h.status != 200 || h.body["status"] != "ok" || !strings.Contains(strings.Join(toStrings(h.body["jobs"]), ","), "scan") {
		t.Errorf("health: %d %v", h.status, h.body)
	}
	if !strings.Contains(logs.String(), `"msg":"scan done"`) || !strings.Contains(logs.String(), "refused a job without the right token") {
		t.Errorf("log:\n%s", logs)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestHTTPExecutorOnServers: scans run on two servers, each input on one
// of them, give the sidecars a local scan gives; a crash on one input is
// retried up to the policy and reported as the server's 500.
func TestHTTPExecutorOnServers(t *testing.T) {
	a, logsA := startJobServer(t, "tok", "crashme")
	b, logsB := startJobServer(t, "tok", "crashme")
	ins, _ := filepath.Glob(fixture(t, "fixtures") + "/nc4_*.nc")
	if len(ins) < 4 {
		t.Fatalf("fixtures: %v", ins)
	}
	httpDir, localDir := t.TempDir(), t.TempDir()
	var reqs, local []fanout.Request
	for _, in := range ins {
		name := filepath.Base(in) + ".json"
		reqs = append(reqs, scan.Request{Input: in, Output: filepath.Join(httpDir, name), InlineThreshold: 100, OnUnsupported: scan.UnsupportedSkip})
		local = append(local, scan.Request{Input: in, Output: filepath.Join(localDir, name), InlineThreshold: 100, OnUnsupported: scan.UnsupportedSkip})
	}
	reqs = append(reqs, scan.Request{Input: "/d/crashme.nc", Output: filepath.Join(httpDir, "crash.json"), InlineThreshold: 100, OnUnsupported: scan.UnsupportedSkip})
	ex, err := fanout.NewHTTPExecutor([]string{a.URL, b.URL}, fanout.HTTPOptions{Token: "tok", Retry: fanout.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	results := fanout.RunJobs(context.Background(), ex, reqs, 4, nil)
	fanout.RunJobs(context.Background(), fanout.LocalExecutor{}, local, 2, nil)
	for i, r := range results[:len(ins)] {
		if r.Err != nil || r.Attempts != 1 {
			t.Errorf("%s: %v after %d attempts", ins[i], r.Err, r.Attempts)
			continue
		}
		got, _ := os.ReadFile(r.Output)
		want, _ := os.ReadFile(local[i].(scan.Request).Output)
		if len(got) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s: the sidecar made over HTTP differs from the local one", ins[i])
		}
	}
	crash := results[len(ins)]
	var fe *fanout.FunctionError
	if !errors.As(crash.Err, &fe) || fe.Type != "Runtime.Panic" || crash.Attempts != fanout.DefaultRetryPolicy.MaxAttempts ||
		!strings.Contains(crash.Err.Error(), "500 Internal Server Error") {
		t.Errorf("the crashing input: %v after %d attempts", crash.Err, crash.Attempts)
	}
	jobsA, jobsB := strings.Count(logsA.String(), "scan done"), strings.Count(logsB.String(), "scan done")
	crashes := strings.Count(logsA.String()+logsB.String(), "scan crashed")
	if jobsA+jobsB != len(ins) || jobsA == 0 || jobsB == 0 || crashes != 3 {
		t.Errorf("jobs per server: %d and %d, %d crashes", jobsA, jobsB, crashes)
	}
}

// TestServeGracefulShutdown: after the context is done, a job in flight
// still gets its answer, new connections are refused, and Serve returns.
func TestServeGracefulShutdown(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- fanout.Serve(ctx, ln, h, 10*time.Second, nil) }()
	url := "http://" + ln.Addr().String() + "/jobs"
	got := make(chan string, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader("{}"))
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	// Shutdown closes the listener first: wait until a connection is
	// refused, then let the job finish.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts after the shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if s := <-got; s != "finished" {
		t.Errorf("the job in flight got %q", s)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}

	// A job longer than the grace period is cut, and Serve says so.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx2, cancel2 := context.WithCancel(context.Background())
	block := make(chan struct{})
	started2 := make(chan struct{})
	h2 := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started2)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	})
	go func() { served <- fanout.Serve(ctx2, ln2, h2, 50*time.Millisecond, nil) }()
	go http.Post("http://"+ln2.Addr().String()+"/jobs", "application/json", strings.NewReader("{}"))
	<-started2
	cancel2()
	if err := <-served; err == nil || !strings.Contains(err.Error(), "grace period") {
		t.Errorf("Serve after the grace period: %v", err)
	}
	close(block)
}
