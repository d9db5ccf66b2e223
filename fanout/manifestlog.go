package fanout

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// ManifestLog keeps a run's manifest while the results come in, and
// rewrites it at its URL now and then (InProgress set) so that a run
// that is interrupted (SIGINT, a kill, a crash) leaves a manifest naming
// the inputs it finished. Every write replaces the whole file atomically
// (blob.WriteAtomic: a local rename, one S3 PutObject), so a reader sees
// the previous manifest or the next, never half of one; an S3 prefix
// has no append, which rules out a journal there.
//
// A rewrite costs time in proportion to the inputs done, so rewrites
// are spaced by at least Interval and by MinSpacing times the last
// rewrite's own duration: on a long run they cost a bounded share of its
// time. What a kill loses is at most the last interval's outcomes, whose
// jobs a resumed run repeats (their outputs are written atomically and
// come out the same); Keep rewrites it on a timer too, so that outcomes
// stay recorded while no other comes (the last jobs of a run hanging on
// slow inputs).
//
// It keeps one JobResult per input: what the manifest lists of it. Its
// methods may be called from several goroutines.
type ManifestLog struct {
	URL       string // "" keeps the results without writing them
	Executor  string
	Function  string
	Endpoints []string
	Started   time.Time
	// Interval is the least time between two rewrites (0: 2s).
	Interval time.Duration

	mu      sync.Mutex
	results map[string]JobResult
	// carried are the inputs whose result an earlier run recorded and
	// this one has not yet reached (Carry).
	carried   map[string]bool
	lastWrite time.Time
	lastCost  time.Duration
	// unwritten tells that an outcome came after the last write.
	unwritten bool
}

// MinSpacing is how many times a rewrite's own duration must pass before
// the next one.
const MinSpacing = 20

const defaultLogInterval = 2 * time.Second

// Carry records outputs an earlier run wrote, so that the manifests this
// run writes before it reaches their inputs still name them (an
// interrupted resumed run loses nothing the run before it finished). The
// final manifest lists only the inputs this run was given.
func (l *ManifestLog) Carry(outputs []ManifestOutput) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	for _, o := range outputs {
		if _, ok := l.results[o.Input]; !ok {
			l.results[o.Input] = o.Result()
			l.carried[o.Input] = true
		}
	}
}

func (l *ManifestLog) init() {
	if l.results == nil {
		l.results = map[string]JobResult{}
		l.carried = map[string]bool{}
	}
}

// Add records one input's outcome (replacing what an earlier run
// recorded of it), and rewrites the manifest when it is time to.
func (l *ManifestLog) Add(ctx context.Context, r JobResult) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	if r.Response != nil && r.Response.Body != "" {
		// The body repeats the stats in words; the manifest has no use
		// for it, and ten thousand of them add up.
		resp := *r.Response
		resp.Body = ""
		r.Response = &resp
	}
	l.results[r.Input] = r
	delete(l.carried, r.Input)
	l.unwritten = true
	return l.writeIfDue(ctx)
}

func (l *ManifestLog) interval() time.Duration {
	if l.Interval == 0 {
		return defaultLogInterval
	}
	return l.Interval
}

// writeIfDue rewrites the manifest in progress when outcomes came since
// the last write and the spacing has passed. l.mu is held.
func (l *ManifestLog) writeIfDue(ctx context.Context) error {
	if l.URL == "" || !l.unwritten || time.Since(l.lastWrite) < max(l.interval(), MinSpacing*l.lastCost) {
		return nil
	}
	_, err := l.write(ctx, false)
	return err
}

// Keep rewrites the manifest every interval while outcomes came since
// the last write, until stop is called (stop waits for a write under
// way). A failed write is left to the next Add or Write to report.
func (l *ManifestLog) Keep(ctx context.Context) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(l.interval())
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				l.mu.Lock()
				l.writeIfDue(ctx)
				l.mu.Unlock()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}

// Results are the outcomes of this run's inputs (without the carried
// ones it did not reach), sorted by input.
func (l *ManifestLog) Results() []JobResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runResults()
}

// runResults is Results with l.mu held.
func (l *ManifestLog) runResults() []JobResult {
	var out []JobResult
	for in, r := range l.results {
		if !l.carried[in] {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b JobResult) int { return strings.Compare(a.Input, b.Input) })
	return out
}

// Write writes the manifest: the final one (this run's inputs only), or
// one marked InProgress that also lists the carried outputs.
func (l *ManifestLog) Write(ctx context.Context, final bool) (*Manifest, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.write(ctx, final)
}

func (l *ManifestLog) write(ctx context.Context, final bool) (*Manifest, error) {
	l.init()
	results := l.runResults()
	if !final {
		for in := range l.carried {
			results = append(results, l.results[in])
		}
		slices.SortFunc(results, func(a, b JobResult) int { return strings.Compare(a.Input, b.Input) })
	}
	m := NewManifest(l.Executor, l.Function, l.Started, results)
	m.Endpoints = l.Endpoints
	m.InProgress = !final
	if l.URL == "" {
		return m, nil
	}
	start := time.Now()
	err := m.Write(ctx, l.URL)
	l.lastWrite, l.lastCost = time.Now(), time.Since(start)
	if err == nil {
		l.unwritten = false
	}
	return m, err
}
