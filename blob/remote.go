package blob

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// rangeGetter fetches byte ranges of one remote object, one request per
// call; remoteReader retries and counts.
type rangeGetter interface {
	// getHead fills p with the object's first bytes (fewer when the object
	// is smaller) and returns how many it got and the object's size.
	getHead(ctx context.Context, p []byte) (n int, size int64, err error)
	// getRange fills p with the bytes at off; the range lies inside the
	// object. It returns the bytes it received, also on failure.
	getRange(ctx context.Context, off int64, p []byte) (int, error)
}

// remoteReader is a Reader over a remote object: reads are served from
// cached blocks; the blocks a read misses are fetched in one ranged GET
// (from the first missing block to the last, refetching any cached ones in
// between) and cached; concurrent reads wait for blocks already being
// fetched rather than fetching them again. Reads larger than
// directBlocks blocks go straight to one GET of their own range, uncached,
// so that bulk chunk reads do not flush metadata from the cache.
type remoteReader struct {
	url       string
	get       rangeGetter
	size      int64
	blockSize int64
	retry     retryPolicy
	cache     *blockCache
	ownCache  bool // the cache is this reader's alone
	id        uint64
	stats     Stats
	count     counters

	// ctx lives as long as the reader: reads have no context of their own;
	// Close cancels what is in flight.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	inflight map[int64]*blockFetch
}

// directBlocks: a read spanning more blocks than this bypasses the cache.
const directBlocks = 4

// blockFetch is one GET of blocks [first, first+len(data)/blockSize]; done
// is closed when data or err is set.
type blockFetch struct {
	done  chan struct{}
	first int64
	data  []byte
	err   error
}

var readerIDs atomic.Uint64

func (c *Client) openRemote(ctx context.Context, url string, get rangeGetter, shared *Stats, cache *blockCache) (*remoteReader, error) {
	r := &remoteReader{
		url:       url,
		get:       get,
		blockSize: c.cfg.BlockSize,
		retry:     c.cfg.retryPolicy(),
		cache:     cache,
		id:        readerIDs.Add(1),
		inflight:  map[int64]*blockFetch{},
	}
	r.count = counters{own: &r.stats, shared: shared}
	if r.cache == nil {
		r.cache = newBlockCache(c.cfg.CacheSize)
		r.ownCache = true
	}
	head := make([]byte, c.cfg.HeadSize)
	var n int
	err := r.retry.do(ctx, r.count, int64(len(head)), func(ctx context.Context) error {
		var err error
		n, r.size, err = get.getHead(ctx, head)
		r.count.fetched(int64(n))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	// The head is cached in whole blocks, and the last partial one when
	// it ends the object.
	for i := int64(0); i*r.blockSize < int64(n); i++ {
		end := min((i+1)*r.blockSize, int64(n))
		if end-i*r.blockSize == r.blockSize || end == r.size {
			r.cache.put(blockKey{r.id, i}, head[i*r.blockSize:end:end])
		}
	}
	r.ctx, r.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return r, nil
}

func (r *remoteReader) Size() int64   { return r.size }
func (r *remoteReader) Stats() *Stats { return &r.stats }

func (r *remoteReader) Close() error {
	r.cancel()
	if !r.ownCache {
		r.cache.drop(r.id)
	}
	return nil
}

func (r *remoteReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.url, off)
	}
	if err := r.ctx.Err(); err != nil {
		return 0, fmt.Errorf("read %s: reader is closed: %w", r.url, err)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if off >= r.size {
		return 0, io.EOF
	}
	var eof error
	if int64(len(p)) > r.size-off {
		p, eof = p[:r.size-off], io.EOF
	}
	if err := r.read(p, off); err != nil {
		r.count.read(0)
		return 0, err
	}
	r.count.read(len(p))
	return len(p), eof
}

// read fills p (inside the object) from cached blocks, fetched blocks or,
// for a large read, one direct GET.
func (r *remoteReader) read(p []byte, off int64) error {
	bs := r.blockSize
	first, last := off/bs, (off+int64(len(p))-1)/bs
	blocks := make([][]byte, last-first+1)
	waits := make([]*blockFetch, last-first+1)
	var own *blockFetch
	lo, hi := int64(-1), int64(-1)

	r.mu.Lock()
	for i := first; i <= last; i++ {
		if b, ok := r.cache.get(blockKey{r.id, i}); ok {
			blocks[i-first] = b
		} else if f, ok := r.inflight[i]; ok {
			waits[i-first] = f
		} else {
			if lo < 0 {
				lo = i
			}
			hi = i
		}
	}
	if lo >= 0 && last-first+1 > directBlocks {
		r.mu.Unlock()
		return r.fetch(off, p)
	}
	if lo >= 0 {
		own = &blockFetch{done: make(chan struct{}), first: lo}
		for i := lo; i <= hi; i++ {
			if blocks[i-first] == nil && waits[i-first] == nil {
				r.inflight[i] = own
				waits[i-first] = own
			}
		}
	}
	r.mu.Unlock()

	if own != nil {
		start, end := lo*bs, min((hi+1)*bs, r.size)
		data := make([]byte, end-start)
		err := r.fetch(start, data)
		r.mu.Lock()
		for i := lo; i <= hi; i++ {
			if r.inflight[i] == own {
				delete(r.inflight, i)
			}
			if err == nil {
				b := data[(i-lo)*bs : min((i-lo+1)*bs, end-start)]
				r.cache.put(blockKey{r.id, i}, b[:len(b):len(b)])
			}
		}
		r.mu.Unlock()
		own.data, own.err = data, err
		close(own.done)
	}
	for i, f := range waits {
		if f == nil {
			continue
		}
		select {
		case <-f.done:
		case <-r.ctx.Done():
			return fmt.Errorf("read %s: %w", r.url, r.ctx.Err())
		}
		if f.err != nil {
			return f.err
		}
		b := (first + int64(i) - f.first) * bs
		blocks[i] = f.data[b:min(b+bs, int64(len(f.data)))]
	}
	for i, b := range blocks {
		blockStart := (first + int64(i)) * bs
		lo := max(off, blockStart)
		hi := min(off+int64(len(p)), blockStart+int64(len(b)))
		copy(p[lo-off:hi-off], b[lo-blockStart:hi-blockStart])
	}
	return nil
}

// fetch fills p with the bytes at off in one ranged GET, retried.
func (r *remoteReader) fetch(off int64, p []byte) error {
	err := r.retry.do(r.ctx, r.count, int64(len(p)), func(ctx context.Context) error {
		n, err := r.get.getRange(ctx, off, p)
		r.count.fetched(int64(n))
		return err
	})
	if err != nil {
		return fmt.Errorf("read %s bytes [%d, %d): %w", r.url, off, off+int64(len(p)), err)
	}
	return nil
}
