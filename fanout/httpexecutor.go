package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// HTTPExecutor runs each request as one POST to a `gokerchunk serve`
// endpoint (HTTPServer), spreading requests over its endpoints: each goes
// to the endpoint with the fewest requests in flight (round-robin among
// equals), skipping endpoints that recently failed while others are up. A
// failed connection, a 5xx answer or a lost response is retried on
// another endpoint under the RetryPolicy, as the Lambda executor retries;
// 429 is a throttle; 400 (InputError) and 401/403 are not retried.
type HTTPExecutor struct {
	client *http.Client
	opts   HTTPOptions

	mu        sync.Mutex
	endpoints []*endpoint
	next      int // where the round-robin scan for the least loaded starts
	now       func() time.Time
}

// HTTPOptions configure an HTTPExecutor.
type HTTPOptions struct {
	// Token, when not empty, is sent as "Authorization: Bearer Token";
	// TokenFile is where it came from, named when an endpoint refuses it.
	Token     string
	TokenFile string
	// Header holds further headers for every request (a proxy's
	// authentication, such as Modal's Modal-Key and Modal-Secret).
	Header http.Header
	Retry  RetryPolicy
	// Client makes the requests; nil for one without a total timeout (a
	// job may take minutes) that gives up connecting after 10 s.
	Client *http.Client
}

// endpoint is one server's job URL and what the executor knows of it.
type endpoint struct {
	url      string
	inFlight int
	// failures counts its consecutive failures (connections, 5xx); while
	// down is in the future, requests go elsewhere if they can.
	failures int
	down     time.Time
}

// NewHTTPExecutor returns an executor over the servers at endpoints:
// http(s) base URLs, to which JobsPath is added unless the path already
// ends with it.
func NewHTTPExecutor(endpoints []string, opts HTTPOptions) (*HTTPExecutor, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("no endpoint")
	}
	e := &HTTPExecutor{client: opts.Client, opts: opts, now: time.Now}
	if e.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		e.client = &http.Client{Transport: tr}
	}
	seen := map[string]bool{}
	for _, raw := range endpoints {
		u, err := JobURL(raw)
		if err != nil {
			return nil, err
		}
		if seen[u] {
			return nil, fmt.Errorf("endpoint %s given twice", raw)
		}
		seen[u] = true
		e.endpoints = append(e.endpoints, &endpoint{url: u})
	}
	return e, nil
}

// JobURL is the URL jobs are posted to on the server at base.
func JobURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("endpoint %q: want an http:// or https:// URL", base)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("endpoint %q: a URL without query or fragment", base)
	}
	if !strings.HasSuffix(u.Path, JobsPath) {
		u.Path = strings.TrimSuffix(u.Path, "/") + JobsPath
	}
	return u.String(), nil
}

func (*HTTPExecutor) Name() string { return "http" }

// Endpoints are the job URLs, in the order given.
func (e *HTTPExecutor) Endpoints() []string {
	out := make([]string, len(e.endpoints))
	for i, ep := range e.endpoints {
		out[i] = ep.url
	}
	return out
}

// EndpointError is an endpoint's answer other than a job's result, or
// the failure to get one.
type EndpointError struct {
	Endpoint string
	// Status is the HTTP status; 0 when no answer came (connection
	// refused or lost, a body cut short).
	Status int
	// Err is the error payload the server sent (a *FunctionError), the
	// start of another body, or the transport's error.
	Err error
	// TokenFile is named in the message of a 401 or 403.
	TokenFile string
}

func (e *EndpointError) Error() string {
	switch {
	case e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden:
		tok := "no token was sent (give the server's token with --token-file)"
		if e.TokenFile != "" {
			tok = "check the token in " + e.TokenFile + " against the server's --token-file"
		}
		return fmt.Sprintf("endpoint %s refused the request (%d %s): %s; %v", e.Endpoint, e.Status, http.StatusText(e.Status), tok, e.Err)
	case e.Status != 0:
		return fmt.Sprintf("endpoint %s answered %d %s: %v", e.Endpoint, e.Status, http.StatusText(e.Status), e.Err)
	}
	return fmt.Sprintf("endpoint %s: %v", e.Endpoint, e.Err)
}

func (e *EndpointError) Unwrap() error { return e.Err }

// classify says what a failed call means; input names the job's input in
// a final 400.
func classify(err error, input string) (outcome, error) {
	var ee *EndpointError
	if !errors.As(err, &ee) {
		return failFinal, err
	}
	switch s := ee.Status; {
	case s == 0 || s >= 500:
		return failRetryable, err
	case s == http.StatusTooManyRequests:
		return failThrottled, err
	case s == http.StatusBadRequest:
		return failFinal, &InputError{Input: input, Err: err}
	}
	return failFinal, err
}

func (e *HTTPExecutor) Execute(ctx context.Context, req Request, onRetry func(Retry)) JobResult {
	input, _ := req.Target()
	tried := map[int]bool{} // the endpoints that failed this job: a retry goes elsewhere
	return runJob(ctx, req, e.opts.Retry, onRetry, func(ctx context.Context, payload []byte) (*Response, outcome, time.Duration, error) {
		i := e.acquire(tried)
		resp, retryAfter, err := e.post(ctx, e.endpoints[i].url, payload)
		kind, err := e.release(i, err, input)
		if err != nil && kind == failRetryable {
			tried[i] = true
		}
		return resp, kind, retryAfter, err
	})
}

// acquire picks the endpoint for the next call and counts it in flight:
// among the endpoints not in tried (all of them once every one failed),
// those up before those down, the fewest in flight, the round-robin order
// breaking ties; when all are down, the one up again first.
func (e *HTTPExecutor) acquire(tried map[int]bool) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(tried) >= len(e.endpoints) {
		tried = nil
	}
	now := e.now()
	best, bestUp := -1, false
	for k := range e.endpoints {
		i := (e.next + k) % len(e.endpoints)
		if tried[i] {
			continue
		}
		ep := e.endpoints[i]
		up := !ep.down.After(now)
		switch {
		case best < 0,
			up && !bestUp,
			up && bestUp && ep.inFlight < e.endpoints[best].inFlight,
			!up && !bestUp && ep.down.Before(e.endpoints[best].down):
			best, bestUp = i, up
		}
	}
	e.endpoints[best].inFlight++
	e.next = (best + 1) % len(e.endpoints)
	return best
}

// release ends a call to endpoint i: it classifies err and marks the
// endpoint down after a failure (for the retry policy's delay, longer
// with each consecutive one) or up after an answer.
func (e *HTTPExecutor) release(i int, err error, input string) (outcome, error) {
	kind := failFinal
	if err != nil {
		kind, err = classify(err, input)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	ep := e.endpoints[i]
	ep.inFlight--
	switch {
	case kind == failRetryable:
		ep.failures++
		ep.down = e.now().Add(e.opts.Retry.withDefaults().Delay(ep.failures))
	case kind != failThrottled:
		ep.failures, ep.down = 0, time.Time{}
	}
	return kind, err
}

// post makes one call. A 429's Retry-After (seconds) is returned as the
// floor of the wait before the retry.
func (e *HTTPExecutor) post(ctx context.Context, u string, payload []byte) (*Response, time.Duration, error) {
	fail := func(status int, err error) (*Response, time.Duration, error) {
		return nil, 0, &EndpointError{Endpoint: u, Status: status, Err: err, TokenFile: e.opts.TokenFile}
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return fail(0, err)
	}
	for k, vs := range e.opts.Header {
		for _, v := range vs {
			hreq.Header.Add(k, v)
		}
	}
	hreq.Header.Set("Content-Type", "application/json")
	if e.opts.Token != "" {
		hreq.Header.Set("Authorization", "Bearer "+e.opts.Token)
	}
	hresp, err := e.client.Do(hreq)
	if err != nil {
		return fail(0, err)
	}
	defer hresp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hresp.Body, maxResponseSize+1))
	if err != nil {
		return fail(0, fmt.Errorf("reading the answer: %w", err))
	}
	if len(body) > maxResponseSize {
		return fail(hresp.StatusCode, fmt.Errorf("an answer of more than %d bytes", maxResponseSize))
	}
	if hresp.StatusCode != http.StatusOK {
		var retryAfter time.Duration
		if s, err := strconv.Atoi(hresp.Header.Get("Retry-After")); err == nil && s > 0 {
			retryAfter = time.Duration(s) * time.Second
		}
		r, _, err := fail(hresp.StatusCode, serverAnswerError(body))
		return r, retryAfter, err
	}
	var resp Response
	if err := json.Unmarshal(body, &resp); err != nil {
		// Not a server of ours, or an answer cut short: another may do.
		return fail(0, fmt.Errorf("an answer that is not a job's response: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		return fail(resp.StatusCode, errors.New(resp.Body))
	}
	return &resp, 0, nil
}

// serverAnswerError is the error a serve answer's body holds: the server's error
// payload, or the start of whatever else came (a proxy's page).
func serverAnswerError(body []byte) error {
	var p struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal(body, &p) == nil && p.Message != "" {
		return &FunctionError{Type: p.Type, Message: p.Message}
	}
	const limit = 300
	s := strings.TrimSpace(string(body))
	if len(s) > limit {
		s = s[:limit] + "..."
	}
	if s == "" {
		s = "an empty body"
	}
	return errors.New(s)
}
