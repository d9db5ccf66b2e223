package blob

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
)

func TestOpenerCachesAndShares(t *testing.T) {
	ctx := context.Background()
	path := writeTemp(t, "f", []byte("hello world"))
	o := NewOpener()
	defer o.Close()

	var wg sync.WaitGroup
	readers := make([]Reader, 16)
	errs := make([]error, 16)
	for i := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readers[i], errs[i] = o.Open(ctx, "file://"+path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
	}
	// All handles share one underlying file.
	first := readers[0].(sharedReader).r
	for _, r := range readers[1:] {
		if r.(sharedReader).r != first {
			t.Fatal("concurrent Opens of one URL opened it more than once")
		}
	}
	// A caller closing its handle must not close the cached file.
	if err := readers[0].Close(); err != nil {
		t.Fatal(err)
	}
	for _, r := range readers[:2] {
		if b, err := ReadRange(ctx, r, path, 6, 5); err != nil || string(b) != "world" {
			t.Fatalf("read after a caller's Close: %q, %v", b, err)
		}
	}
	if got := o.Stats().Bytes.Load(); got != 10 {
		t.Errorf("opener counted %d bytes, want 10", got)
	}
	if got := StatsOf(readers[1]).Reads.Load(); got != 2 {
		t.Errorf("reader counted %d reads, want 2", got)
	}

	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := readers[1].ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read after Opener.Close: %v, want os.ErrClosed", err)
	}
	if _, err := o.Open(ctx, path); !errors.Is(err, errOpenerClosed) {
		t.Errorf("Open after Close: %v", err)
	}
}

func TestOpenerRetriesFailedOpen(t *testing.T) {
	ctx := context.Background()
	path := writeTemp(t, "f", []byte("x"))
	missing := path + ".later"
	o := NewOpener()
	defer o.Close()
	if _, err := o.Open(ctx, missing); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v", err)
	}
	if err := os.WriteFile(missing, []byte("now"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := o.Open(ctx, missing)
	if err != nil || r.Size() != 3 {
		t.Fatalf("second Open: %v", err)
	}
}
