package hdf5scan

import "fmt"

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

// parseLayout decodes the data layout message. Versions 1, 2 and 4 and the
// v4-only chunk indexes come with a later issue; here they are reported as
// unsupported by the caller through errUnsupportedLayout.
func (f *file) parseLayout(m message) (*layout, error) {
	d := f.decoderOver("data layout message", m.off, m.data)
	l := &layout{version: int(d.u8())}
	switch l.version {
	case 3, 4:
	case 1, 2:
		return l, errUnsupported(fmt.Sprintf("data layout message version %d", l.version))
	default:
		d.fail("data layout version %d is not defined (1 to 4)", l.version)
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
		if l.version == 4 {
			d.u8() // flags
		}
		rank := int(d.u8())
		if rank < 1 || rank > maxRank+1 {
			d.fail("chunk rank %d", rank)
			return nil, d.err
		}
		width := 4
		if l.version == 4 {
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
			l.indexType = int(d.u8())
			if d.err == nil {
				return l, errUnsupported(fmt.Sprintf("chunk index %q (data layout version 4)", indexNames[l.indexType]))
			}
		}
		for _, c := range l.chunk {
			if c == 0 && d.err == nil {
				d.fail("chunk dimension 0")
			}
		}
	case layoutVirtual:
		return l, errUnsupported("virtual dataset")
	default:
		d.fail("layout class %d is not defined", l.class)
	}
	if d.err != nil {
		return nil, d.err
	}
	return l, nil
}

// errUnsupported is an UnsupportedError without file and path; the dataset
// code fills those in.
func errUnsupported(feature string) error { return &UnsupportedError{Feature: feature} }
