package lambdatest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeRIE answers as the RIE does, by the event's "mode"; it records how
// many calls it serves at once.
type fakeRIE struct {
	srv      *httptest.Server
	release  chan struct{} // "block" waits for it
	inFlight atomic.Int32
	peak     atomic.Int32
}

func newFakeRIE(t *testing.T) *fakeRIE {
	f := &fakeRIE{release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.inFlight.Add(1)
		defer f.inFlight.Add(-1)
		for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
		}
		if r.URL.Path != InvokePath {
			http.NotFound(w, r)
			return
		}
		var ev struct{ Mode string }
		json.NewDecoder(r.Body).Decode(&ev)
		switch ev.Mode {
		case "ok":
			io.WriteString(w, `{"statusCode":200,"body":"fine"}`)
		case "sleep":
			time.Sleep(5 * time.Millisecond)
			io.WriteString(w, `{"statusCode":200,"body":"fine"}`)
		case "error":
			io.WriteString(w, `{"errorMessage":"x.nc: bad","errorType":"InputError"}`)
		case "panic":
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"errorMessage":"x.nc: internal error","errorType":"string"}`)
		case "exit-empty":
			w.WriteHeader(http.StatusBadGateway)
		case "timeout":
			io.WriteString(w, "Task timed out after 1.00 seconds")
		case "block":
			<-f.release
			io.WriteString(w, `{"statusCode":200,"body":"unblocked"}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func post(t *testing.T, url, function, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url+"/2015-03-31/functions/"+function+"/invocations", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestFrontAnswersLikeLambda(t *testing.T) {
	rie := newFakeRIE(t)
	front := NewFront("fn", []string{rie.srv.URL}, FrontOptions{})
	defer front.Close()
	for _, tc := range []struct {
		mode, function string
		status         int
		functionError  bool
		errorCode      string // X-Amzn-ErrorType
		bodyHas        string
	}{
		{mode: "ok", status: 200, bodyHas: `"body":"fine"`},
		{mode: "error", status: 200, functionError: true, bodyHas: `"errorType":"InputError"`},
		{mode: "panic", status: 200, functionError: true, bodyHas: `"errorMessage":"x.nc: internal error"`},
		{mode: "exit-empty", status: 200, functionError: true, bodyHas: `runtime answered 502: Bad Gateway`},
		{mode: "timeout", status: 200, functionError: true, bodyHas: `"errorType":"Sandbox.Timedout"`},
		{mode: "ok", function: "other", status: 404, errorCode: "ResourceNotFoundException"},
	} {
		fn := tc.function
		if fn == "" {
			fn = "fn"
		}
		resp, body := post(t, front.URL, fn, `{"mode":"`+tc.mode+`"}`)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.mode, resp.StatusCode, tc.status)
		}
		if got := resp.Header.Get("X-Amz-Function-Error") == "Unhandled"; got != tc.functionError {
			t.Errorf("%s: X-Amz-Function-Error %q", tc.mode, resp.Header.Get("X-Amz-Function-Error"))
		}
		if got := resp.Header.Get("X-Amzn-ErrorType"); got != tc.errorCode {
			t.Errorf("%s: X-Amzn-ErrorType %q, want %q", tc.mode, got, tc.errorCode)
		}
		if !strings.Contains(body, tc.bodyHas) {
			t.Errorf("%s: body %s lacks %s", tc.mode, body, tc.bodyHas)
		}
		if tc.functionError && !json.Valid([]byte(body)) {
			t.Errorf("%s: error payload is not JSON: %s", tc.mode, body)
		}
	}
	if got := front.FunctionErrors.Load(); got != 4 {
		t.Errorf("%d function errors counted, want 4", got)
	}
}

func TestFrontThrottlesWhenAllBackendsAreBusy(t *testing.T) {
	rie := newFakeRIE(t)
	front := NewFront("fn", []string{rie.srv.URL}, FrontOptions{})
	defer front.Close()
	done := make(chan string)
	go func() {
		_, body := post(t, front.URL, "fn", `{"mode":"block"}`)
		done <- body
	}()
	for front.Invocations.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	resp, body := post(t, front.URL, "fn", `{"mode":"ok"}`)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("X-Amzn-ErrorType") != "TooManyRequestsException" {
		t.Errorf("busy backend: status %d, error type %q: %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
	}
	close(rie.release)
	if body := <-done; !strings.Contains(body, "unblocked") {
		t.Errorf("blocked call answered %s", body)
	}
	if resp, _ := post(t, front.URL, "fn", `{"mode":"ok"}`); resp.StatusCode != 200 {
		t.Errorf("after release: status %d", resp.StatusCode)
	}
}

func TestFrontOneCallPerBackend(t *testing.T) {
	ries := []*fakeRIE{newFakeRIE(t), newFakeRIE(t)}
	front := NewFront("fn", []string{ries[0].srv.URL, ries[1].srv.URL}, FrontOptions{})
	defer front.Close()
	var wg sync.WaitGroup
	var ok, throttled atomic.Int32
	for range 16 {
		wg.Go(func() {
			resp, _ := post(t, front.URL, "fn", `{"mode":"sleep"}`)
			switch resp.StatusCode {
			case 200:
				ok.Add(1)
			case 429:
				throttled.Add(1)
			}
		})
	}
	wg.Wait()
	for i, r := range ries {
		if p := r.peak.Load(); p > 1 {
			t.Errorf("backend %d served %d calls at once", i, p)
		}
	}
	if ok.Load()+throttled.Load() != 16 || throttled.Load() == 0 || int64(throttled.Load()) != front.Throttles.Load() {
		t.Errorf("%d ok, %d throttled (front counted %d)", ok.Load(), throttled.Load(), front.Throttles.Load())
	}
	if front.MaxInFlight() > 2 {
		t.Errorf("%d calls in flight over 2 backends", front.MaxInFlight())
	}
}

func TestFrontInjectsServiceErrors(t *testing.T) {
	rie := newFakeRIE(t)
	front := NewFront("fn", []string{rie.srv.URL}, FrontOptions{Inject: func(n int64) int {
		if n == 2 {
			return http.StatusServiceUnavailable
		}
		return 0
	}})
	defer front.Close()
	var statuses []int
	for range 3 {
		resp, _ := post(t, front.URL, "fn", `{"mode":"ok"}`)
		statuses = append(statuses, resp.StatusCode)
	}
	if statuses[0] != 200 || statuses[1] != 503 || statuses[2] != 200 || front.Injected.Load() != 1 {
		t.Errorf("statuses %v, %d injected", statuses, front.Injected.Load())
	}
}
