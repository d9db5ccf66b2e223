package fanout

import (
	"context"
	"io"
	"sync"
	"time"

	"gokerchunk/internal/pool"
)

// Executor runs one scan request to its end (with whatever retries it
// makes) and reports the outcome. RunJobs calls it concurrently.
type Executor interface {
	// Name is how summaries and manifests call it: "local" or "lambda".
	Name() string
	// Execute runs req. onRetry, when not nil, is told of each retry
	// before the executor waits for it.
	Execute(ctx context.Context, req Request, onRetry func(Retry)) JobResult
}

// JobResult is one input's outcome.
type JobResult struct {
	Input  string
	Output string
	// Response is the scan's report; nil when Err is set.
	Response *Response
	Err      error
	// Attempts counts the runs of the job that reached a worker or the
	// function (a refused, throttled call is not one); Throttles the calls
	// refused because the function's concurrency was exhausted.
	Attempts  int
	Throttles int
	// Seconds is the wall time from the first attempt to the outcome,
	// waits between retries included.
	Seconds float64
}

// Retry describes a retry about to be made.
type Retry struct {
	Input string
	// Attempt is the attempt that failed (1 for the first); for a throttle
	// it is the attempt that will be retried.
	Attempt   int
	Throttled bool
	Err       error
	Delay     time.Duration
}

// Progress is the state of a run, given to the progress callback after
// every finished job and every retry.
type Progress struct {
	Total, Done, Failed int
	Retries, Throttles  int
	// Retry is the retry this call reports; nil after a finished job.
	Retry *Retry
}

// RunJobs runs every request on ex with at most concurrency at once (at
// least one) and returns the results in request order. progress, when not
// nil, is called after each finished job and each retry; calls are
// serialised. Requests not started when ctx is cancelled fail with its
// error.
func RunJobs(ctx context.Context, ex Executor, reqs []Request, concurrency int, progress func(Progress)) []JobResult {
	var mu sync.Mutex
	p := Progress{Total: len(reqs)}
	report := func(update func(*Progress)) {
		mu.Lock()
		defer mu.Unlock()
		p.Retry = nil
		update(&p)
		if progress != nil {
			progress(p)
		}
	}
	onRetry := func(r Retry) {
		report(func(p *Progress) {
			p.Retry = &r
			if r.Throttled {
				p.Throttles++
			} else {
				p.Retries++
			}
		})
	}
	results := make([]JobResult, len(reqs))
	pool.Each(len(reqs), concurrency, func(i int) {
		in, out := reqs[i].Target()
		res := JobResult{Input: in, Output: out}
		if err := ctx.Err(); err != nil {
			res.Err = err
		} else {
			res = ex.Execute(ctx, reqs[i], onRetry)
		}
		results[i] = res
		report(func(p *Progress) {
			p.Done++
			if res.Err != nil {
				p.Failed++
			}
		})
	})
	return results
}

// LocalExecutor scans in this process: one attempt per input (a local
// failure would repeat), panics turned into the input's error.
type LocalExecutor struct {
	// Stdout receives a sidecar whose Output is "-".
	Stdout io.Writer
}

func (LocalExecutor) Name() string { return "local" }

func (l LocalExecutor) Execute(ctx context.Context, req Request, _ func(Retry)) JobResult {
	start := time.Now()
	in, out := req.Target()
	res := JobResult{Input: in, Output: out, Attempts: 1}
	res.Response, res.Err = safeCall(ctx, in, func(ctx context.Context, _ string) (*Response, error) {
		return req.Run(ctx, l.Stdout)
	})
	res.Seconds = time.Since(start).Seconds()
	return res
}
