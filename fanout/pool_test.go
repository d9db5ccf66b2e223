package fanout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunOrderConcurrencyAndErrors(t *testing.T) {
	inputs := make([]string, 50)
	for i := range inputs {
		inputs[i] = fmt.Sprint(i)
	}
	var running, peak atomic.Int32
	job := func(ctx context.Context, in string) (int, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		running.Add(-1)
		var v int
		fmt.Sscan(in, &v)
		if v%7 == 0 {
			return 0, fmt.Errorf("input %s failed", in)
		}
		return v * 2, nil
	}
	var calls []int
	out := Run(context.Background(), inputs, 4, job, func(done int) { calls = append(calls, done) })
	if len(out) != len(inputs) {
		t.Fatalf("%d outcomes for %d inputs", len(out), len(inputs))
	}
	for i, o := range out {
		if o.Input != inputs[i] {
			t.Fatalf("outcome %d is for %s", i, o.Input)
		}
		if i%7 == 0 {
			if o.Err == nil {
				t.Errorf("input %d: no error", i)
			}
		} else if o.Err != nil || o.Result != 2*i {
			t.Errorf("input %d: %v, %v", i, o.Result, o.Err)
		}
	}
	if p := peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..4", p)
	}
	for i, c := range calls {
		if c != i+1 {
			t.Fatalf("progress calls %v are not 1..n in order", calls)
		}
	}
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var ran atomic.Int32
	out := Run(ctx, []string{"a", "b", "c"}, 2, func(context.Context, string) (struct{}, error) {
		ran.Add(1)
		return struct{}{}, nil
	}, nil)
	for _, o := range out {
		if !errors.Is(o.Err, context.Canceled) {
			t.Errorf("%s: err %v, want context.Canceled", o.Input, o.Err)
		}
	}
	if ran.Load() != 0 {
		t.Errorf("%d jobs ran after cancellation", ran.Load())
	}
}

func TestRunRecoversPanics(t *testing.T) {
	out := Run(context.Background(), []string{"ok", "boom"}, 2, func(_ context.Context, in string) (string, error) {
		if in == "boom" {
			var m map[string]int
			//lint:ignore SA5000 the panic is the point of the test
			m["x"]++ // a nil map write, as a scanner bug would panic
		}
		return in, nil
	}, nil)
	if out[0].Err != nil || out[0].Result != "ok" {
		t.Errorf("ok input: %v, %v", out[0].Result, out[0].Err)
	}
	if out[1].Err == nil || !strings.Contains(out[1].Err.Error(), "boom: internal error") {
		t.Errorf("panicking input: err %v", out[1].Err)
	}
}
