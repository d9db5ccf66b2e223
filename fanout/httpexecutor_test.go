package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHTTPExecutorEndpointChoice: the least loaded endpoint first,
// round-robin among equals, the job's failed endpoints and the endpoints
// marked down skipped while others remain, the one up first when all are
// down.
func TestHTTPExecutorEndpointChoice(t *testing.T) {
	e, err := NewHTTPExecutor([]string{"http://a", "http://b/", "http://c/base"}, HTTPOptions{Retry: RetryPolicy{BaseDelay: time.Second, MaxDelay: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Endpoints(); got[0] != "http://a/jobs" || got[1] != "http://b/jobs" || got[2] != "http://c/base/jobs" {
		t.Fatalf("job URLs %v", got)
	}
	now := time.Unix(1000, 0)
	e.now = func() time.Time { return now }
	pick := func(tried ...int) int {
		m := map[int]bool{}
		for _, i := range tried {
			m[i] = true
		}
		return e.acquire(m)
	}
	// Round-robin while the loads are equal: a, b, c, then a again.
	for i, want := range []int{0, 1, 2, 0} {
		if got := pick(); got != want {
			t.Fatalf("pick %d: endpoint %d, want %d", i, got, want)
		}
	}
	// In flight: a 2, b 1, c 1. The least loaded: b then c.
	if got := pick(); got != 1 {
		t.Errorf("least loaded: %d, want 1", got)
	}
	if got := pick(); got != 2 {
		t.Errorf("least loaded: %d, want 2", got)
	}
	// a 2, b 2, c 2; b finishes: it is chosen.
	e.release(1, nil, "in")
	if got := pick(); got != 1 {
		t.Errorf("after b finished: %d, want 1", got)
	}
	// Drain: every endpoint idle.
	for _, i := range []int{0, 0, 1, 1, 2, 2} {
		e.release(i, nil, "in")
	}
	// A job that failed on a and b goes to c whatever the loads.
	e.endpoints[2].inFlight = 5
	if got := pick(0, 1); got != 2 {
		t.Errorf("tried a and b: %d, want 2", got)
	}
	e.endpoints[2].inFlight = 0
	// A connection error marks a down: idle, it is skipped while b and c
	// are up; once all failed this job, any may be tried again.
	i := pick()
	kind, _ := e.release(i, &EndpointError{Endpoint: "x", Err: errors.New("refused")}, "in")
	if kind != failRetryable || !e.endpoints[i].down.After(now) {
		t.Fatalf("a refused connection: %v, down until %v", kind, e.endpoints[i].down)
	}
	for range 4 {
		if got := pick(); got == i {
			t.Errorf("the endpoint down was chosen while others were up")
		}
	}
	for k := range e.endpoints {
		e.endpoints[k].inFlight = 0
	}
	if got := pick(0, 1, 2); got == i {
		t.Errorf("every endpoint tried: the one down (%d) was chosen before the ones up", i)
	}
	e.endpoints[i].inFlight = 0
	// All down: the one up first; time passing brings them back.
	for k := range e.endpoints {
		e.endpoints[k].inFlight = 0
		e.endpoints[k].down = now.Add(time.Duration(3-k) * time.Second)
	}
	if got := pick(); got != 2 {
		t.Errorf("all down: %d, want 2 (up first)", got)
	}
	e.endpoints[2].inFlight = 0
	now = now.Add(time.Hour)
	if got := pick(); got != 0 {
		t.Errorf("all up again: %d, want 0 (next in turn)", got)
	}
	// An answer marks the endpoint up.
	e.release(0, nil, "in")
	if !e.endpoints[0].down.IsZero() || e.endpoints[0].failures != 0 {
		t.Errorf("after an answer: %+v", e.endpoints[0])
	}
}

func TestHTTPClassify(t *testing.T) {
	ep := func(status int) error {
		return &EndpointError{Endpoint: "http://h/jobs", Status: status, Err: errors.New("x"), TokenFile: "/run/tok"}
	}
	for _, tc := range []struct {
		err       error
		want      outcome
		inputErr  bool
		permanent bool
	}{
		{err: ep(0), want: failRetryable},
		{err: ep(500), want: failRetryable},
		{err: ep(502), want: failRetryable},
		{err: ep(503), want: failRetryable},
		{err: ep(429), want: failThrottled},
		{err: ep(400), want: failFinal, inputErr: true, permanent: true},
		{err: ep(401), want: failFinal},
		{err: ep(403), want: failFinal},
		{err: ep(404), want: failFinal},
		{err: ep(413), want: failFinal},
		{err: errors.New("not an endpoint's"), want: failFinal},
	} {
		got, err := classify(tc.err, "in.nc")
		var ie *InputError
		if got != tc.want || errors.As(err, &ie) != tc.inputErr || isPermanent(err) != tc.permanent {
			t.Errorf("%v: %v (input error %v, permanent %v), want %v", tc.err, got, errors.As(err, &ie), isPermanent(err), tc.want)
		}
	}
	if msg := ep(401).Error(); !strings.Contains(msg, "http://h/jobs") || !strings.Contains(msg, "/run/tok") || !strings.Contains(msg, "401 Unauthorized") {
		t.Errorf("401 message: %s", msg)
	}
	if msg := (&EndpointError{Endpoint: "http://h/jobs", Status: 401, Err: errors.New("x")}).Error(); !strings.Contains(msg, "no token was sent") {
		t.Errorf("401 without a token: %s", msg)
	}
}

// answerer is a test server answering its n-th call (from 1) with
// answer(n); calls counts them.
type answerer struct {
	*httptest.Server
	mu    sync.Mutex
	calls int
	auth  []string
}

func newAnswerer(t *testing.T, answer func(n int, w http.ResponseWriter, req testRequest)) *answerer {
	a := &answerer{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.calls++
		n := a.calls
		a.auth = append(a.auth, r.Header.Get("Authorization")+"|"+r.Header.Get("Modal-Key"))
		a.mu.Unlock()
		var req testRequest
		if r.URL.Path != JobsPath || json.NewDecoder(r.Body).Decode(&req) != nil {
			http.Error(w, "bad test request", http.StatusTeapot)
			return
		}
		answer(n, w, req)
	}))
	t.Cleanup(a.Close)
	return a
}

func answerOK(w http.ResponseWriter, req testRequest) {
	json.NewEncoder(w).Encode(Response{StatusCode: 200, Input: req.Input, Output: req.Output, Stats: Stats{Chunks: 3}})
}

func answerStatus(status int, typ string) func(int, http.ResponseWriter, testRequest) {
	return func(_ int, w http.ResponseWriter, _ testRequest) {
		writeError(w, status, typ, "from the test server")
	}
}

func (a *answerer) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls
}

// TestHTTPExecutorRetries: each failure is retried or not as its status
// says, a retryable one on the other endpoint.
func TestHTTPExecutorRetries(t *testing.T) {
	req := testRequest{Input: "/d/in.nc", Output: "/o/in.nc.json"}
	ok := func(_ int, w http.ResponseWriter, r testRequest) { answerOK(w, r) }
	for _, tc := range []struct {
		name string
		// first is tried first (the round-robin start); other is the second endpoint
		first         func(int, http.ResponseWriter, testRequest)
		firstURL      string
		other         func(int, http.ResponseWriter, testRequest)
		wantErr       string
		wantType      string
		permanent     bool
		wantAttempts  int
		wantThrottles int
		wantFirst     int // calls the first endpoint got
		wantOther     int
		wantRetries   int
		anyOrder      bool // the calls per endpoint may differ; their sum not
	}{
		{name: "answer", first: ok, other: ok, wantAttempts: 1, wantFirst: 1},
		{name: "500 then the other", first: answerStatus(500, "RetryableError"), other: ok, wantAttempts: 2, wantFirst: 1, wantOther: 1, wantRetries: 1},
		{name: "502 from a proxy then the other", first: func(_ int, w http.ResponseWriter, _ testRequest) {
			http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
		},
			other: ok, wantAttempts: 2, wantFirst: 1, wantOther: 1, wantRetries: 1},
		{name: "refused then the other", firstURL: "closed", other: ok, wantAttempts: 2, wantOther: 1, wantRetries: 1},
		{name: "connection cut then the other", first: func(_ int, w http.ResponseWriter, _ testRequest) {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}, other: ok, wantAttempts: 2, wantFirst: 1, wantOther: 1, wantRetries: 1},
		{name: "500 everywhere", first: answerStatus(500, "RetryableError"), other: answerStatus(503, "RetryableError"),
			wantErr: "from the test server", wantType: "RetryableError", wantAttempts: 3, wantFirst: 2, wantOther: 1, wantRetries: 2, anyOrder: true},
		{name: "400", first: answerStatus(400, "InputError"), other: ok, wantErr: "400 Bad Request: from the test server",
			wantType: "InputError", permanent: true, wantAttempts: 1, wantFirst: 1},
		{name: "401", first: answerStatus(401, "Unauthorized"), other: ok, wantErr: "refused the request (401 Unauthorized): check the token in /run/token",
			wantType: "Unauthorized", wantAttempts: 1, wantFirst: 1},
		{name: "404", first: answerStatus(404, "NotFound"), other: ok, wantErr: "404 Not Found", wantType: "NotFound", wantAttempts: 1, wantFirst: 1},
		{name: "429 then answer", first: func(n int, w http.ResponseWriter, r testRequest) {
			if n == 1 {
				writeError(w, 429, "TooManyRequests", "busy")
				return
			}
			answerOK(w, r)
		}, other: answerStatus(429, "TooManyRequests"), wantAttempts: 1, wantThrottles: 2, wantFirst: 2, wantOther: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var first *answerer
			firstURL := tc.firstURL
			if tc.first != nil {
				first = newAnswerer(t, tc.first)
				firstURL = first.URL
			}
			other := newAnswerer(t, tc.other)
			if firstURL == "closed" {
				// A refused connection: a server's port after it closed.
				s := httptest.NewServer(http.NotFoundHandler())
				s.Close()
				firstURL = s.URL
			}
			e, err := NewHTTPExecutor([]string{firstURL, other.URL}, HTTPOptions{
				Token: "s3cret", TokenFile: "/run/token", Retry: fastRetries,
				Header: http.Header{"Modal-Key": {"wk-1"}},
			})
			if err != nil {
				t.Fatal(err)
			}
			var retries []Retry
			res := e.Execute(context.Background(), req, func(r Retry) { retries = append(retries, r) })
			if tc.wantErr == "" {
				if res.Err != nil || res.Response == nil || res.Response.Stats.Chunks != 3 {
					t.Fatalf("result %+v", res)
				}
			} else {
				var je *JobError
				if !errors.As(res.Err, &je) || !strings.Contains(res.Err.Error(), tc.wantErr) || !strings.Contains(res.Err.Error(), "/d/in.nc") {
					t.Fatalf("error %v, want a JobError naming the input with %q", res.Err, tc.wantErr)
				}
				if got := ErrorType(res.Err); got != tc.wantType || isPermanent(res.Err) != tc.permanent {
					t.Errorf("error type %q permanent %v, want %q %v", got, isPermanent(res.Err), tc.wantType, tc.permanent)
				}
			}
			gotFirst := 0
			if first != nil {
				gotFirst = first.count()
			}
			callsOK := gotFirst == tc.wantFirst && other.count() == tc.wantOther
			if tc.anyOrder {
				callsOK = gotFirst+other.count() == tc.wantFirst+tc.wantOther && gotFirst > 0 && other.count() > 0
			}
			if res.Attempts != tc.wantAttempts || res.Throttles != tc.wantThrottles || !callsOK {
				t.Errorf("%d attempts, %d throttles, calls %d and %d; want %d, %d, %d and %d",
					res.Attempts, res.Throttles, gotFirst, other.count(), tc.wantAttempts, tc.wantThrottles, tc.wantFirst, tc.wantOther)
			}
			nonThrottle := 0
			for _, r := range retries {
				if !r.Throttled {
					nonThrottle++
				}
			}
			if nonThrottle != tc.wantRetries || len(retries) != tc.wantRetries+tc.wantThrottles {
				t.Errorf("retries reported: %+v", retries)
			}
			for _, a := range append(other.auth, firstAuth(first)...) {
				if a != "Bearer s3cret|wk-1" {
					t.Errorf("headers sent: %q", a)
				}
			}
		})
	}
}

func firstAuth(a *answerer) []string {
	if a == nil {
		return nil
	}
	return a.auth
}

func TestJobURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080/jobs",
		"https://x.modal.run/":           "https://x.modal.run/jobs",
		"https://x.run.app/jobs":         "https://x.run.app/jobs",
		"http://h/prefix":                "http://h/prefix/jobs",
		"ftp://h/":                       "",
		"127.0.0.1:8080":                 "",
		"http://h/jobs?x=1":              "",
		"http:///jobs":                   "",
		"https://user:pw@h.example/base": "https://user:pw@h.example/base/jobs",
	} {
		got, err := JobURL(in)
		if (want == "") != (err != nil) || got != want {
			t.Errorf("JobURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NewHTTPExecutor([]string{"http://a", "http://a/jobs"}, HTTPOptions{}); err == nil {
		t.Error("the same endpoint twice was taken")
	}
}
