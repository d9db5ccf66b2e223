package main

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"gokerchunk/fanout"
)

// The progress bar, fed a run's progress by hand, draws the files done of
// the total, the rate, the time spent and left, the failures and retries
// so far, and retry lines above it. Only the drawing is checked, not the
// times, which depend on the clock.
func TestProgressView(t *testing.T) {
	var out bytes.Buffer
	v := newProgressView(&out, "scanned", false, true)
	v.throttle = 0
	v.job(fanout.Progress{Total: 10, Done: 3})
	v.job(fanout.Progress{Total: 10, Done: 4, Failed: 1})
	v.job(fanout.Progress{Total: 10, Done: 4, Failed: 1, Retries: 1,
		Retry: &fanout.Retry{Input: "s3://b/x.nc", Attempt: 1, Err: errors.New("503 Slow Down"), Delay: 1500e6}})
	v.job(fanout.Progress{Total: 10, Done: 10, Failed: 2, Retries: 1})
	v.end()
	s := out.String()
	for _, want := range []string{
		"scanned  30% |",
		"(3/10, ",
		"scanned, 1 failed  40% |",
		"retry: s3://b/x.nc: attempt 1 failed, again in 1.5s: 503 Slow Down\n",
		"scanned, 1 failed (1 retry, 0 throttled)  40% |",
		"scanned, 2 failed (1 retry, 0 throttled) 100% |",
		"(10/10, ",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in %q", want, s)
		}
	}
	// Each drawing has the rate in files/s and [elapsed:left].
	if n := len(regexp.MustCompile(`, \d+ files/s\) \[\d+s:\d+s\]`).FindAllString(s, -1)); n < 4 {
		t.Errorf("%d drawings with a rate and an ETA, want at least 4: %q", n, s)
	}
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("the bar's line is not ended: %q", s)
	}
}

// Quiet, or not on a terminal, nothing is drawn; retry lines go only
// when not quiet.
func TestProgressViewHidden(t *testing.T) {
	retry := fanout.Progress{Total: 2, Done: 0, Retries: 1, Retry: &fanout.Retry{Input: "x.nc", Attempt: 1, Err: errors.New("reset")}}
	for _, c := range []struct {
		quiet, show bool
		want        string
	}{
		{false, false, "retry: x.nc: attempt 1 failed, again in 0.0s: reset\n"},
		{true, true, ""},
		{true, false, ""},
	} {
		var out bytes.Buffer
		v := newProgressView(&out, "scanned", c.quiet, c.show)
		v.job(retry)
		v.job(fanout.Progress{Total: 2, Done: 2})
		v.count(2)(1)
		v.end()
		if out.String() != c.want {
			t.Errorf("quiet %v, shown %v: %q, want %q", c.quiet, c.show, out.String(), c.want)
		}
	}
}

// While the inputs are still being listed, the bar counts those found so
// far (a spinner, no percentage); once the listing ends it shows the
// total.
func TestProgressViewListing(t *testing.T) {
	var out bytes.Buffer
	v := newProgressView(&out, "scanned", false, true)
	v.throttle = 0
	v.job(fanout.Progress{Total: 5, Done: 2, Listing: true})
	v.job(fanout.Progress{Total: 9, Done: 3, Listing: true})
	v.job(fanout.Progress{Total: 10, Done: 10})
	v.end()
	s := out.String()
	for _, want := range []string{"scanned (listing: 5 found)", "scanned (listing: 9 found)", "scanned 100% |", "(10/10, "} {
		if !strings.Contains(s, want) {
			t.Errorf("no %q in %q", want, s)
		}
	}
	if strings.Contains(s, "(listing: 10") {
		t.Errorf("the listing shown after it ended: %q", s)
	}
}
