package blob

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Opener caches open Readers by URL, so that reading many chunks of the same
// target opens it once. It is safe for concurrent use.
//
// The Opener owns the readers it hands out: their Close does nothing, so a
// caller may close what it opened (as it would a Reader from Open) without
// breaking other users of the same target. Opener.Close closes them all.
type Opener struct {
	client  *Client
	cache   *blockCache // shared by its remote readers
	mu      sync.Mutex
	entries map[string]*openEntry
	closed  bool
	stats   Stats
}

// openEntry is one URL being opened or open; done is closed when r and err
// are set, so concurrent callers for the same URL wait for one open.
type openEntry struct {
	done chan struct{}
	r    Reader
	err  error
}

// NewOpener returns an empty Opener of the Default client.
func NewOpener() *Opener { return Default().NewOpener() }

// NewOpener returns an empty Opener whose remote readers share one block
// cache of the client's OpenerCacheSize.
func (c *Client) NewOpener() *Opener {
	return &Opener{client: c, cache: newBlockCache(c.cfg.OpenerCacheSize), entries: map[string]*openEntry{}}
}

var errOpenerClosed = errors.New("blob: opener is closed")

// Open returns the cached reader of url, opening it on first use. A failed
// open is not cached, so a later call tries again.
func (o *Opener) Open(ctx context.Context, url string) (Reader, error) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, fmt.Errorf("open %s: %w", url, errOpenerClosed)
	}
	e, ok := o.entries[url]
	if !ok {
		e = &openEntry{done: make(chan struct{})}
		o.entries[url] = e
	}
	o.mu.Unlock()

	if ok {
		select {
		case <-e.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("open %s: %w", url, ctx.Err())
		}
		if e.err != nil {
			return nil, e.err
		}
		return sharedReader{e.r}, nil
	}

	r, err := o.client.open(ctx, url, &o.stats, o.cache)
	o.mu.Lock()
	e.r, e.err = r, err
	if err != nil {
		delete(o.entries, url)
	} else if o.closed {
		// Close ran while we were opening; it did not see this reader.
		err = fmt.Errorf("open %s: %w", url, errOpenerClosed)
		e.r, e.err = nil, err
		r.Close()
	}
	o.mu.Unlock()
	close(e.done)
	if err != nil {
		return nil, err
	}
	return sharedReader{r}, nil
}

// Stats counts the reads made through every reader of this Opener.
func (o *Opener) Stats() *Stats { return &o.stats }

// Close closes every cached reader and makes later Opens fail. It returns
// the first error met while closing.
func (o *Opener) Close() error {
	o.mu.Lock()
	o.closed = true
	var ready []Reader
	for url, e := range o.entries {
		select {
		case <-e.done:
			if e.r != nil {
				ready = append(ready, e.r)
			}
			delete(o.entries, url)
		default:
			// Still opening: Open sees closed and closes it itself.
		}
	}
	o.mu.Unlock()
	var first error
	for _, r := range ready {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// sharedReader is a cached reader handed to a caller: its Close is a no-op
// because the Opener owns the underlying reader.
type sharedReader struct{ r Reader }

func (s sharedReader) ReadAt(p []byte, off int64) (int, error) { return s.r.ReadAt(p, off) }
func (s sharedReader) Size() int64                             { return s.r.Size() }
func (s sharedReader) Close() error                            { return nil }
func (s sharedReader) Stats() *Stats                           { return StatsOf(s.r) }

// Prefetch passes the hint on to a reader that takes it.
func (s sharedReader) Prefetch(ranges [][2]int64) {
	if p, ok := s.r.(Prefetcher); ok {
		p.Prefetch(ranges)
	}
}
