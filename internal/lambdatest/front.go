// Package lambdatest runs the Lambda function for tests on real
// components: the AWS Lambda Runtime Interface Emulator (RIE) running the
// cmd/gokerchunk-lambda bootstrap, several instances behind a Front that
// answers like the Lambda Invoke API.
package lambdatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// InvokePath is the RIE's invocation path; its function name is always
// "function".
const InvokePath = "/2015-03-31/functions/function/invocations"

// maxPayload is Lambda's limit for a synchronous request and response.
const maxPayload = 6 << 20

// Front is one Lambda-like Invoke endpoint in front of RIE instances. The
// RIE serves one invocation at a time (an overlapping one crashes it) and
// never sets FunctionError; Front makes the difference:
//   - at most one call in flight per backend; when all are busy the call is
//     refused with 429 TooManyRequestsException, as Lambda refuses calls
//     beyond the function's concurrency;
//   - an error body, a 5xx from the RIE (a crashed runtime) or its "Task
//     timed out" answer become 200 with X-Amz-Function-Error: Unhandled
//     and an {"errorType", "errorMessage"} payload;
//   - a function name other than its own is 404 ResourceNotFoundException.
type Front struct {
	URL      string
	Function string

	backends []string
	free     chan int
	srv      *httptest.Server
	client   *http.Client
	opts     FrontOptions

	// Counters for tests to assert on.
	Requests       atomic.Int64 // calls received
	Invocations    atomic.Int64 // calls forwarded to a backend
	Throttles      atomic.Int64 // calls refused with 429
	FunctionErrors atomic.Int64 // answers with X-Amz-Function-Error
	Injected       atomic.Int64 // calls failed by FrontOptions.Inject

	mu          sync.Mutex
	inFlight    int
	maxInFlight int
}

// FrontOptions add faults and delays.
type FrontOptions struct {
	// Latency is added to every forwarded call while it holds its backend,
	// as the network and Lambda's own overhead would.
	Latency time.Duration
	// Inject, when not nil, is asked for every call (n counts from 1)
	// before a backend is taken: a nonzero HTTP status fails the call with
	// it as a ServiceException, as the Lambda service fails now and then.
	Inject func(n int64) int
}

// NewFront serves Function's Invoke API in front of backends (base URLs of
// RIE instances) until Close.
func NewFront(function string, backends []string, opts FrontOptions) *Front {
	f := &Front{
		Function: function,
		backends: backends,
		free:     make(chan int, len(backends)),
		client:   &http.Client{}, // the RIE enforces the function's timeout
		opts:     opts,
	}
	for i := range backends {
		f.free <- i
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2015-03-31/functions/{name}/invocations", f.invoke)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	return f
}

// Close stops the front (not the backends).
func (f *Front) Close() { f.srv.Close() }

// MaxInFlight is the most calls that were being served at once.
func (f *Front) MaxInFlight() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxInFlight
}

func (f *Front) invoke(w http.ResponseWriter, r *http.Request) {
	n := f.Requests.Add(1)
	if name := r.PathValue("name"); name != f.Function {
		apiError(w, http.StatusNotFound, "ResourceNotFoundException", "Function not found: "+name)
		return
	}
	if f.opts.Inject != nil {
		if status := f.opts.Inject(n); status != 0 {
			f.Injected.Add(1)
			apiError(w, status, "ServiceException", "injected fault")
			return
		}
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil {
		apiError(w, http.StatusBadRequest, "InvalidRequestContentException", err.Error())
		return
	}
	if len(payload) > maxPayload {
		apiError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "request payload too large")
		return
	}
	var b int
	select {
	case b = <-f.free:
	default:
		f.Throttles.Add(1)
		apiError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		return
	}
	status, body, err := f.forward(b, payload)
	if err != nil {
		apiError(w, http.StatusInternalServerError, "ServiceException", "backend: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amz-Executed-Version", "$LATEST")
	if errBody, ok := functionError(status, body); ok {
		f.FunctionErrors.Add(1)
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		body = errBody
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// forward makes the call on backend b and frees it before the answer goes
// back, so that a caller that waits for its answer before calling again
// never finds its own backend busy.
func (f *Front) forward(b int, payload []byte) (int, []byte, error) {
	defer func() { f.free <- b }()
	f.track(+1)
	defer f.track(-1)
	f.Invocations.Add(1)
	if f.opts.Latency > 0 {
		time.Sleep(f.opts.Latency)
	}
	resp, err := f.client.Post(f.backends[b]+InvokePath, "application/json", bytes.NewReader(payload))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPayload+1))
	return resp.StatusCode, body, err
}

func (f *Front) track(d int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inFlight += d
	f.maxInFlight = max(f.maxInFlight, f.inFlight)
}

// functionError tells an RIE answer that Lambda would flag as a function
// error, and gives its payload as Lambda would.
func functionError(status int, body []byte) ([]byte, bool) {
	if status == http.StatusOK && bytes.HasPrefix(body, []byte("Task timed out")) {
		return errorPayload("Sandbox.Timedout", string(body)), true
	}
	var e struct {
		Type    *string `json:"errorType"`
		Message *string `json:"errorMessage"`
	}
	isErr := json.Unmarshal(body, &e) == nil && e.Message != nil
	switch {
	case status == http.StatusOK && !isErr:
		return nil, false
	case isErr:
		return body, true
	default:
		msg := strings.TrimSpace(string(body))
		if msg == "" {
			msg = http.StatusText(status)
		}
		return errorPayload("Runtime.Unknown", fmt.Sprintf("runtime answered %d: %s", status, msg)), true
	}
}

func errorPayload(kind, msg string) []byte {
	b, _ := json.Marshal(map[string]string{"errorType": kind, "errorMessage": msg})
	return b
}

// apiError answers as the Lambda API does when it refuses a call.
func apiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	kind := "User"
	if status >= 500 {
		kind = "Service"
	}
	b, _ := json.Marshal(map[string]string{"Type": kind, "message": msg})
	w.Write(b)
}
