package blob

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"
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
	// roundEnd is when a read last finished waiting for the network: a
	// prefetch started before it ran in an earlier round trip.
	roundEnd time.Time
}

// directBlocks: a read spanning more blocks than this bypasses the cache.
const directBlocks = 4

// blockFetch is one GET of blocks [first, first+len(data)/blockSize]; done
// is closed when data or err is set.
type blockFetch struct {
	done    chan struct{}
	first   int64
	started time.Time
	data    []byte
	err     error
}

var readerIDs atomic.Uint64

// headBuffers are the heads of opens that read less than a whole head
// (objects smaller than HeadSize: the small files a scan of thousands
// opens one after the other), reused so that each open does not leave
// a HeadSize buffer for the collector; 256 workers opening 23 KB objects
// otherwise keep hundreds of MiB of them waiting.
var headBuffers sync.Pool

// getHeadBuffer is a buffer of size bytes, reused when one is there.
func getHeadBuffer(size int64) []byte {
	if b, ok := headBuffers.Get().(*[]byte); ok && int64(len(*b)) == size {
		return *b
	}
	return make([]byte, size)
}

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
	head := getHeadBuffer(c.cfg.HeadSize)
	var n int
	err := r.retry.do(ctx, r.count, int64(len(head)), true, func(ctx context.Context) error {
		var err error
		n, r.size, err = get.getHead(ctx, head)
		r.count.fetched(int64(n))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	if n < len(head) {
		// Blocks keep their buffer alive: do not let a small object's
		// pin the whole head, and let the next open reuse it.
		whole := head
		head = append([]byte(nil), head[:n]...)
		headBuffers.Put(&whole)
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
	r.roundEnd = time.Now()
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
		return r.fetch(off, p, true)
	}
	if lo >= 0 {
		own = r.startFetch(lo, hi)
		for i := lo; i <= hi; i++ {
			if blocks[i-first] == nil && waits[i-first] == nil {
				waits[i-first] = own
			}
		}
	}
	r.mu.Unlock()

	if own != nil {
		r.runFetch(own, hi, true)
	}
	r.mu.Lock()
	roundEnd := r.roundEnd
	r.mu.Unlock()
	waited := own != nil
	counted := false
	for i, f := range waits {
		if f == nil {
			continue
		}
		if f != own {
			// Waiting for a fetch someone else started (a prefetch, a
			// concurrent read) is a round trip unless it is done, or it
			// started before the last wait ended (then this wait is the
			// tail of that round trip).
			select {
			case <-f.done:
			default:
				waited = true
				if !counted && own == nil && f.started.After(roundEnd) {
					counted = true
					r.count.roundTrip()
				}
			}
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
	if waited {
		r.mu.Lock()
		r.roundEnd = time.Now()
		r.mu.Unlock()
	}
	for i, b := range blocks {
		blockStart := (first + int64(i)) * bs
		lo := max(off, blockStart)
		hi := min(off+int64(len(p)), blockStart+int64(len(b)))
		copy(p[lo-off:hi-off], b[lo-blockStart:hi-blockStart])
	}
	return nil
}

// startFetch registers a fetch of blocks [lo, hi] as in flight for those
// of them that are not already (r.mu held).
func (r *remoteReader) startFetch(lo, hi int64) *blockFetch {
	f := &blockFetch{done: make(chan struct{}), first: lo, started: time.Now()}
	for i := lo; i <= hi; i++ {
		if _, ok := r.inflight[i]; !ok {
			r.inflight[i] = f
		}
	}
	return f
}

// runFetch fetches the blocks of f (up to hi), caches them and releases
// their waiters; waited says whether a caller is waiting for it.
func (r *remoteReader) runFetch(f *blockFetch, hi int64, waited bool) {
	bs := r.blockSize
	start, end := f.first*bs, min((hi+1)*bs, r.size)
	data := make([]byte, end-start)
	err := r.fetch(start, data, waited)
	r.mu.Lock()
	for i := f.first; i <= hi; i++ {
		if r.inflight[i] == f {
			delete(r.inflight, i)
		}
		if err == nil {
			b := data[(i-f.first)*bs : min((i-f.first+1)*bs, end-start)]
			r.cache.put(blockKey{r.id, i}, b[:len(b):len(b)])
		}
	}
	r.mu.Unlock()
	f.data, f.err = data, err
	close(f.done)
}

// prefetchGap is how many unwanted blocks may lie between two wanted runs
// that one prefetch GET still covers. Prefetch GETs run concurrently, so
// merging saves requests, not time, while the bytes in between cost
// transfer time: only adjacent blocks are merged.
const prefetchGap = 0

// maxPrefetches bounds the GETs one Prefetch runs at once.
const maxPrefetches = 16

// Prefetch starts fetching, in the background, the blocks of the given
// byte ranges ({offset, length}) that are neither cached nor being
// fetched, in as few ranged GETs as runs of nearby blocks allow, sent
// concurrently. Reads of those ranges then wait for these GETs instead of
// sending their own, so a caller that knows what it will read next (the
// children of a B-tree node) pays one round trip for all of it. Ranges
// outside the object are clipped. A prefetch GET is retried like any other;
// a read waiting for one that failed for good gets its error.
func (r *remoteReader) Prefetch(ranges [][2]int64) {
	bs := r.blockSize
	var want []int64
	for _, rg := range ranges {
		off, n := max(rg[0], 0), rg[1]
		if n <= 0 || off >= r.size {
			continue
		}
		end := min(off+n, r.size)
		for i := off / bs; i <= (end-1)/bs; i++ {
			want = append(want, i)
		}
	}
	if len(want) == 0 || r.ctx.Err() != nil {
		return
	}
	slices.Sort(want)
	want = slices.Compact(want)
	r.mu.Lock()
	var missing []int64
	for _, i := range want {
		if _, ok := r.inflight[i]; ok {
			continue
		}
		if _, ok := r.cache.get(blockKey{r.id, i}); ok {
			continue
		}
		missing = append(missing, i)
	}
	type run struct{ lo, hi int64 }
	var runs []run
	for _, i := range missing {
		if n := len(runs); n > 0 && i-runs[n-1].hi <= prefetchGap+1 {
			runs[n-1].hi = i
		} else {
			runs = append(runs, run{i, i})
		}
	}
	fetches := make([]*blockFetch, len(runs))
	for k, rn := range runs {
		fetches[k] = r.startFetch(rn.lo, rn.hi)
	}
	r.mu.Unlock()
	sem := make(chan struct{}, maxPrefetches)
	for k, f := range fetches {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			r.runFetch(f, runs[k].hi, false)
		}()
	}
}

// fetch fills p with the bytes at off in one ranged GET, retried; waited
// says whether a caller waits for it (a round trip) or it is a prefetch.
func (r *remoteReader) fetch(off int64, p []byte, waited bool) error {
	err := r.retry.do(r.ctx, r.count, int64(len(p)), waited, func(ctx context.Context) error {
		n, err := r.get.getRange(ctx, off, p)
		r.count.fetched(int64(n))
		return err
	})
	if err != nil {
		return fmt.Errorf("read %s bytes [%d, %d): %w", r.url, off, off+int64(len(p)), err)
	}
	return nil
}
