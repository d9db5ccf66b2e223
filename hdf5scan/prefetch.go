package hdf5scan

import "context"

// Hints to readers that fetch ahead. Over a network every read that misses
// the reader's cache costs a round trip, and a scan reads one structure
// after another: without hints, each node of each chunk index would cost
// one. The scanner knows what it will read next where a structure lists
// the addresses of others, and tells the reader; local files ignore it.

// prefetcher is a reader that can fetch byte ranges ({offset, length}) in
// the background (blob's remote readers, which declare the same method).
type prefetcher interface {
	Prefetch(ranges [][2]int64)
}

// canPrefetch reports whether the reader takes hints.
func (f *file) canPrefetch() bool {
	_, ok := f.r.(prefetcher)
	return ok
}

// prefetch tells a reader that can fetch ahead that n bytes at each of
// addrs will be read next, so that it fetches them together rather than
// one round trip each. Undefined and out-of-file addresses are left out
// (reading them fails later, with a proper error).
func (f *file) prefetch(addrs []uint64, n int) {
	p, ok := f.r.(prefetcher)
	if !ok || len(addrs) == 0 {
		return
	}
	ranges := make([][2]int64, 0, len(addrs))
	for _, a := range addrs {
		if a != undefinedAddr && a < uint64(f.size) {
			ranges = append(ranges, [2]int64{f.abs(a), int64(n)})
		}
	}
	p.Prefetch(ranges)
}

// maxPrefetchNodes bounds the chunk index nodes prefetchChunkIndexes
// hints: enough for the trees of typical files, and little enough that
// what it fetches stays in a reader's cache until the scan reads it.
const maxPrefetchNodes = 128

// defaultBTreeK is libhdf5's default "K" of chunk B-trees: a node holds up
// to 2K entries and is allocated at that size.
const defaultBTreeK = 32

// prefetchChunkIndexes walks the internal levels of the v1 B-tree chunk
// indexes of the given layouts (nil for datasets without one) together, one level at a time, hinting each
// level's nodes before reading any of them: the roots of every tree in one
// round trip, their children in the next, and so on, where the scan itself
// walks one tree after another (netCDF-4 files written step by step
// scatter their B-tree nodes over the whole file). Errors are ignored
// here: the scan reads the same nodes again, from the reader's cache, and
// reports them.
func (f *file) prefetchChunkIndexes(ctx context.Context, layouts []*layout) {
	if _, ok := f.r.(prefetcher); !ok {
		return
	}
	type node struct {
		addr    uint64
		keySize int
	}
	var level []node
	for _, l := range layouts {
		if l == nil || l.class != layoutChunked || l.indexType != indexBTree1 || l.address == undefinedAddr {
			continue
		}
		level = append(level, node{addr: l.address, keySize: 8 + 8*(len(l.chunk)+1)})
	}
	hdrSize := 8 + 2*f.offsetSize
	hinted := 0
	visited := map[uint64]bool{}
	for depth := 0; len(level) > 0 && depth < maxBTreeDepth && hinted < maxPrefetchNodes; depth++ {
		if len(level) > maxPrefetchNodes-hinted {
			level = level[:maxPrefetchNodes-hinted]
		}
		hinted += len(level)
		// Nodes are allocated for 2K entries; the size is a guess only when
		// the file set another K, and the scan reads what it lacks.
		addrs, size := make([]uint64, len(level)), 0
		for i, n := range level {
			addrs[i] = n.addr
			size = max(size, hdrSize+2*defaultBTreeK*(n.keySize+f.offsetSize)+n.keySize)
		}
		f.prefetch(addrs, size)
		var next []node
		for _, n := range level {
			if visited[n.addr] || ctx.Err() != nil {
				continue
			}
			visited[n.addr] = true
			d, err := f.decode("v1 B-tree node", n.addr, hdrSize)
			if err != nil {
				continue
			}
			d.signature("TREE")
			typ, lvl, entries := int(d.u8()), int(d.u8()), int(d.u16())
			if d.err != nil || typ != btree1Chunk || lvl == 0 {
				continue // a leaf's children are chunks
			}
			body, err := f.decode("v1 B-tree node", n.addr+uint64(hdrSize), entries*(n.keySize+f.offsetSize)+n.keySize)
			if err != nil {
				continue
			}
			for range entries {
				body.bytes(n.keySize)
				next = append(next, node{addr: body.addr(), keySize: n.keySize})
			}
			if body.err != nil {
				next = next[:len(next)-entries]
			}
		}
		level = next
	}
}
