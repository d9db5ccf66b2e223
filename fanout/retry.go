package fanout

import (
	"context"
	"time"

	"gokerchunk/internal/backoff"
)

// RetryPolicy bounds the remote executors' retries of one input (Lambda,
// HTTP servers).
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

// outcome classifies a failed call for the retry loop.
type outcome int

const (
	failFinal     outcome = iota // not retried
	failRetryable                // retried, counted as an attempt
	failThrottled                // retried, counted apart (the job did not run)
)

// tryFunc makes one call of a job with its encoded request: the response,
// or how the call failed (the outcome of a success is ignored) and, for a
// throttle, the least wait its answer asked for.
type tryFunc func(ctx context.Context, payload []byte) (*Response, outcome, time.Duration, error)

// runJob is the one retry loop of the remote executors: it encodes req
// and calls try until a call answers, fails for good, or the policy's
// attempts (or throttles, counted apart) run out, waiting between calls
// with backoff (a throttle's wait at least what its answer asked for);
// onRetry, when not nil, sees each retry.
func runJob(ctx context.Context, req Request, policy RetryPolicy, onRetry func(Retry), try tryFunc) (res JobResult) {
	start := time.Now()
	input, output := req.Target()
	res = JobResult{Input: input, Output: output}
	defer func() { res.Seconds = time.Since(start).Seconds() }()
	payload, err := EncodeRequest(req)
	if err != nil {
		res.Err = &JobError{Input: input, Err: err}
		return res
	}
	policy = policy.withDefaults()
	for {
		resp, kind, retryAfter, err := try(ctx, payload)
		throttled := err != nil && kind == failThrottled
		if throttled {
			res.Throttles++
		} else {
			res.Attempts++
		}
		if err == nil {
			res.Response = resp
			return res
		}
		n, retry := res.Attempts, kind == failRetryable && res.Attempts < policy.MaxAttempts
		if throttled {
			n, retry = res.Throttles, res.Throttles < policy.MaxThrottles
		}
		if !retry || ctx.Err() != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			}
			res.Err = &JobError{Input: input, Err: err}
			return res
		}
		d := backoff.Policy{BaseDelay: policy.BaseDelay, MaxDelay: policy.MaxDelay}.Delay(n, retryAfter)
		if onRetry != nil {
			onRetry(Retry{Input: input, Attempt: res.Attempts, Throttled: throttled, Err: err, Delay: d})
		}
		if err := backoff.Sleep(ctx, d); err != nil {
			res.Err = &JobError{Input: input, Err: err}
			return res
		}
	}
}
