package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/scan"
)

// Remote inputs keep a worker waiting on round trips, not the CPU: a
// metadata scan of a small netCDF-4 object costs one GET (~20 ms from
// the same region) and about 1.2-1.7 ms of CPU. BenchmarkS3ScanMany
// (versitygw, 20 ms added per request, 10 000 objects) on 2 CPUs peaked
// at 64 workers (820 files/s; 32: 540, 128: 760, 256: 720) and with
// GOMAXPROCS=1 at 16-32 (560 and 510 files/s; 64: 440), while the heap
// grows by about 2 MiB per worker: 32 per CPU sits at the knee. The
// floor keeps a one-CPU machine busy; the ceiling keeps the request rate
// (256 workers at 20-50 ms a GET: 5 000-12 000 a second) near what S3
// serves a prefix (5 500 GETs a second) and the heap near 550 MiB.
const (
	remoteConcurrencyPerCPU = 32
	remoteConcurrencyFloor  = 32
	remoteConcurrencyCeil   = 256
)

// defaultScanConcurrency is the local executor's default: the CPUs for
// local files (parsing and the disk are the work), more for remote
// inputs (s3:// or http(s)://, or S3 listings still to run), whose scans
// mostly wait.
func defaultScanConcurrency(known []string, listings bool) int {
	remote := listings
	for _, in := range known {
		remote = remote || blob.IsRemote(in)
	}
	if remote {
		return min(max(remoteConcurrencyFloor, remoteConcurrencyPerCPU*runtime.NumCPU()), remoteConcurrencyCeil)
	}
	return runtime.NumCPU()
}

// testHookScanRecorded, when set by a test, sees each outcome once the
// manifest log holds it (to interrupt a run after so many).
var testHookScanRecorded func(fanout.JobResult)

// scanOutcome is how the run of the jobs ended.
type scanOutcome struct {
	// err stopped the inputs' listing (nothing more was sent), or
	// recording an outcome in the manifest.
	err error
	// unfinished counts the jobs cut short by the run's cancellation:
	// not outcomes, they are left out of the manifest.
	unfinished int
}

// run sends the inputs to the executor as they are known or listed
// (feed) and records each outcome in log as it comes.
func (p *scanPlan) run(ctx context.Context, ex fanout.Executor, progress *progressView, log *fanout.ManifestLog) scanOutcome {
	var o scanOutcome
	reqs := make(chan fanout.Request)
	feedCtx, stopFeed := context.WithCancelCause(ctx)
	defer stopFeed(nil)
	fed := make(chan error, 1)
	go func() {
		fed <- p.feed(feedCtx, reqs)
		close(reqs)
	}()
	keep := context.WithoutCancel(ctx)
	fanout.RunStream(ctx, ex, reqs, p.exec.concurrency, progress.job, func(r fanout.JobResult) {
		if r.Err != nil && ctx.Err() != nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
			o.unfinished++
			return
		}
		if err := log.Add(keep, r); err != nil && o.err == nil {
			o.err = err
			stopFeed(err)
		}
		if testHookScanRecorded != nil {
			testHookScanRecorded(r)
		}
	})
	if err := <-fed; err != nil && o.err == nil && ctx.Err() == nil {
		o.err = expandError(err)
	}
	return o
}

// feed sends a request for each input, the known ones first, then those
// of each S3 listing as its pages come (an input two arguments name is
// scanned once). A listed input's sidecar is named (and, in a local
// directory, its directory made) as it comes. feed stops at the first
// listing error, sidecar clash or cancellation.
func (p *scanPlan) feed(ctx context.Context, reqs chan<- fanout.Request) error {
	send := func(o blob.Object, out string) error {
		req := sourcedRequest{Request: scan.Request{Input: o.URL, Output: out, InlineThreshold: p.inlineThreshold, OnUnsupported: p.policy,
			TargetPrefix: p.targetPrefix, Templates: p.templates}, source: fanout.SourceOf(o)}
		select {
		case reqs <- req:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	for _, o := range p.known {
		if err := send(o, p.outputs[o.URL]); err != nil {
			return err
		}
	}
	if len(p.lazy) == 0 {
		return nil
	}
	// What a listing needs to remember of the inputs it sent: which
	// (against duplicates) and their sidecars (against clashes, in
	// p.namer), a few dozen bytes each, and the directories made.
	seen := map[string]bool{}
	for _, in := range p.inputs {
		seen[in] = true
	}
	made := map[string]bool{}
	for _, l := range p.lazy {
		err := l.Each(ctx, func(o blob.Object) error {
			if seen[o.URL] {
				return nil
			}
			seen[o.URL] = true
			out, err := p.namer.name(o.URL, l.Root)
			if err != nil {
				return err
			}
			if d := filepath.Dir(out); !blob.IsS3(out) && !made[d] {
				if err := os.MkdirAll(d, 0o755); err != nil {
					return fmt.Errorf("-o %s: %w", p.dir, err)
				}
				made[d] = true
			}
			return send(o, out)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// sourcedRequest is a scan request with the version of its input the
// listing gave, for the manifest and --resume.
type sourcedRequest struct {
	scan.Request
	source *fanout.Source
}

// sourcedExecutor runs scan's requests on an executor: the job of an
// input done holds is skipped when its sidecar is there and its source
// has not changed (--resume), and each outcome carries its input's
// version.
type sourcedExecutor struct {
	fanout.Executor
	done map[string]fanout.ManifestOutput // the outputs an earlier run recorded (--resume); read only
}

func (e sourcedExecutor) Execute(ctx context.Context, req fanout.Request, onRetry func(fanout.Retry)) fanout.JobResult {
	sr, ok := req.(sourcedRequest)
	if !ok {
		return e.Executor.Execute(ctx, req, onRetry)
	}
	if o, ok := e.done[sr.Input]; ok && o.Output == sr.Output && o.Source.Same(sr.source) {
		if there, err := blob.Exists(ctx, o.Output); err == nil && there {
			return o.Result()
		}
	}
	res := e.Executor.Execute(ctx, sr.Request, onRetry)
	res.Source = sr.source
	return res
}

// resumable reads, for --resume, the manifest an earlier run left in
// the output directory (finished or not): the outputs it records, which
// the log carries until this run reaches their inputs.
func (p *scanPlan) resumable(ctx context.Context, stderr io.Writer, log *fanout.ManifestLog) (map[string]fanout.ManifestOutput, error) {
	if !p.resume {
		return nil, nil
	}
	m, err := fanout.ReadManifestURL(ctx, log.URL)
	if errors.Is(err, fs.ErrNotExist) {
		if !p.quiet {
			fmt.Fprintf(stderr, "note: --resume: no %s in %s, every input is scanned\n", fanout.ManifestName, p.dir)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	done := make(map[string]fanout.ManifestOutput, len(m.Outputs))
	for _, o := range m.Outputs {
		done[o.Input] = o
	}
	log.Carry(m.Outputs)
	return done, nil
}

// stopped ends a run that was interrupted or whose listing failed: the
// manifest, still marked in progress, names the inputs finished, and
// the error says how to go on. Sidecars of earlier runs are left alone.
func (p *scanPlan) stopped(ctx context.Context, stderr io.Writer, log *fanout.ManifestLog, o scanOutcome) error {
	m, werr := log.Write(ctx, false)
	cause := o.err
	if cause == nil {
		cause = errors.New("interrupted")
	}
	if werr != nil {
		return fmt.Errorf("%w; and the manifest could not be written: %w", cause, werr)
	}
	if p.dir == "" {
		return cause
	}
	fmt.Fprintf(stderr, "stopped: %s done (%d failed), %s cut short; %s says which: scan again with --resume to scan only the rest\n",
		plural(m.Succeeded+m.Failed, "input"), m.Failed, plural(o.unfinished, "job"), log.URL)
	return cause
}
