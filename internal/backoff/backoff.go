// Package backoff is the one wait between retries: exponential, capped,
// with "equal jitter", at least what a server asked for; and the one
// sleep that a cancelled context cuts short. blob's request retries, the
// Lambda executor's and the S3 test transport's latency use it.
package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy is how long to wait before each retry.
type Policy struct {
	// BaseDelay is the wait before the first retry; each further retry
	// doubles it, up to MaxDelay.
	BaseDelay time.Duration
	MaxDelay  time.Duration
}

// Delay is the wait before retry n (1 for the first): BaseDelay·2^(n-1),
// capped at MaxDelay, of which half is fixed and half drawn at random
// ("equal jitter"), so that callers throttled together do not all come
// back together while each still backs off at least half as much as the
// exponential says. It is at least floor (a server's Retry-After; 0 for
// none), itself capped at MaxDelay.
func (p Policy) Delay(n int, floor time.Duration) time.Duration {
	d := p.MaxDelay
	// BaseDelay<<(n-1) <= MaxDelay, asked without overflowing.
	if n >= 1 && n-1 < 63 && p.BaseDelay <= p.MaxDelay>>(n-1) {
		d = p.BaseDelay << (n - 1)
	}
	half := d / 2
	d = half + rand.N(d-half+1)
	if floor > d {
		d = min(floor, p.MaxDelay)
	}
	return d
}

// Sleep waits d, or until ctx is done (its error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
