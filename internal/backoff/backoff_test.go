package backoff

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	p := Policy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, want := range map[int]time.Duration{
		1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond,
		5: time.Second, 40: time.Second, 63: time.Second, 64: time.Second, 1000: time.Second,
		0: time.Second, // no retry 0: the cap
	} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.Delay(n, 0)
			if d < want/2 || d > want {
				t.Fatalf("retry %d: delay %v outside [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 50 {
			t.Errorf("retry %d: only %d distinct delays in 200: no jitter", n, len(seen))
		}
	}
	// A Retry-After above the backoff is honoured up to MaxDelay; below
	// it changes nothing.
	for _, tc := range []struct{ floor, min, max time.Duration }{
		{700 * time.Millisecond, 700 * time.Millisecond, 700 * time.Millisecond},
		{time.Hour, time.Second, time.Second},
		{time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond},
	} {
		if d := p.Delay(1, tc.floor); d < tc.min || d > tc.max {
			t.Errorf("Retry-After %v: delay %v, want within [%v, %v]", tc.floor, d, tc.min, tc.max)
		}
	}
	// No base: no wait.
	if d := (Policy{MaxDelay: time.Second}).Delay(3, 0); d != 0 {
		t.Errorf("zero base: delay %v", d)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), time.Millisecond); err != nil {
		t.Errorf("Sleep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Errorf("cancelled Sleep: %v after %v", err, time.Since(start))
	}
}
