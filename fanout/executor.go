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
	// Source is the version of the input the job read, as its listing
	// told it (nil when not known); the manifest records it for
	// scan --resume. Resumed marks an outcome an earlier run recorded,
	// kept without running the job.
	Source  *Source
	Resumed bool
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
	// Total counts the requests; while Listing (RunStream's requests
	// still coming), those received so far.
	Total, Done, Failed int
	Listing             bool
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
	r := newRun(ex, progress)
	r.p.Total = len(reqs)
	results := make([]JobResult, len(reqs))
	pool.Each(len(reqs), concurrency, func(i int) {
		results[i] = r.execute(ctx, reqs[i], nil)
	})
	return results
}

// RunStream runs the requests received from reqs, at most concurrency at
// once (at least one), until reqs is closed, and gives each result to
// done as the job finishes (calls to done and progress are serialised).
// Requests are taken only as workers come free, so a sender producing
// them from a listing is held back and memory stays bounded by the
// workers, not the inputs. progress, when not nil, is called after each
// finished job and each retry, as each request is received, and after
// the last one (Progress.Listing then false). Requests received once ctx is cancelled fail with
// its error without running; the sender should stop sending then.
func RunStream(ctx context.Context, ex Executor, reqs <-chan Request, concurrency int, progress func(Progress), done func(JobResult)) {
	r := newRun(ex, progress)
	r.p.Listing = true
	counted := make(chan Request)
	go func() {
		for req := range reqs {
			r.report(func(p *Progress) { p.Total++ })
			counted <- req
		}
		r.report(func(p *Progress) { p.Listing = false })
		close(counted)
	}()
	pool.Drain(counted, concurrency, func(req Request) {
		r.execute(ctx, req, done)
	})
}

// run is one RunJobs or RunStream: the executor and the progress so far.
type run struct {
	ex       Executor
	mu       sync.Mutex
	p        Progress
	progress func(Progress)
}

func newRun(ex Executor, progress func(Progress)) *run {
	return &run{ex: ex, progress: progress}
}

// report applies update to the progress and calls the callback, under
// the lock.
func (r *run) report(update func(*Progress)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.Retry = nil
	update(&r.p)
	if r.progress != nil {
		r.progress(r.p)
	}
}

func (r *run) onRetry(rt Retry) {
	r.report(func(p *Progress) {
		p.Retry = &rt
		if rt.Throttled {
			p.Throttles++
		} else {
			p.Retries++
		}
	})
}

// execute runs one request (unless ctx is cancelled), hands its result to
// done, when not nil, and reports progress, done and progress under one
// lock.
func (r *run) execute(ctx context.Context, req Request, done func(JobResult)) JobResult {
	in, out := req.Target()
	res := JobResult{Input: in, Output: out}
	if err := ctx.Err(); err != nil {
		res.Err = err
	} else {
		res = r.ex.Execute(ctx, req, r.onRetry)
	}
	r.report(func(p *Progress) {
		if done != nil {
			done(res)
		}
		p.Done++
		if res.Err != nil {
			p.Failed++
		}
	})
	return res
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
