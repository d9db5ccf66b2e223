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

// fakeExecutor fails inputs containing "fail", reports one retry and one
// throttle for inputs containing "retry", and records its concurrency.
type fakeExecutor struct {
	running, peak atomic.Int32
}

func (*fakeExecutor) Name() string { return "fake" }

func (f *fakeExecutor) Execute(_ context.Context, r Request, onRetry func(Retry)) JobResult {
	req := r.(testRequest)
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for p := f.peak.Load(); n > p && !f.peak.CompareAndSwap(p, n); p = f.peak.Load() {
	}
	time.Sleep(time.Millisecond)
	res := JobResult{Input: req.Input, Output: req.Output, Attempts: 1}
	if strings.Contains(req.Input, "retry") {
		onRetry(Retry{Input: req.Input, Attempt: 1, Throttled: true})
		onRetry(Retry{Input: req.Input, Attempt: 1})
		res.Attempts, res.Throttles = 2, 1
	}
	if strings.Contains(req.Input, "fail") {
		res.Err = errors.New(req.Input + ": failed")
		return res
	}
	res.Response = &Response{StatusCode: 200, Input: req.Input, Output: req.Output}
	return res
}

func TestRunJobs(t *testing.T) {
	var reqs []testRequest
	for i := range 30 {
		in := fmt.Sprintf("in%02d", i)
		switch i % 10 {
		case 3:
			in += "-fail"
		case 5:
			in += "-retry"
		}
		reqs = append(reqs, testRequest{Input: in, Output: in + ".json"})
	}
	ex := &fakeExecutor{}
	var seen []Progress
	results := RunJobs(context.Background(), ex, requests(reqs), 4, func(p Progress) { seen = append(seen, p) })
	for i, r := range results {
		if r.Input != reqs[i].Input || r.Output != reqs[i].Output {
			t.Fatalf("result %d is for %s", i, r.Input)
		}
		if fail := strings.Contains(r.Input, "fail"); fail != (r.Err != nil) {
			t.Errorf("%s: err %v", r.Input, r.Err)
		}
	}
	if p := ex.peak.Load(); p > 4 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..4", p)
	}
	last := seen[len(seen)-1]
	if want := (Progress{Total: 30, Done: 30, Failed: 3, Retries: 3, Throttles: 3}); last != want {
		t.Errorf("last progress %+v, want %+v", last, want)
	}
	// Calls are serialised, so the counts never go down.
	for i := 1; i < len(seen); i++ {
		if seen[i].Done < seen[i-1].Done || seen[i].Retries < seen[i-1].Retries {
			t.Fatalf("progress went back: %+v after %+v", seen[i], seen[i-1])
		}
	}
}

func TestRunJobsCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ex := &fakeExecutor{}
	results := RunJobs(ctx, ex, []Request{testRequest{Input: "a"}, testRequest{Input: "b"}}, 2, nil)
	for _, r := range results {
		if !errors.Is(r.Err, context.Canceled) || r.Attempts != 0 {
			t.Errorf("%s: %+v", r.Input, r)
		}
	}
	if ex.peak.Load() != 0 {
		t.Error("a job ran after cancellation")
	}
}

// requests turns test requests into the executors' requests.
func requests(reqs []testRequest) []Request {
	out := make([]Request, len(reqs))
	for i, r := range reqs {
		out[i] = r
	}
	return out
}

// TestRunStream: every request sent runs once, at most concurrency at
// once; done sees each result; and the sender is held back while the
// workers are busy, so that the first job starts, and finishes, before
// the last request is sent (no clock involved: with one worker, request
// 3 cannot be taken before job 1 is done).
func TestRunStream(t *testing.T) {
	reqs := make(chan Request)
	var sent []string
	var firstDoneAt atomic.Int32
	firstDoneAt.Store(-1)
	var sentCount atomic.Int32
	go func() {
		for i := range 20 {
			in := fmt.Sprintf("in%02d", i)
			if i == 7 {
				in += "-fail"
			}
			reqs <- testRequest{Input: in, Output: in + ".json"}
			sent = append(sent, in)
			sentCount.Add(1)
		}
		close(reqs)
	}()
	ex := &fakeExecutor{}
	got := map[string]bool{}
	var seen []Progress
	RunStream(context.Background(), ex, reqs, 1, func(p Progress) { seen = append(seen, p) }, func(r JobResult) {
		if got[r.Input] {
			t.Errorf("%s done twice", r.Input)
		}
		got[r.Input] = true
		if len(got) == 1 {
			firstDoneAt.Store(sentCount.Load())
		}
	})
	if len(got) != 20 || len(sent) != 20 {
		t.Fatalf("%d done of %d sent", len(got), len(sent))
	}
	if n := firstDoneAt.Load(); n < 0 || n >= 20 {
		t.Errorf("the first job finished once %d requests were sent, want before the last", n)
	}
	if p := ex.peak.Load(); p != 1 {
		t.Errorf("peak concurrency %d, want 1", p)
	}
	if last := seen[len(seen)-1]; last.Listing || last.Total != 20 || last.Done != 20 || last.Failed != 1 {
		t.Errorf("last progress %+v", last)
	}
	if !seen[0].Listing {
		t.Errorf("first progress %+v: the total is not known yet, want Listing", seen[0])
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Total < seen[i-1].Total || seen[i].Done < seen[i-1].Done {
			t.Fatalf("progress went back: %+v after %+v", seen[i], seen[i-1])
		}
	}
}
