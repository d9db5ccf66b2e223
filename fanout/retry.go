package fanout

import (
	"time"

	"gokerchunk/internal/backoff"
)

// RetryPolicy bounds the Lambda executor's retries of one input.
type RetryPolicy struct {
	// MaxAttempts is how many times the function may run for one input:
	// function errors other than InputError, 5xx answers and failed
	// connections are retried until then (default 3).
	MaxAttempts int
	// MaxThrottles is how many calls refused for lack of concurrency
	// (TooManyRequestsException, 429) one input may meet before it fails
	// (default 20). They are counted apart: the function did not run.
	MaxThrottles int
	// BaseDelay is the wait before the first retry (default 200 ms); each
	// further retry doubles it, up to MaxDelay (default 20 s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// DefaultRetryPolicy is what the CLI uses.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, MaxThrottles: 20, BaseDelay: 200 * time.Millisecond, MaxDelay: 20 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy
	if p.MaxAttempts > 0 {
		d.MaxAttempts = p.MaxAttempts
	}
	if p.MaxThrottles > 0 {
		d.MaxThrottles = p.MaxThrottles
	}
	if p.BaseDelay > 0 {
		d.BaseDelay = p.BaseDelay
	}
	if p.MaxDelay > 0 {
		d.MaxDelay = p.MaxDelay
	}
	d.MaxDelay = max(d.MaxDelay, d.BaseDelay)
	return d
}

// Delay is the wait before retry n (1 for the first): BaseDelay·2^(n-1),
// capped at MaxDelay, with "equal jitter" (backoff.Policy).
func (p RetryPolicy) Delay(n int) time.Duration {
	p = p.withDefaults()
	return backoff.Policy{BaseDelay: p.BaseDelay, MaxDelay: p.MaxDelay}.Delay(n, 0)
}
