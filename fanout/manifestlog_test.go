package fanout

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestManifestLog: the first outcome writes a manifest in progress, the
// outputs an earlier run recorded are carried until their input is done
// again, and the final manifest lists this run's inputs only, sorted,
// with the kept outputs counted as resumed.
func TestManifestLog(t *testing.T) {
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), ManifestName)
	l := &ManifestLog{URL: url, Executor: "local", Started: time.Now(), Interval: time.Hour}
	src := &Source{Size: 10, Modified: time.Unix(1, 0).UTC()}
	l.Carry([]ManifestOutput{
		{Input: "c", Output: "c.json", Attempts: 1, Stats: Stats{Arrays: 2}, Source: src},
		{Input: "z", Output: "z.json", Attempts: 1, Stats: Stats{Arrays: 5}},
	})
	ok := func(in string) JobResult {
		return JobResult{Input: in, Output: in + ".json", Attempts: 1, Response: &Response{Stats: Stats{Arrays: 1}}, Source: src}
	}
	if err := l.Add(ctx, ok("b")); err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(url)
	if err != nil {
		t.Fatal(err)
	}
	if !m.InProgress || m.Succeeded != 3 || m.Outputs[0].Input != "b" || !m.Outputs[0].Source.Same(src) || !m.Outputs[2].Resumed {
		t.Errorf("after the first outcome: %+v", m)
	}
	// Within the interval nothing more is written.
	l.Add(ctx, JobResult{Input: "a", Output: "a.json", Attempts: 1, Err: errors.New("a: broken")})
	l.Add(ctx, l.carriedResult(t, "c"))
	if m, _ := ReadManifest(url); m.Inputs != 3 {
		t.Errorf("rewritten within the interval: %d inputs", m.Inputs)
	}
	final, err := l.Write(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(url)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []*Manifest{final, back} {
		if m.InProgress || m.Inputs != 3 || m.Succeeded != 2 || m.Failed != 1 || m.Resumed != 1 || m.Totals.Arrays != 3 {
			t.Errorf("final manifest: %+v", m)
		}
		if m.Outputs[0].Input != "b" || m.Outputs[1].Input != "c" || !m.Outputs[1].Resumed || m.Failures[0].Input != "a" {
			t.Errorf("final outputs %+v, failures %+v", m.Outputs, m.Failures)
		}
	}
	if rs := l.Results(); len(rs) != 3 || rs[0].Input != "a" || rs[2].Input != "c" {
		t.Errorf("results %+v", rs)
	}
}

// carriedResult is the outcome a resumed run reports for an input an
// earlier run did: the recorded output, kept.
func (l *ManifestLog) carriedResult(t *testing.T, in string) JobResult {
	t.Helper()
	r, ok := l.results[in]
	if !ok || !l.carried[in] {
		t.Fatalf("%s is not carried", in)
	}
	return r
}

// TestSourceSame: a version equals another when every field does; an
// unrecorded version (nil) equals none.
func TestSourceSame(t *testing.T) {
	a := &Source{Size: 3, ETag: `"x"`, Modified: time.Unix(5, 0)}
	for _, c := range []struct {
		b    *Source
		want bool
	}{
		{&Source{Size: 3, ETag: `"x"`, Modified: time.Unix(5, 0).UTC()}, true},
		{&Source{Size: 4, ETag: `"x"`, Modified: time.Unix(5, 0)}, false},
		{&Source{Size: 3, ETag: `"y"`, Modified: time.Unix(5, 0)}, false},
		{&Source{Size: 3, ETag: `"x"`, Modified: time.Unix(6, 0)}, false},
		{nil, false},
	} {
		if got := a.Same(c.b); got != c.want {
			t.Errorf("%+v same as %+v: %v, want %v", a, c.b, got, c.want)
		}
	}
}

// TestManifestLogKeep: outcomes that come within the interval, with no
// other after them, are written by Keep's timer; nothing is rewritten
// when nothing came.
func TestManifestLogKeep(t *testing.T) {
	ctx := context.Background()
	url := filepath.Join(t.TempDir(), ManifestName)
	l := &ManifestLog{URL: url, Executor: "local", Started: time.Now(), Interval: 50 * time.Millisecond}
	if _, err := l.Write(ctx, false); err != nil {
		t.Fatal(err)
	}
	stop := l.Keep(ctx)
	defer stop()
	for _, in := range []string{"a", "b"} {
		if err := l.Add(ctx, JobResult{Input: in, Output: in + ".json", Attempts: 1, Response: &Response{}}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for {
		m, err := ReadManifest(url)
		if err != nil {
			t.Fatal(err)
		}
		if m.InProgress && m.Succeeded == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outcomes were not written: %+v", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
	st, err := os.Stat(url)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond) // three ticks, no outcome
	if st2, _ := os.Stat(url); !st2.ModTime().Equal(st.ModTime()) {
		t.Error("rewritten with no outcome since the last write")
	}
}
