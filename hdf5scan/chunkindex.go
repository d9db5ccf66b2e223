package hdf5scan

import (
	"fmt"
	"math/bits"

	"gokerchunk/refs"
)

// The chunk indexes of data layout message version 4 (HDF5-STRUCTURES §7.2–
// §7.7). Each reader returns the stored chunks as chunkRecords; placeChunks
// turns them into manifest entries as for the v1 B-tree.

// v4ChunkRecords reads the dataset's version 4 chunk index.
func (s *scanner) v4ChunkRecords(ds *dataset, m *refs.Manifest, nbytes int64) ([]chunkRecord, error) {
	l := ds.layout
	recs, err := s.v4IndexRecords(ds, m, nbytes)
	if err != nil || l.flags&layoutDontFilterPartialChunks == 0 || len(ds.filters) == 0 {
		return recs, err
	}
	// Partial edge chunks (those reaching past the current shape) were
	// stored without any filter: give them the mask that says so, and
	// placeChunks re-encodes them to the array's codecs (§7.7).
	all := uint32(1)<<len(ds.filters) - 1
	for i := range recs {
		for d, c := range m.Coords(recs[i].linear) {
			if (uint64(c)+1)*l.chunk[d] > ds.space.dims[d] {
				recs[i].mask = all
				break
			}
		}
	}
	return recs, nil
}

// v4IndexRecords dispatches on the index type.
func (s *scanner) v4IndexRecords(ds *dataset, m *refs.Manifest, nbytes int64) ([]chunkRecord, error) {
	l := ds.layout
	cs, err := s.newChunkSpace(ds, m)
	if err != nil {
		return nil, err
	}
	if l.address == undefinedAddr {
		return nil, nil // no chunk was ever written
	}
	switch l.indexType {
	case indexSingleChunk:
		return s.singleChunkRecords(ds, cs, nbytes)
	case indexImplicit:
		return s.implicitChunkRecords(ds, cs, nbytes)
	case indexFixedArray:
		return s.fixedArrayChunkRecords(ds, cs)
	case indexExtensible:
		return s.extensibleArrayChunkRecords(ds, cs)
	case indexBTree2:
		return s.btree2ChunkRecords(ds, cs)
	}
	return nil, errUnsupported(fmt.Sprintf("chunk index type %d", l.indexType))
}

// chunkSpace maps the linear chunk numbers of the v4 indexes to manifest
// positions. Numbers are row-major over the max-dims chunk grid; the
// extensible array first moves its unlimited dimension to the front
// ("swizzle", §7.5), whose extent then never matters.
type chunkSpace struct {
	m      *refs.Manifest
	order  []int    // order[k]: dataset dimension linearised k-th
	down   []uint64 // down[k]: linear numbers per step of order[k]
	extent []int    // chunks per dataset dimension that meet the current shape
	limit  uint64   // linear numbers from here on lie beyond the extent
	idx    []int
}

func (s *scanner) newChunkSpace(ds *dataset, m *refs.Manifest) (*chunkSpace, error) {
	rank := len(ds.layout.chunk)
	// The v2 B-tree stores chunk indices, not linear numbers: its
	// unlimited dimensions need no linearisation.
	swizzle := ds.layout.indexType == indexExtensible
	linear := ds.layout.indexType != indexBTree2
	cs := &chunkSpace{m: m, order: make([]int, 0, rank), down: make([]uint64, rank), extent: make([]int, rank), idx: make([]int, rank)}
	unlimited := -1
	for i, mx := range ds.space.maxDims {
		if mx == unlimitedDim {
			if !linear {
				continue
			}
			if unlimited >= 0 || !swizzle {
				return nil, s.f.formatError("data layout message", 0, "%s: %s index with unlimited dimensions %v", ds.path, indexNames[ds.layout.indexType], ds.space.maxDims)
			}
			unlimited = i
		}
	}
	if swizzle {
		if unlimited < 0 {
			return nil, s.f.formatError("data layout message", 0, "%s: extensible array index without an unlimited dimension", ds.path)
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
		if n > uint64(m.Grid[i]) {
			return nil, s.f.formatError("dataspace message", 0, "%s: %d chunks along dimension %d, the grid has %d", ds.path, n, i, m.Grid[i])
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

// position returns the manifest position of linear chunk number n, or false
// when the chunk lies beyond the current shape.
func (cs *chunkSpace) position(n uint64) (int, bool) {
	if n >= cs.limit {
		return 0, false
	}
	for k, i := range cs.order {
		c := n / cs.down[k]
		n %= cs.down[k]
		if c >= uint64(cs.extent[i]) {
			return 0, false
		}
		cs.idx[i] = int(c)
	}
	return cs.m.Linear(cs.idx), true
}

// singleChunkRecords: the index address is the chunk's (§7.2); a filtered
// chunk's size and mask are in the layout message.
func (s *scanner) singleChunkRecords(ds *dataset, cs *chunkSpace, nbytes int64) ([]chunkRecord, error) {
	pos, ok := cs.position(0)
	if !ok {
		return nil, nil
	}
	r := chunkRecord{linear: pos, addr: ds.layout.address, size: nbytes}
	if ds.layout.flags&layoutSingleIndexWithFilter != 0 {
		if ds.layout.singleSize > uint64(s.f.size) {
			return nil, s.f.formatError("data layout message", 0, "%s: single chunk of %d bytes in a %d-byte file", ds.path, ds.layout.singleSize, s.f.size)
		}
		r.size, r.mask = int64(ds.layout.singleSize), ds.layout.singleMask
	}
	return []chunkRecord{r}, nil
}

// implicitChunkRecords: every chunk of the max-dims grid is allocated back
// to back from the index address (§7.3); emit those meeting the shape.
func (s *scanner) implicitChunkRecords(ds *dataset, cs *chunkSpace, nbytes int64) ([]chunkRecord, error) {
	if len(ds.filters) > 0 {
		return nil, s.f.formatError("data layout message", 0, "%s: implicit chunk index with filters", ds.path)
	}
	rank := len(cs.extent)
	n := 1
	for _, e := range cs.extent {
		n *= e // bounded by the manifest's size
	}
	recs := make([]chunkRecord, 0, n)
	idx := make([]int, rank)
	for range n {
		var lin uint64
		for i, c := range idx {
			lin += uint64(c) * cs.down[i] // no swizzle: order is the identity
		}
		hi, off := bits.Mul64(lin, uint64(nbytes))
		if hi != 0 || off > uint64(s.f.size) {
			return nil, s.f.formatError("implicit chunk index", s.f.abs(ds.layout.address), "%s: chunk %v lies beyond the end of the file", ds.path, idx)
		}
		recs = append(recs, chunkRecord{linear: cs.m.Linear(idx), addr: ds.layout.address + off, size: nbytes})
		for i := rank - 1; i >= 0; i-- {
			if idx[i]++; idx[i] < cs.extent[i] {
				break
			}
			idx[i] = 0
		}
	}
	return recs, nil
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

// readEntries decodes n elements numbered from first and appends the stored
// chunks that meet the current shape.
func (s *scanner) readEntries(recs []chunkRecord, d *decoder, e chunkEntry, cs *chunkSpace, first uint64, n int) ([]chunkRecord, error) {
	for j := range n {
		addr, size, mask := e.read(d)
		if d.err != nil {
			return nil, d.err
		}
		if addr == undefinedAddr {
			continue
		}
		if pos, ok := cs.position(first + uint64(j)); ok {
			recs = append(recs, chunkRecord{linear: pos, addr: addr, size: size, mask: mask})
		}
	}
	return recs, s.ctx.Err()
}
