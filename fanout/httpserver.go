package fanout

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The HTTP API of `gokerchunk serve`, which HTTPExecutor calls. A job is
// the body of a POST to JobsPath: the same event JSON a direct Lambda
// invocation takes (DecodeEvent), at most MaxRequestBody bytes. The
// answer is the same Response JSON (200) or the error payload a Lambda
// function returns ({"errorType": ..., "errorMessage": ...}): 400 for an
// InputError (another attempt would fail the same way), 500 for any other
// failure (another attempt may pass). GET HealthPath answers 200 without
// authentication, for platforms' health checks.
const (
	JobsPath   = "/jobs"
	HealthPath = "/healthz"
	// MaxRequestBody is the bound of a job's body: a request is a few
	// hundred bytes, and the Lambda handler decodes no more than this.
	MaxRequestBody = maxEventSize
)

// HTTPServer serves the jobs of the registry over HTTP, one job per
// request, through the Lambda function's handler: the decoding, the
// per-job log lines and the error classification are the same.
type HTTPServer struct {
	// Handler runs each job; its Log receives the job's lines.
	Handler *LambdaHandler
	// Token, when not empty, is the bearer token every job request must
	// carry (Authorization: Bearer TOKEN); it is compared in constant
	// time. Empty: no authentication.
	Token string

	requests atomic.Int64
}

// ServeHTTP routes JobsPath and HealthPath.
func (s *HTTPServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case HealthPath:
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		jobsMu.RLock()
		names := registered()
		jobsMu.RUnlock()
		json.NewEncoder(w).Encode(map[string]any{"status": "ok", "jobs": names})
	case JobsPath:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		s.serveJob(w, r)
	default:
		writeError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("no %s here: POST jobs to %s, GET %s", r.URL.Path, JobsPath, HealthPath))
	}
}

func (s *HTTPServer) serveJob(w http.ResponseWriter, r *http.Request) {
	if s.Token != "" && !s.authorized(r) {
		s.Handler.Log.Warn("refused a job without the right token", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="gokerchunk"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "missing or wrong bearer token (Authorization: Bearer TOKEN, the server's --token-file)")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRequestBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.Handler.Log.Warn("refused a job's body over the bound", "remote", r.RemoteAddr, "bound", MaxRequestBody)
			writeError(w, http.StatusRequestEntityTooLarge, errorTypeInput, fmt.Sprintf("request body over %d bytes: a job's event is a few hundred", MaxRequestBody))
			return
		}
		writeError(w, http.StatusBadRequest, errorTypeInput, "reading the request body: "+err.Error())
		return
	}
	id := r.Header.Get("X-Request-Id")
	if id == "" {
		id = "http-" + strconv.FormatInt(s.requests.Add(1), 10)
	}
	resp, err := s.handle(r.Context(), id, body)
	if err != nil {
		status := http.StatusInternalServerError
		if isPermanent(err) {
			status = http.StatusBadRequest
		}
		typ := ErrorType(err)
		if typ == "" {
			typ = "RetryableError"
		}
		writeError(w, status, typ, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// handle runs one job through the Lambda handler. A panic, which ends a
// Lambda runtime, is here the request's 500: the other requests in flight
// go on.
func (s *HTTPServer) handle(ctx context.Context, id string, body []byte) (resp *Response, err error) {
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, &FunctionError{Type: "Runtime.Panic", Message: fmt.Sprint(p)}
		}
	}()
	return s.Handler.Handle(ctx, id, body)
}

// authorized compares the request's bearer token with s.Token in constant
// time; hashing both first hides the token's length too.
func (s *HTTPServer) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	a, b := sha256.Sum256([]byte(strings.TrimSpace(got))), sha256.Sum256([]byte(s.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "allowed: "+allow)
}

// writeError answers with the error payload a Lambda function returns.
func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"errorType": typ, "errorMessage": msg})
}

// Serve serves h on ln until ctx is done, then stops accepting and gives
// the requests in flight grace to finish; those still running after it
// are cut (their jobs see a cancelled context, the client a lost
// connection, which it retries). log, when not nil, is told of the
// shutdown.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	if log != nil {
		log.Info("shutting down: finishing the jobs in flight", "grace", grace.String())
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		srv.Close()
		err = fmt.Errorf("jobs still running after the %v grace period were cut: %w", grace, err)
	}
	<-done
	return err
}
