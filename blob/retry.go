package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/aws/smithy-go"

	"gokerchunk/internal/backoff"
)

// StatusError is an HTTP answer other than the one asked for.
type StatusError struct {
	URL    string
	Code   int
	Status string
	// RetryAfter is the server's Retry-After, 0 when it gave none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %s", e.URL, e.Status)
}

// HTTPStatusCode is what the AWS SDK's response errors also offer, so one
// test tells both apart.
func (e *StatusError) HTTPStatusCode() int { return e.Code }

// errTruncated marks a response body shorter than its headers promised
// (the connection was cut): the request is worth repeating.
var errTruncated = errors.New("response body ended early")

// retryable tells failures worth another attempt: throttling (429, S3's
// SlowDown), server errors (5xx but 501), cut connections and truncated
// bodies, and an attempt's own timeout. The caller has already checked
// that its context is still alive.
func retryable(err error) bool {
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) {
		switch code := sc.HTTPStatusCode(); {
		case code == 429, code >= 500 && code != 501:
			return true
		case code >= 400:
			// S3 sends some transient conditions with a 400.
			var api smithy.APIError
			if errors.As(err, &api) {
				switch api.ErrorCode() {
				case "RequestTimeout", "SlowDown", "Throttling", "ThrottlingException", "RequestThrottled", "InternalError":
					return true
				}
			}
			return false
		}
	}
	var ne net.Error
	switch {
	case errors.Is(err, errTruncated), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &ne) && ne.Timeout():
		return true
	}
	return false
}

// retryPolicy repeats failed requests with exponential backoff and jitter
// (backoff.Policy).
type retryPolicy struct {
	attempts  int
	base, max time.Duration
	// timeout bounds one attempt (plus a second per MiB it transfers).
	timeout time.Duration
}

func (c Config) retryPolicy() retryPolicy {
	return retryPolicy{attempts: c.MaxAttempts, base: c.RetryBaseDelay, max: c.RetryMaxDelay, timeout: c.AttemptTimeout}
}

// do runs attempt until it succeeds, fails for good or runs out of
// attempts; n is the bytes the attempt will transfer (for its timeout).
// Every attempt counts as a request, and as a round trip when a caller
// waits for it (waited), every repeat as a retry. The error of the last
// attempt is returned, with the attempts made when there were several.
func (p retryPolicy) do(ctx context.Context, c counters, n int64, waited bool, attempt func(ctx context.Context) error) error {
	for i := 1; ; i++ {
		c.request()
		if waited {
			c.roundTrip()
		}
		actx, cancel := context.WithTimeout(ctx, p.timeout+time.Duration(n>>20)*time.Second)
		err := attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err
		}
		if !retryable(err) || i >= p.attempts {
			if i > 1 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, i)
			}
			return err
		}
		c.retry()
		if err := backoff.Sleep(ctx, p.delay(i, err)); err != nil {
			return err
		}
	}
}

// delay is the wait before attempt i+1 after err: the backoff, at least
// what the server asked for with Retry-After (bounded by max).
func (p retryPolicy) delay(i int, err error) time.Duration {
	var retryAfter time.Duration
	var se *StatusError
	if errors.As(err, &se) {
		retryAfter = se.RetryAfter
	}
	return backoff.Policy{BaseDelay: p.base, MaxDelay: p.max}.Delay(i, retryAfter)
}
