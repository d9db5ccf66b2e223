package hdf5scan

import (
	"fmt"

	"gokerchunk/format"
)

// Storage layout classes (spec §IV.A.2.i).
const (
	layoutCompact    = 0
	layoutContiguous = 1
	layoutChunked    = 2
	layoutVirtual    = 3
)

// Chunk index types of data layout message version 4.
const (
	indexBTree1      = 0 // implied by layout versions 1 to 3
	indexSingleChunk = 1
	indexImplicit    = 2
	indexFixedArray  = 3
	indexExtensible  = 4
	indexBTree2      = 5
)

var indexNames = map[int]string{
	indexBTree1: "v1 B-tree", indexSingleChunk: "single chunk", indexImplicit: "implicit",
	indexFixedArray: "fixed array", indexExtensible: "extensible array", indexBTree2: "v2 B-tree",
}

// layout is a decoded data layout message.
type layout struct {
	version int
	class   int
	// compact: the data itself
	compact []byte
	// contiguous: address (undefined when never written) and size
	address uint64
	size    uint64
	// chunked: chunk dimensions (without the trailing element size), the
	// element size, the index type and its address
	chunk     []uint64
	elemSize  uint64
	indexType int

	// Version 4 only (spec §IV.A.2.i): flags, the filtered single chunk's
	// stored size and filter mask, and the index creation parameters. The
	// index structures repeat the parameters; the copies must agree.
	flags      uint8
	singleSize uint64
	singleMask uint32
	faPageBits uint8
	ea         eaParams
	bt2        bt2Params
}

// Data layout message version 4 chunked flags.
const (
	layoutDontFilterPartialChunks = 1 << 0
	layoutSingleIndexWithFilter   = 1 << 1
)

// eaParams are the extensible array creation parameters (H5EA_create_t).
type eaParams struct {
	maxBits     uint8 // log2 of the maximum number of elements
	idxBlkElmts uint8 // elements stored in the index block itself
	minDataPtrs uint8 // minimum data block pointers of a super block
	minElmts    uint8 // minimum elements of a data block
	pageBits    uint8 // log2 of the elements of a data block page
}

// bt2Params are the v2 B-tree creation parameters of a chunk index.
type bt2Params struct {
	nodeSize           uint32
	splitPct, mergePct uint8
}

func (l *layout) describe() string {
	switch l.class {
	case layoutCompact:
		return "compact"
	case layoutContiguous:
		return "contiguous"
	case layoutChunked:
		return "chunked, " + indexNames[l.indexType] + " index"
	case layoutVirtual:
		return "virtual"
	}
	return fmt.Sprintf("layout class %d", l.class)
}

// parseLayout decodes the data layout message, versions 1 to 5. Version 5
// (HDF5 2.0) encodes the message itself as version 4 does.
func (f *file) parseLayout(m message) (*layout, error) {
	d := f.decoderOver("data layout message", m.off, m.data)
	l := &layout{version: int(d.u8())}
	switch l.version {
	case 3, 4:
	case 5:
		// HDF5 2.0: the fields of version 4. What it may change is the
		// width of the chunk-size field in the entries of filtered chunk
		// indexes, which the index readers take from the entry or record
		// size instead of recomputing it.
	case 1, 2:
		l.parseV1(d)
		if d.err != nil {
			return nil, d.err
		}
		return l, nil
	default:
		d.fail("data layout version %d is not defined (1 to 5)", l.version)
		return nil, d.err
	}
	l.class = int(d.u8())
	switch l.class {
	case layoutCompact:
		size := int(d.u16())
		l.compact = d.bytes(size)
	case layoutContiguous:
		l.address = d.addr()
		l.size = d.length()
	case layoutChunked:
		if l.version >= 4 {
			l.flags = d.u8()
			if l.flags&^(layoutDontFilterPartialChunks|layoutSingleIndexWithFilter) != 0 {
				d.fail("chunked layout flags %#x", l.flags)
			}
		}
		rank := int(d.u8())
		if rank < 1 || rank > maxRank+1 {
			d.fail("chunk rank %d", rank)
			return nil, d.err
		}
		width := 4
		if l.version >= 4 {
			width = int(d.u8())
			if width < 1 || width > 8 {
				d.fail("chunk dimension width %d", width)
				return nil, d.err
			}
		}
		if l.version == 3 {
			l.address = d.addr()
		}
		dims := make([]uint64, rank)
		for i := range dims {
			dims[i] = d.uint(width)
		}
		l.chunk, l.elemSize = dims[:rank-1], dims[rank-1]
		if l.version == 3 {
			l.indexType = indexBTree1
		} else {
			l.parseIndex(d)
		}
		for _, c := range l.chunk {
			if c == 0 && d.err == nil {
				d.fail("chunk dimension 0")
			}
		}
	case layoutVirtual:
		return l, errUnsupported("virtual dataset (its values are mapped from other datasets, which are referenced under their own paths)")
	default:
		d.fail("layout class %d is not defined", l.class)
	}
	if d.err != nil {
		return nil, d.err
	}
	return l, nil
}

// parseV1 decodes the rest of a version 1 or 2 data layout message (HDF5
// 1.6 and older; H5O__layout_decode): dimensionality (1), layout class
// (1), 5 reserved bytes, the data or B-tree address (contiguous and
// chunked only), dimensionality sizes of 4 bytes, then for compact storage
// a 4-byte size and the data. For chunked storage the dimensions are the
// chunk shape plus the element size; for contiguous storage they are
// skipped and the size follows from the dataspace and datatype (see
// readDataset), because these versions truncated large dimensions.
func (l *layout) parseV1(d *decoder) {
	ndims := int(d.u8())
	l.class = int(d.u8())
	d.skip(5)
	if d.err != nil {
		return
	}
	if ndims < 1 || ndims > maxRank+1 {
		d.fail("dimensionality %d", ndims)
		return
	}
	switch l.class {
	case layoutContiguous:
		l.address = d.addr()
		d.skip(4 * ndims)
		l.size = undefinedAddr // computed by readDataset
	case layoutChunked:
		if ndims < 2 {
			d.fail("chunked layout of dimensionality %d", ndims)
			return
		}
		l.address = d.addr()
		dims := make([]uint64, ndims)
		for i := range dims {
			if dims[i] = uint64(d.u32()); dims[i] == 0 && d.err == nil {
				d.fail("chunk dimension %d is 0", i)
			}
		}
		l.chunk, l.elemSize = dims[:ndims-1], dims[ndims-1]
		l.indexType = indexBTree1
	case layoutCompact:
		d.skip(4 * ndims)
		size := d.u32()
		if uint64(size) > uint64(d.remaining()) && d.err == nil {
			d.fail("compact data of %d bytes in a %d-byte message", size, d.remaining())
			return
		}
		l.compact = d.bytes(int(size))
	default:
		d.fail("layout class %d is not defined for version %d (0 to 2)", l.class, l.version)
	}
}

// parseIndex reads the chunk index type, its parameters and its address
// from a version 4 layout message (HDF5-STRUCTURES §5.4).
func (l *layout) parseIndex(d *decoder) {
	l.indexType = int(d.u8())
	switch l.indexType {
	case indexSingleChunk:
		if l.flags&layoutSingleIndexWithFilter != 0 {
			l.singleSize = d.length()
			l.singleMask = d.u32()
		}
	case indexImplicit:
	case indexFixedArray:
		l.faPageBits = d.u8()
	case indexExtensible:
		// The layout message's order; EAHD swaps the middle two.
		l.ea = eaParams{maxBits: d.u8(), idxBlkElmts: d.u8(), minDataPtrs: d.u8(), minElmts: d.u8(), pageBits: d.u8()}
	case indexBTree2:
		l.bt2 = bt2Params{nodeSize: d.u32(), splitPct: d.u8(), mergePct: d.u8()}
	default:
		d.fail("chunk index type %d is not defined (1 to 5)", l.indexType)
	}
	l.address = d.addr()
}

// errUnsupported is an UnsupportedError without file and path; the dataset
// code fills those in.
func errUnsupported(feature string) error { return &format.UnsupportedError{Feature: feature} }
