package pool

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestEach(t *testing.T) {
	for _, tc := range []struct{ n, workers, wantMax int }{
		{0, 4, 0}, {1, 0, 1}, {10, 1, 1}, {10, 3, 3}, {3, 10, 3},
	} {
		var running, most atomic.Int32
		done := make([]int, tc.n)
		Each(tc.n, tc.workers, func(i int) {
			r := running.Add(1)
			for {
				m := most.Load()
				if r <= m || most.CompareAndSwap(m, r) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			done[i]++
			running.Add(-1)
		})
		for i, d := range done {
			if d != 1 {
				t.Errorf("n %d, workers %d: item %d ran %d times", tc.n, tc.workers, i, d)
			}
		}
		if int(most.Load()) > tc.wantMax {
			t.Errorf("n %d, workers %d: %d ran at once, want at most %d", tc.n, tc.workers, most.Load(), tc.wantMax)
		}
	}
}

// TestDrain: every item sent is worked on once, at most workers at once,
// and the sender is held back while every worker is busy.
func TestDrain(t *testing.T) {
	items := make(chan int)
	var running, most, sum atomic.Int32
	go func() {
		for i := range 20 {
			items <- i
		}
		close(items)
	}()
	Drain(items, 3, func(i int) {
		r := running.Add(1)
		for {
			m := most.Load()
			if r <= m || most.CompareAndSwap(m, r) {
				break
			}
		}
		time.Sleep(time.Millisecond)
		sum.Add(int32(i))
		running.Add(-1)
	})
	if sum.Load() != 190 {
		t.Errorf("sum of the items worked on %d, want 190", sum.Load())
	}
	if most.Load() > 3 {
		t.Errorf("%d ran at once, want at most 3", most.Load())
	}
}
