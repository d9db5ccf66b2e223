package s3test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"gokerchunk/internal/backoff"
)

// Fault is what Transport does to one request.
type Fault int

const (
	Pass        Fault = iota // send it unchanged
	ServerError              // answer 500 InternalError without sending it
	SlowDown                 // answer 503 SlowDown (S3's throttling)
	TooMany                  // answer 429 Too Many Requests
	Reset                    // fail with a connection reset, without an answer
	Truncate                 // send it, then cut the response body in half
)

func (f Fault) String() string {
	return [...]string{"pass", "500", "503 SlowDown", "429", "reset", "truncate"}[f]
}

// Transport is an http.RoundTripper between a client and a server that
// adds latency, injects faults and counts requests, for tests of retries
// and for counting round trips in benchmarks.
type Transport struct {
	// Base sends the requests; nil means a transport like
	// http.DefaultTransport that keeps more idle connections per host.
	Base http.RoundTripper
	// Latency is added to every request before it is sent.
	Latency time.Duration
	// Fault, when set, chooses the fault for the n-th request (from 1).
	Fault func(n int, req *http.Request) Fault

	mu       sync.Mutex
	n        int
	inflight int
	rounds   int
	byMethod map[string]int
	faults   int
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.n++
	n := t.n
	if t.inflight == 0 {
		t.rounds++
	}
	t.inflight++
	if t.byMethod == nil {
		t.byMethod = map[string]int{}
	}
	t.byMethod[req.Method]++
	fault := Pass
	if t.Fault != nil {
		fault = t.Fault(n, req)
	}
	if fault != Pass {
		t.faults++
	}
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.inflight--
		t.mu.Unlock()
	}()

	if t.Latency > 0 {
		if err := backoff.Sleep(req.Context(), t.Latency); err != nil {
			return nil, err
		}
	}
	switch fault {
	case ServerError:
		return errorResponse(req, http.StatusInternalServerError, "InternalError", "injected server error"), nil
	case SlowDown:
		return errorResponse(req, http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate."), nil
	case TooMany:
		return errorResponse(req, http.StatusTooManyRequests, "TooManyRequests", "injected throttling"), nil
	case Reset:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	}
	base := t.Base
	if base == nil {
		base = defaultBase
	}
	resp, err := base.RoundTrip(req)
	if err != nil || fault != Truncate || resp.ContentLength < 2 {
		return resp, err
	}
	resp.Body = &cutBody{r: io.LimitReader(resp.Body, resp.ContentLength/2), c: resp.Body}
	return resp, nil
}

var defaultBase = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}()

// Requests is the number of requests seen.
func (t *Transport) Requests() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n
}

// Method is the number of requests seen with one method.
func (t *Transport) Method(m string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byMethod[m]
}

// Faults is the number of requests a fault was injected into.
func (t *Transport) Faults() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.faults
}

// Rounds is the number of sequential round trips: requests that started
// while no other was in flight (concurrent ones ride on the same round).
func (t *Transport) Rounds() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.rounds
}

// ResetCounts zeroes the counters.
func (t *Transport) ResetCounts() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n, t.rounds, t.faults, t.byMethod = 0, 0, 0, nil
}

// errorResponse is an S3-style error answer.
func errorResponse(req *http.Request, code int, s3code, msg string) *http.Response {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>%s</Code><Message>%s</Message><RequestId>injected</RequestId></Error>`, s3code, msg)
	if req.Method == http.MethodHead {
		body = ""
	}
	if req.Body != nil {
		req.Body.Close()
	}
	h := http.Header{}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", code, http.StatusText(code)),
		StatusCode:    code,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// cutBody ends a body early with the error a cut connection gives.
type cutBody struct {
	r io.Reader
	c io.Closer
}

func (b *cutBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *cutBody) Close() error { return b.c.Close() }
