package hdf5scan

import (
	"context"
	"fmt"
	"math/bits"
)

// The chunk indexes of a chunked dataset: the v1 B-tree of data layout
// messages version 1–3 (spec §III.A.1) and the indexes of version 4
// (HDF5-STRUCTURES §7.2–§7.7). walkChunks reads whichever the layout names
// and yields the stored chunks as chunkRecords, in index order; where they
// go in a Zarr chunk grid is the translation's business.

// chunkRecord is one stored chunk as its index lists it.
type chunkRecord struct {
	// coords is the chunk's position in the chunk grid, one index per
	// dimension of the dataspace (element offset / chunk length). The
	// slice is reused from one record to the next.
	coords []int
	addr   uint64
	// size is the stored size; 0 when the index does not record it
	// (unfiltered fixed and extensible arrays, v2 B-tree record type 10):
	// such chunks are stored whole.
	size int64
	mask uint32 // filter mask: bit i set when filter i was skipped
}

// chunkSink receives the records of a chunk index walk; an error ends the
// walk.
type chunkSink interface {
	chunk(chunkRecord) error
}

// walkChunks passes every stored chunk of the chunked dataset ds to sink.
// nbytes is the size of a whole unfiltered chunk (the chunk's elements ×
// the element size), which the single-chunk and implicit indexes do not
// record. The v1 B-tree yields every chunk it lists; the version 4 indexes
// yield only the chunks that meet the current shape.
func (f *file) walkChunks(ctx context.Context, ds *dataset, nbytes int64, sink chunkSink) error {
	l := ds.layout
	if l.indexType == indexBTree1 {
		return f.walkBTree1Chunks(ctx, ds, sink)
	}
	cs, err := f.newChunkSpace(ds)
	if err != nil {
		return err
	}
	if l.address == undefinedAddr {
		return nil // no chunk was ever written
	}
	if l.flags&layoutDontFilterPartialChunks != 0 && len(ds.filters) > 0 {
		sink = &partialEdgeChunks{ds: ds, next: sink}
	}
	switch l.indexType {
	case indexSingleChunk:
		return f.singleChunk(ds, cs, nbytes, sink)
	case indexImplicit:
		return f.implicitChunks(ds, cs, nbytes, sink)
	case indexFixedArray:
		return f.fixedArrayChunks(ctx, ds, cs, sink)
	case indexExtensible:
		return f.extensibleArrayChunks(ctx, ds, cs, sink)
	case indexBTree2:
		return f.btree2Chunks(ctx, ds, cs, sink)
	}
	return errUnsupported(fmt.Sprintf("chunk index type %d", l.indexType))
}

// partialEdgeChunks passes on the records of a dataset whose partial edge
// chunks (those reaching past the current shape) were stored without any
// filter (§7.7), giving those the mask that says so.
type partialEdgeChunks struct {
	ds   *dataset
	next chunkSink
}

func (p *partialEdgeChunks) chunk(r chunkRecord) error {
	for d, c := range r.coords {
		if (uint64(c)+1)*p.ds.layout.chunk[d] > p.ds.space.dims[d] {
			r.mask = uint32(1)<<len(p.ds.filters) - 1
			break
		}
	}
	return p.next.chunk(r)
}

// chunkSpace maps the linear chunk numbers of the v4 indexes to chunk grid
// coordinates. Numbers are row-major over the max-dims chunk grid; the
// extensible array first moves its unlimited dimension to the front
// ("swizzle", §7.5), whose extent then never matters.
type chunkSpace struct {
	order  []int    // order[k]: dataset dimension linearised k-th
	down   []uint64 // down[k]: linear numbers per step of order[k]
	extent []int    // chunks per dataset dimension that meet the current shape
	limit  uint64   // linear numbers from here on lie beyond the extent
	idx    []int
}

func (f *file) newChunkSpace(ds *dataset) (*chunkSpace, error) {
	rank := len(ds.layout.chunk)
	// The v2 B-tree stores chunk indices, not linear numbers: its
	// unlimited dimensions need no linearisation.
	swizzle := ds.layout.indexType == indexExtensible
	linear := ds.layout.indexType != indexBTree2
	cs := &chunkSpace{order: make([]int, 0, rank), down: make([]uint64, rank), extent: make([]int, rank), idx: make([]int, rank)}
	unlimited := -1
	for i, mx := range ds.space.maxDims {
		if mx == unlimitedDim {
			if !linear {
				continue
			}
			if unlimited >= 0 || !swizzle {
				return nil, f.formatError("data layout message", 0, "%s: %s index with unlimited dimensions %v", ds.path, indexNames[ds.layout.indexType], ds.space.maxDims)
			}
			unlimited = i
		}
	}
	if swizzle {
		if unlimited < 0 {
			return nil, f.formatError("data layout message", 0, "%s: extensible array index without an unlimited dimension", ds.path)
		}
		cs.order = append(cs.order, unlimited)
	}
	for i := 0; i < rank; i++ {
		if i != unlimited {
			cs.order = append(cs.order, i)
		}
	}
	for i, c := range ds.layout.chunk {
		n := ds.space.dims[i]/c + min(ds.space.dims[i]%c, 1)
		if n > 1<<62 {
			return nil, f.formatError("dataspace message", 0, "%s: %d chunks along dimension %d", ds.path, n, i)
		}
		cs.extent[i] = int(n)
	}
	stride := uint64(1)
	for k := rank - 1; k >= 0; k-- {
		i := cs.order[k]
		cs.down[k] = stride
		if k == 0 {
			break
		}
		mx := max(ds.space.maxDims[i], ds.space.dims[i])
		if mx == unlimitedDim {
			break // v2 B-tree: linear numbers are not used
		}
		n := mx/ds.layout.chunk[i] + min(mx%ds.layout.chunk[i], 1)
		hi, lo := bits.Mul64(stride, n)
		if hi != 0 || lo > 1<<62 {
			return nil, errUnsupported(fmt.Sprintf("a maximum chunk grid larger than 2^62 chunks (max shape %v)", ds.space.maxDims))
		}
		stride = lo
	}
	if rank > 0 {
		if hi, lo := bits.Mul64(cs.down[0], uint64(cs.extent[cs.order[0]])); hi != 0 {
			cs.limit = ^uint64(0)
		} else {
			cs.limit = lo
		}
	}
	return cs, nil
}

// position returns the chunk grid coordinates of linear chunk number n (in
// cs.idx, overwritten by the next call), or false when the chunk lies
// beyond the current shape.
func (cs *chunkSpace) position(n uint64) ([]int, bool) {
	if n >= cs.limit {
		return nil, false
	}
	for k, i := range cs.order {
		c := n / cs.down[k]
		n %= cs.down[k]
		if c >= uint64(cs.extent[i]) {
			return nil, false
		}
		cs.idx[i] = int(c)
	}
	return cs.idx, true
}

// singleChunk: the index address is the chunk's (§7.2); a filtered chunk's
// size and mask are in the layout message.
func (f *file) singleChunk(ds *dataset, cs *chunkSpace, nbytes int64, sink chunkSink) error {
	coords, ok := cs.position(0)
	if !ok {
		return nil
	}
	r := chunkRecord{coords: coords, addr: ds.layout.address, size: nbytes}
	if ds.layout.flags&layoutSingleIndexWithFilter != 0 {
		if ds.layout.singleSize > uint64(f.size) {
			return f.formatError("data layout message", 0, "%s: single chunk of %d bytes in a %d-byte file", ds.path, ds.layout.singleSize, f.size)
		}
		r.size, r.mask = int64(ds.layout.singleSize), ds.layout.singleMask
	}
	return sink.chunk(r)
}

// implicitChunks: every chunk of the max-dims grid is allocated back to back
// from the index address (§7.3); yield those meeting the shape.
func (f *file) implicitChunks(ds *dataset, cs *chunkSpace, nbytes int64, sink chunkSink) error {
	if len(ds.filters) > 0 {
		return f.formatError("data layout message", 0, "%s: implicit chunk index with filters", ds.path)
	}
	for _, e := range cs.extent {
		if e == 0 {
			return nil
		}
	}
	// Linear numbers grow along the walk, so a corrupt shape ends it at
	// the end of the file rather than after all its chunks.
	rank := len(cs.extent)
	idx := make([]int, rank)
	for {
		var lin uint64
		for i, c := range idx {
			lin += uint64(c) * cs.down[i] // no swizzle: order is the identity
		}
		hi, off := bits.Mul64(lin, uint64(nbytes))
		if hi != 0 || off > uint64(f.size) {
			return f.formatError("implicit chunk index", f.abs(ds.layout.address), "%s: chunk %v lies beyond the end of the file", ds.path, idx)
		}
		if err := sink.chunk(chunkRecord{coords: idx, addr: ds.layout.address + off, size: nbytes}); err != nil {
			return err
		}
		i := rank - 1
		for ; i >= 0; i-- {
			if idx[i]++; idx[i] < cs.extent[i] {
				break
			}
			idx[i] = 0
		}
		if i < 0 {
			return nil
		}
	}
}

// chunkEntry decodes the elements of fixed and extensible arrays (§7.4):
// client 0 holds a chunk address, client 1 (filtered) an address, the stored
// size in sizeWidth bytes and the filter mask.
type chunkEntry struct {
	filtered  bool
	size      int // bytes per element
	sizeWidth int
}

func (f *file) newChunkEntry(structure string, off int64, client, elemSize uint8, filters bool) (chunkEntry, error) {
	e := chunkEntry{size: int(elemSize)}
	switch {
	case client == 0 && !filters && e.size == f.offsetSize:
	case client == 1 && filters && e.size > f.offsetSize+4 && e.size <= f.offsetSize+4+8:
		e.filtered = true
		e.sizeWidth = e.size - f.offsetSize - 4
	default:
		return e, f.formatError(structure, off, "client %d with %d-byte elements (filters: %v)", client, elemSize, filters)
	}
	return e, nil
}

// read decodes one element; undefined addresses are missing chunks.
func (e chunkEntry) read(d *decoder) (addr uint64, size int64, mask uint32) {
	addr = d.addr()
	if e.filtered {
		sz := d.uint(e.sizeWidth)
		mask = d.u32()
		if sz > uint64(d.f.size) && addr != undefinedAddr {
			d.fail("chunk of %d bytes in a %d-byte file", sz, d.f.size)
		}
		size = int64(min(sz, uint64(d.f.size)))
	}
	return addr, size, mask
}

// readEntries decodes n elements numbered from first and passes on the stored
// chunks that meet the current shape.
func readEntries(ctx context.Context, d *decoder, e chunkEntry, cs *chunkSpace, first uint64, n int, sink chunkSink) error {
	for j := range n {
		addr, size, mask := e.read(d)
		if d.err != nil {
			return d.err
		}
		if addr == undefinedAddr {
			continue
		}
		if coords, ok := cs.position(first + uint64(j)); ok {
			if err := sink.chunk(chunkRecord{coords: coords, addr: addr, size: size, mask: mask}); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
