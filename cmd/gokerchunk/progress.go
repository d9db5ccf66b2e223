package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"gokerchunk/fanout"
)

// progressView reports a run over many inputs on standard error: each
// retry (not throttles) as a line unless quiet, and, when shown (on a
// terminal), a progress bar with the inputs done, the rate, the time
// spent and left, and the failures and retries so far:
//
//	scanned, 2 failed  30% |█████             | (3/10, 12 files/s) [0s:1s]
//
// While the inputs are still being listed the total is not known: a
// spinner shows the inputs done and found so far.
//
//	scanned (listing: 2000 found) -  (1503/-, 210 files/s) [7s]
type progressView struct {
	w     io.Writer
	verb  string
	quiet bool
	show  bool
	// throttle is the least time between two redraws (tests: 0).
	throttle time.Duration
	bar      *progressbar.ProgressBar
}

func newProgressView(w io.Writer, verb string, quiet, show bool) *progressView {
	return &progressView{w: w, verb: verb, quiet: quiet, show: show && !quiet, throttle: 100 * time.Millisecond}
}

// job is fanout.RunJobs' progress callback.
func (v *progressView) job(p fanout.Progress) {
	if r := p.Retry; r != nil && !r.Throttled && !v.quiet {
		if v.bar != nil {
			v.bar.Clear()
		}
		fmt.Fprintf(v.w, "retry: %s: attempt %d failed, again in %.1fs: %v\n", r.Input, r.Attempt, r.Delay.Seconds(), r.Err)
	}
	v.draw(p)
}

// count is fanout.Run's progress callback for a run of total inputs.
func (v *progressView) count(total int) func(done int) {
	return func(done int) { v.draw(fanout.Progress{Total: total, Done: done}) }
}

func (v *progressView) draw(p fanout.Progress) {
	if !v.show {
		return
	}
	total := p.Total
	if p.Listing {
		total = -1 // a spinner and the count so far, until the listing ends
	}
	if v.bar == nil {
		v.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(v.w),
			progressbar.OptionSetDescription(progressDescription(v.verb, p)),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("files"),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(v.throttle),
			progressbar.OptionSetRenderBlankState(true),
		)
	}
	if v.bar.GetMax() != total {
		v.bar.ChangeMax(total)
	}
	v.bar.Describe(progressDescription(v.verb, p))
	v.bar.Set(p.Done)
}

// progressDescription is the text before the bar: the verb, and the
// failures, retries and throttles so far.
func progressDescription(verb string, p fanout.Progress) string {
	s := verb
	if p.Listing {
		s += fmt.Sprintf(" (listing: %d found)", p.Total)
	}
	if p.Failed > 0 {
		s += fmt.Sprintf(", %d failed", p.Failed)
	}
	if p.Retries+p.Throttles > 0 {
		s += fmt.Sprintf(" (%s, %d throttled)", plural(p.Retries, "retry"), p.Throttles)
	}
	return s
}

// end leaves the bar's last state on its line and moves below it.
func (v *progressView) end() {
	if v.bar != nil {
		v.bar.Exit()
		fmt.Fprintln(v.w)
	}
}
