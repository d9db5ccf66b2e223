package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gokerchunk/blob"
	"gokerchunk/fanout"
	"gokerchunk/internal/s3test"
)

// manyInputs copies the sample files under n names in a new directory.
func manyInputs(t *testing.T, n int) string {
	t.Helper()
	src := sampleFiles(t)
	dir := t.TempDir()
	for i := range n {
		b, err := os.ReadFile(src[i%len(src)])
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d.nc", i)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// sidecars reads the sidecars of a directory (not its manifest) by name.
func sidecars(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	out := map[string][]byte{}
	for _, f := range m {
		if filepath.Base(f) == fanout.ManifestName {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}

// TestScanResume interrupts a scan (its context cancelled, as SIGINT
// does) once K outcomes are recorded: the manifest left says which inputs
// finished, marked in progress. A run with --resume then skips those
// whose sidecar is there and whose source is unchanged, scans the rest
// (and an input whose file changed, and one whose sidecar was removed),
// and leaves the same sidecars, byte for byte, as an uninterrupted run.
func TestScanResume(t *testing.T) {
	const n, k = 30, 8
	in := manyInputs(t, n)
	whole := filepath.Join(t.TempDir(), "whole")
	if code, _, errOut := runCLI(t, "scan", "-q", "--concurrency", "2", "-o", whole, in); code != exitOK {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, errOut)
	}
	want := sidecars(t, whole)
	if len(want) != n {
		t.Fatalf("%d sidecars, want %d", len(want), n)
	}

	out := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	recorded := 0
	testHookScanRecorded = func(fanout.JobResult) {
		mu.Lock()
		defer mu.Unlock()
		if recorded++; recorded == k {
			cancel()
		}
	}
	code, _, errOut := runCLIContext(t, ctx, "scan", "--concurrency", "2", "-o", out, in)
	testHookScanRecorded = nil
	if code != exitFailures || !strings.Contains(errOut, "stopped: ") || !strings.Contains(errOut, "--resume") {
		t.Fatalf("interrupted run: exit %d\n%s", code, errOut)
	}
	m, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if !m.InProgress || m.Failed != 0 || m.Succeeded < k || m.Succeeded >= n {
		t.Fatalf("interrupted manifest: in progress %v, %d succeeded, %d failed; want in progress, %d..%d succeeded",
			m.InProgress, m.Succeeded, m.Failed, k, n-1)
	}
	t.Logf("interrupted after %d outcomes: %d inputs recorded done", k, m.Succeeded)
	done := map[string]bool{}
	for _, o := range m.Outputs {
		done[o.Input] = true
		if o.Source == nil || o.Source.Size == 0 || o.Source.Modified.IsZero() {
			t.Errorf("%s: no source version recorded: %+v", o.Input, o.Source)
		}
		if got := sidecars(t, out)[filepath.Base(o.Output)]; !bytes.Equal(got, want[filepath.Base(o.Output)]) {
			t.Errorf("%s: the interrupted run's sidecar differs", o.Output)
		}
	}
	// combine refuses the unfinished directory.
	if code, _, errOut := runCLI(t, "combine", "-o", filepath.Join(t.TempDir(), "c.json"), out+"/"); code != exitFailures || !strings.Contains(errOut, "did not finish") {
		t.Errorf("combine of the interrupted run: exit %d\n%s", code, errOut)
	}

	// Of the inputs done, one's file changes (a later modification time)
	// and another's sidecar goes: both are scanned again.
	changed, gone := m.Outputs[0], m.Outputs[1]
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(changed.Input, later, later); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gone.Output); err != nil {
		t.Fatal(err)
	}
	code, stdout, errOut := runCLI(t, "scan", "--resume", "--concurrency", "2", "-o", out, in)
	if code != exitOK {
		t.Fatalf("resumed run: exit %d\n%s%s", code, stdout, errOut)
	}
	skipped := m.Succeeded - 2
	if want := fmt.Sprintf("scanned %d files: ", n); !strings.Contains(errOut, want) {
		t.Errorf("summary without %q:\n%s", want, errOut)
	}
	if want := fmt.Sprintf("(%d files already done, skipped: --resume)", skipped); !strings.Contains(errOut, want) {
		t.Errorf("summary without %q:\n%s", want, errOut)
	}
	final, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if final.InProgress || final.Inputs != n || final.Succeeded != n || final.Resumed != skipped {
		t.Errorf("final manifest: in progress %v, %d inputs, %d succeeded, %d resumed; want %d, %d, %d",
			final.InProgress, final.Inputs, final.Succeeded, final.Resumed, n, n, skipped)
	}
	for _, o := range final.Outputs {
		wasDone := done[o.Input] && o.Input != changed.Input && o.Input != gone.Input
		if o.Resumed != wasDone {
			t.Errorf("%s: resumed %v, want %v", o.Input, o.Resumed, wasDone)
		}
	}
	got := sidecars(t, out)
	if len(got) != len(want) {
		t.Errorf("%d sidecars, want %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from the uninterrupted run's", name)
		}
	}

	// --resume needs a directory.
	if code, _, errOut := runCLI(t, "scan", "--resume", "-o", filepath.Join(t.TempDir(), "one.json"), filepath.Join(in, "f000.nc")); code != exitUsage || !strings.Contains(errOut, "--resume needs -o DIR") {
		t.Errorf("--resume to one file: exit %d\n%s", code, errOut)
	}
}

// TestScanStreamsListing: the first scan starts before the listing ends.
// The listing of 12 objects comes 2 keys a page; with one worker the
// third page cannot be asked for until the first input's scan is done
// (the pool takes a request only when a worker is free, and the listing
// waits for the pool), so the first object's GET precedes the last
// ListObjectsV2 request whatever the timing.
func TestScanStreamsListing(t *testing.T) {
	srv := s3Setup(t)
	src := sampleFiles(t)
	const n = 12
	for i := range n {
		srv.CopyFile(t, src[i%len(src)], "data", fmt.Sprintf("in/f%02d.nc", i))
	}
	var mu sync.Mutex
	var events []string // "list" or the object GET
	tr := &s3test.Transport{Fault: func(_ int, req *http.Request) s3test.Fault {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case req.URL.Query().Get("list-type") == "2":
			events = append(events, "list")
		case req.Method == http.MethodGet && strings.Contains(req.URL.Path, "/in/"):
			events = append(events, "get "+req.URL.Path)
		}
		return s3test.Pass
	}}
	useClient(t, blob.Config{Transport: tr, S3PathStyle: true, ListPageSize: 2})
	out := t.TempDir()
	code, _, errOut := runCLI(t, "scan", "-q", "--concurrency", "1", "-o", out+"/", "s3://data/in/")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("requests: %v", events)
	firstGet := slices.IndexFunc(events, func(e string) bool { return strings.HasPrefix(e, "get ") })
	lastList, lists := -1, 0
	for i, e := range events {
		if e == "list" {
			lastList, lists = i, lists+1
		}
	}
	if lists < n/2 {
		t.Fatalf("%d listing requests, want at least %d (pages of 2): %v", lists, n/2, events)
	}
	if firstGet < 0 || firstGet > lastList {
		t.Errorf("the first scan's GET (event %d) came after the last listing page (event %d): %v", firstGet, lastList, events)
	}
	if len(sidecars(t, out)) != n {
		t.Errorf("%d sidecars, want %d", len(sidecars(t, out)), n)
	}
	m, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range m.Outputs {
		if o.Source == nil || o.Source.ETag == "" || o.Source.Size == 0 {
			t.Errorf("%s: the listing's version is not recorded: %+v", o.Input, o.Source)
		}
	}
}

// TestScanResumeAfterKill kills a scan process (SIGKILL: no chance to
// write anything more) once its manifest names a finished input: the
// manifest left is whole (written atomically) and in progress, and a run
// with --resume skips what it names and leaves the sidecars an
// uninterrupted run writes.
//
// The run's last input is served over HTTP by the test, which holds the
// request until the kill: the killed run cannot finish first however
// fast the machine (a race CI once lost when the run was timed instead).
func TestScanResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "gk")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	const n = 1500
	in := manyInputs(t, n-1)
	held := heldInput(t, sampleFiles(t)[0])
	out := filepath.Join(t.TempDir(), "out")
	manifest := filepath.Join(out, fanout.ManifestName)
	cmd := exec.Command(bin, "scan", "-q", "--concurrency", "1", "-o", out, in, held.url)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(2 * time.Minute)
	for killed := false; !killed; {
		select {
		case err := <-exited:
			t.Fatalf("the scan ended (%v) while its last input was held", err)
		case <-deadline:
			cmd.Process.Kill()
			t.Fatal("no manifest in progress naming a finished input within 2 minutes")
		case <-time.After(5 * time.Millisecond):
		}
		if m, err := fanout.ReadManifest(manifest); err == nil && m.InProgress && m.Succeeded > 0 {
			cmd.Process.Kill()
			<-exited
			killed = true
		}
	}
	held.release()
	m, err := fanout.ReadManifest(manifest)
	if err != nil {
		t.Fatalf("the killed run's manifest: %v", err)
	}
	if !m.InProgress || m.Succeeded == 0 || m.Succeeded >= n {
		t.Fatalf("the killed run's manifest: in progress %v, %d succeeded", m.InProgress, m.Succeeded)
	}
	if left, _ := filepath.Glob(filepath.Join(out, "*.tmp*")); len(left) > 0 {
		t.Logf("temporary files left by the kill: %v", left)
	}
	code, _, errOut := runCLI(t, "scan", "--resume", "-o", out, in, held.url)
	if code != exitOK || !strings.Contains(errOut, fmt.Sprintf("(%d files already done, skipped: --resume)", m.Succeeded)) {
		t.Fatalf("resumed run: exit %d, want it to skip the %d done\n%s", code, m.Succeeded, errOut)
	}
	whole := filepath.Join(t.TempDir(), "whole")
	if code, _, errOut := runCLI(t, "scan", "-q", "-o", whole, in, held.url); code != exitOK {
		t.Fatalf("uninterrupted run: exit %d\n%s", code, errOut)
	}
	want, got := sidecars(t, whole), sidecars(t, out)
	if len(got) != n || len(want) != n {
		t.Fatalf("%d sidecars after the resumed run, %d after the uninterrupted one, want %d", len(got), len(want), n)
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s differs from the uninterrupted run's", name)
		}
	}
}

// heldHTTPInput serves one file over HTTP, holding every request until
// release (or until its client goes away).
type heldHTTPInput struct {
	url     string
	release func()
}

func heldInput(t *testing.T, file string) heldHTTPInput {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		http.ServeContent(w, r, "zz-held.nc", time.Time{}, bytes.NewReader(b))
	}))
	t.Cleanup(srv.Close)
	var once sync.Once
	return heldHTTPInput{url: srv.URL + "/zz-held.nc", release: func() { once.Do(func() { close(gate) }) }}
}
