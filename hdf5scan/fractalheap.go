package hdf5scan

import (
	"math/bits"
)

// fractalHeap is an open fractal heap (spec §III.G): the store of dense
// links, dense attributes and shared messages. Objects are found by heap ID:
// managed objects live in direct blocks arranged in a doubling table, tiny
// objects inside the ID itself, huge objects in their own file space.
//
// A fractalHeap caches the blocks it has read, because a dense group or
// attribute set resolves many objects from the same few blocks.
type fractalHeap struct {
	f    *file
	addr uint64 // stored address of the FRHP header
	off  int64  // its absolute offset, for errors

	idLen      int    // heap ID length
	filterLen  int    // I/O filter information length; > 0 means filtered blocks
	flags      uint8  // bit 1: direct blocks are checksummed
	maxManaged uint32 // maximum size of a managed object
	hugeBTree  uint64 // v2 B-tree of huge objects (record type 1 or 2)

	// Doubling table parameters (spec §III.G, "Fractal Heap Header").
	width       uint64 // blocks per row
	startBlock  uint64 // size of row 0 and row 1 blocks
	maxDirect   uint64 // largest direct block; rows past it hold indirect blocks
	maxHeapBits int    // heap offsets are below 1<<maxHeapBits
	rootAddr    uint64
	rootRows    int // 0: the root is a direct block

	// Derived, as H5HF_dtable_init computes them.
	offBytes      int      // width of heap offsets: block offset fields and managed IDs
	lenBytes      int      // width of the length in managed IDs
	firstRowBits  int      // log2(startBlock·width)
	maxDirectRows int      // rows of the doubling table holding direct blocks
	rowSize       []uint64 // size of one block in row r
	rowOff        []uint64 // heap offset of row r from its indirect block's start

	direct   map[uint64][]byte         // direct blocks by address
	indirect map[uint64]*indirectBlock // indirect blocks by address
	huge     map[uint64]hugeObject     // huge objects by ID, loaded on first use
}

// indirectBlock is a parsed FHIB: the child block addresses, row by row.
type indirectBlock struct {
	rows     int
	children []uint64 // width·rows entries; direct-block rows first
}

// hugeObject locates a huge object recorded in the huge-object v2 B-tree.
type hugeObject struct {
	addr, length uint64
}

// Heap ID types, bits 4–5 of the ID's first byte (spec §III.G, "Fractal
// Heap ID").
const (
	heapIDManaged = 0
	heapIDHuge    = 1
	heapIDTiny    = 2
)

// openFractalHeap parses the fractal heap header (FRHP) at addr and verifies
// its checksum.
func (f *file) openFractalHeap(addr uint64) (*fractalHeap, error) {
	const structure = "fractal heap header"
	// Everything up to the optional filter fields, plus the checksum.
	fixed := 4 + 1 + 2 + 2 + 1 + 4 + 12*f.lengthSize + 3*f.offsetSize + 4*2
	d, err := f.decode(structure, addr, fixed+4)
	if err != nil {
		return nil, err
	}
	h := &fractalHeap{f: f, addr: addr, off: f.abs(addr)}
	d.signature("FRHP")
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	h.idLen = int(d.u16())
	h.filterLen = int(d.u16())
	if d.err == nil && h.filterLen > 0 {
		// The filtered root size, filter mask and pipeline message sit
		// between the fixed fields and the checksum: read again, longer.
		if d, err = f.decode(structure, addr, fixed+f.lengthSize+4+h.filterLen+4); err != nil {
			return nil, err
		}
		d.skip(4 + 1 + 2 + 2)
	}
	h.flags = d.u8()
	h.maxManaged = d.u32()
	d.length() // next huge object ID
	h.hugeBTree = d.addr()
	d.length() // free space in managed blocks
	d.addr()   // free-space manager
	d.length() // managed space
	d.length() // allocated managed space
	d.length() // direct block allocation iterator
	d.length() // managed objects
	d.length() // size of huge objects
	d.length() // huge objects
	d.length() // size of tiny objects
	d.length() // tiny objects
	h.width = uint64(d.u16())
	h.startBlock = d.length()
	h.maxDirect = d.length()
	h.maxHeapBits = int(d.u16())
	d.u16() // starting rows in the root indirect block
	h.rootAddr = d.addr()
	h.rootRows = int(d.u16())
	if h.filterLen > 0 {
		d.length() // size of the filtered root direct block
		d.u32()    // filter mask of the root direct block
		d.skip(h.filterLen)
	}
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	if err := h.initDoublingTable(); err != nil {
		return nil, err
	}
	return h, nil
}

// initDoublingTable checks the doubling-table parameters and derives the
// row geometry (H5HF_dtable_init, H5HF_hdr_finish_init_phase1): every later
// size and offset computation relies on them being powers of two within the
// heap's address space.
func (h *fractalHeap) initDoublingTable() error {
	pow2 := func(v uint64) bool { return v != 0 && v&(v-1) == 0 }
	switch {
	case h.idLen < 1:
		return h.errorf("heap ID length %d", h.idLen)
	case !pow2(h.width):
		return h.errorf("doubling table width %d is not a power of two", h.width)
	case !pow2(h.startBlock):
		return h.errorf("starting block size %d is not a power of two", h.startBlock)
	case !pow2(h.maxDirect) || h.maxDirect < h.startBlock:
		return h.errorf("maximum direct block size %d (starting size %d)", h.maxDirect, h.startBlock)
	case h.maxHeapBits < 1 || h.maxHeapBits > 64:
		return h.errorf("maximum heap size of %d bits", h.maxHeapBits)
	}
	startBits := bits.TrailingZeros64(h.startBlock)
	directBits := bits.TrailingZeros64(h.maxDirect)
	h.firstRowBits = startBits + bits.TrailingZeros64(h.width)
	if h.firstRowBits > h.maxHeapBits || directBits > h.maxHeapBits {
		return h.errorf("first row of %d bits or direct blocks of %d bits exceed the heap's %d bits",
			h.firstRowBits, directBits, h.maxHeapBits)
	}
	maxRootRows := h.maxHeapBits - h.firstRowBits + 1
	h.maxDirectRows = directBits - startBits + 2
	if h.maxDirectRows > maxRootRows {
		h.maxDirectRows = maxRootRows
	}
	if h.rootRows > maxRootRows {
		return h.errorf("root indirect block has %d rows, the heap allows %d", h.rootRows, maxRootRows)
	}
	h.rowSize = make([]uint64, maxRootRows)
	h.rowOff = make([]uint64, maxRootRows)
	h.rowSize[0] = h.startBlock
	for r := 1; r < maxRootRows; r++ {
		h.rowSize[r] = h.startBlock << (r - 1)
		h.rowOff[r] = 1 << (h.firstRowBits + r - 1)
	}
	h.offBytes = (h.maxHeapBits + 7) / 8
	h.lenBytes = (directBits + 7) / 8
	if n := bytesNeeded(uint64(h.maxManaged)); n < h.lenBytes {
		h.lenBytes = n
	}
	return nil
}

func (h *fractalHeap) errorf(format string, args ...any) error {
	return h.f.formatError("fractal heap header", h.off, format, args...)
}

// object returns the bytes of the heap object named by id. The result may
// share memory with the heap's block cache or with id: do not modify it.
func (h *fractalHeap) object(id []byte) ([]byte, error) {
	if len(id) < 1 || len(id) > h.idLen {
		return nil, h.errorf("%d-byte heap ID, the heap's IDs are %d bytes", len(id), h.idLen)
	}
	if v := id[0] >> 6; v != 0 {
		return nil, h.errorf("heap ID version %d, want 0", v)
	}
	switch typ := (id[0] >> 4) & 3; typ {
	case heapIDManaged:
		return h.managed(id)
	case heapIDTiny:
		return h.tiny(id)
	case heapIDHuge:
		return h.readHuge(id)
	default:
		return nil, h.errorf("heap ID type %d", typ)
	}
}

// tiny returns an object stored inside its heap ID (H5HFtiny.c). IDs longer
// than 18 bytes use the extended form: the length−1 is 12 bits, the high 4
// in the first byte's low nibble and the low 8 in the second byte.
func (h *fractalHeap) tiny(id []byte) ([]byte, error) {
	var n, start int
	if h.idLen <= 18 {
		n, start = int(id[0]&0x0f)+1, 1
	} else {
		if len(id) < 2 {
			return nil, h.errorf("extended tiny heap ID of %d bytes", len(id))
		}
		n, start = (int(id[0]&0x0f)<<8|int(id[1]))+1, 2
	}
	if start+n > len(id) {
		return nil, h.errorf("tiny object of %d bytes in a %d-byte heap ID", n, len(id))
	}
	return id[start : start+n], nil
}

// managed returns an object stored in a direct block: the ID holds its
// heap offset and length.
func (h *fractalHeap) managed(id []byte) ([]byte, error) {
	if 1+h.offBytes+h.lenBytes > len(id) {
		return nil, h.errorf("managed heap ID of %d bytes, need %d", len(id), 1+h.offBytes+h.lenBytes)
	}
	d := h.f.decoderOver("fractal heap ID", h.off, id[1:])
	off := d.uint(h.offBytes)
	length := d.uint(h.lenBytes)
	if d.err != nil {
		return nil, d.err
	}
	if h.filterLen > 0 {
		return nil, errUnsupported("filtered fractal heap")
	}
	if length == 0 || length > uint64(h.maxManaged) {
		return nil, h.errorf("managed object of %d bytes (maximum %d)", length, h.maxManaged)
	}
	blockAddr, blockOff, size, err := h.locate(off)
	if err != nil {
		return nil, err
	}
	block, err := h.directBlock(blockAddr, blockOff, size)
	if err != nil {
		return nil, err
	}
	// Heap offsets count from the start of the direct block, header
	// included, so an object can never start inside the header.
	pos := off - blockOff
	if pos < uint64(h.directHeaderSize()) || length > size-pos {
		return nil, h.f.formatError("fractal heap direct block", h.f.abs(blockAddr),
			"object at heap offset %d, %d bytes, outside the %d-byte block at heap offset %d", off, length, size, blockOff)
	}
	return block[pos : pos+length], nil
}

// lookupRow maps an offset relative to an indirect block's start to the row
// and column of the doubling table that covers it (H5HF_dtable_lookup).
func (h *fractalHeap) lookupRow(rel uint64) (row int, col uint64) {
	if rel < h.startBlock*h.width {
		return 0, rel / h.startBlock
	}
	high := bits.Len64(rel) - 1
	row = high - h.firstRowBits + 1
	if row >= len(h.rowSize) {
		return row, 0
	}
	return row, (rel - 1<<high) / h.rowSize[row]
}

// locate finds the direct block holding heap offset off: its address, its
// own heap offset and its size. It descends from the root indirect block
// through child indirect blocks; a child in row r covers rowSize[r] bytes
// and so has log2(rowSize[r]) − firstRowBits + 1 rows, always fewer than its
// parent, which bounds the descent.
func (h *fractalHeap) locate(off uint64) (addr, blockOff, size uint64, err error) {
	if h.maxHeapBits < 64 && off>>h.maxHeapBits != 0 {
		return 0, 0, 0, h.errorf("heap offset %d beyond the heap's %d bits", off, h.maxHeapBits)
	}
	if h.rootRows == 0 {
		if off >= h.startBlock {
			return 0, 0, 0, h.errorf("heap offset %d beyond the %d-byte root direct block", off, h.startBlock)
		}
		return h.rootAddr, 0, h.startBlock, nil
	}
	addr, rows, base := h.rootAddr, h.rootRows, uint64(0)
	for depth := 0; depth <= len(h.rowSize); depth++ {
		ib, err := h.indirectBlock(addr, rows, base)
		if err != nil {
			return 0, 0, 0, err
		}
		row, col := h.lookupRow(off - base)
		if row >= rows {
			return 0, 0, 0, h.f.formatError("fractal heap indirect block", h.f.abs(addr),
				"heap offset %d lies in row %d of a %d-row block", off, row, rows)
		}
		child := ib.children[uint64(row)*h.width+col]
		if child == undefinedAddr {
			return 0, 0, 0, h.f.formatError("fractal heap indirect block", h.f.abs(addr),
				"heap offset %d lies in an unallocated block (row %d, column %d)", off, row, col)
		}
		childOff := base + h.rowOff[row] + col*h.rowSize[row]
		if row < h.maxDirectRows {
			return child, childOff, h.rowSize[row], nil
		}
		addr, base = child, childOff
		rows = bits.TrailingZeros64(h.rowSize[row]) - h.firstRowBits + 1
	}
	return 0, 0, 0, h.errorf("indirect blocks nested deeper than the doubling table allows")
}

// indirectBlock reads and caches the FHIB at addr, which must have the given
// number of rows and start at heap offset blockOff.
func (h *fractalHeap) indirectBlock(addr uint64, rows int, blockOff uint64) (*indirectBlock, error) {
	const structure = "fractal heap indirect block"
	if ib, ok := h.indirect[addr]; ok {
		if ib.rows != rows {
			return nil, h.f.formatError(structure, h.f.abs(addr), "reached as a %d-row and a %d-row block", ib.rows, rows)
		}
		return ib, nil
	}
	directRows := min(rows, h.maxDirectRows)
	nDirect := uint64(directRows) * h.width
	nIndirect := uint64(rows-directRows) * h.width
	direntry := uint64(h.f.offsetSize)
	if h.filterLen > 0 {
		direntry += uint64(h.f.lengthSize) + 4 // filtered size + filter mask
	}
	size := uint64(4+1+h.f.offsetSize+h.offBytes+4) + nDirect*direntry + nIndirect*uint64(h.f.offsetSize)
	if nDirect+nIndirect > uint64(h.f.size) || size > uint64(h.f.size) {
		return nil, h.f.formatError(structure, h.f.abs(addr), "%d rows of %d blocks do not fit in the file", rows, h.width)
	}
	d, err := h.f.decode(structure, addr, int(size))
	if err != nil {
		return nil, err
	}
	h.blockHeader(d, "FHIB", blockOff)
	ib := &indirectBlock{rows: rows, children: make([]uint64, nDirect+nIndirect)}
	for i := range ib.children {
		ib.children[i] = d.addr()
		if uint64(i) < nDirect && h.filterLen > 0 {
			d.length()
			d.u32()
		}
	}
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	if h.indirect == nil {
		h.indirect = make(map[uint64]*indirectBlock)
	}
	h.indirect[addr] = ib
	return ib, nil
}

// blockHeader checks the prefix shared by indirect and direct blocks:
// signature, version 0, the address of this heap's header and the block's
// offset in the heap's address space.
func (h *fractalHeap) blockHeader(d *decoder, sig string, blockOff uint64) {
	d.signature(sig)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	if a := d.addr(); d.err == nil && a != h.addr {
		d.fail("heap header address %d, want %d", a, h.addr)
	}
	if o := d.uint(h.offBytes); d.err == nil && o != blockOff {
		d.fail("block offset %d, want %d", o, blockOff)
	}
}

// directHeaderSize is the size of an FHDB header: signature, version, heap
// header address, block offset and, when the heap says so, a checksum.
func (h *fractalHeap) directHeaderSize() int {
	n := 4 + 1 + h.f.offsetSize + h.offBytes
	if h.flags&2 != 0 {
		n += 4
	}
	return n
}

// directBlock reads and caches the whole FHDB at addr, checking that it
// belongs to this heap at heap offset blockOff. The checksum, when present,
// covers the whole block with the checksum field zeroed.
func (h *fractalHeap) directBlock(addr, blockOff, size uint64) ([]byte, error) {
	const structure = "fractal heap direct block"
	if b, ok := h.direct[addr]; ok {
		if uint64(len(b)) != size {
			return nil, h.f.formatError(structure, h.f.abs(addr), "reached as a %d-byte and a %d-byte block", len(b), size)
		}
		return b, nil
	}
	if size > uint64(h.f.size) || size < uint64(h.directHeaderSize()) {
		return nil, h.f.formatError(structure, h.f.abs(addr), "%d-byte block does not fit in the file", size)
	}
	d, err := h.f.decode(structure, addr, int(size))
	if err != nil {
		return nil, err
	}
	h.blockHeader(d, "FHDB", blockOff)
	if d.err == nil && h.flags&2 != 0 {
		at := d.pos
		stored := d.u32()
		var zero [4]byte
		saved := [4]byte(d.buf[at : at+4])
		copy(d.buf[at:], zero[:])
		sum := lookup3(d.buf)
		copy(d.buf[at:], saved[:])
		if stored != sum {
			d.pos = at
			d.fail("checksum %#08x, computed %#08x", stored, sum)
		}
	}
	if d.err != nil {
		return nil, d.err
	}
	if h.direct == nil {
		h.direct = make(map[uint64][]byte)
	}
	h.direct[addr] = d.buf
	return d.buf, nil
}

// readHuge returns an object too big for a direct block (H5HFhuge.c).
// When the heap ID is long enough it holds the object's address and length
// directly; otherwise it holds an ID to look up in the huge-object v2 B-tree.
func (h *fractalHeap) readHuge(id []byte) ([]byte, error) {
	o, l := h.f.offsetSize, h.f.lengthSize
	d := h.f.decoderOver("fractal heap ID", h.off, id[1:])
	var loc hugeObject
	switch {
	case h.filterLen > 0:
		// Filtered huge objects (B-tree record types 2 and 4, or a direct
		// ID with a filter mask) must be decompressed first.
		return nil, errUnsupported("filtered huge object in a fractal heap")
	case o+l <= h.idLen-1:
		loc.addr = d.addr()
		loc.length = d.length()
		if d.err != nil {
			return nil, d.err
		}
	default:
		hugeID := d.uint(min(h.idLen-1, 8))
		if d.err != nil {
			return nil, d.err
		}
		if h.huge == nil {
			if err := h.loadHugeIndex(); err != nil {
				return nil, err
			}
		}
		var ok bool
		if loc, ok = h.huge[hugeID]; !ok {
			return nil, h.errorf("huge object %d not in the huge-object B-tree", hugeID)
		}
	}
	if loc.length > uint64(h.f.size) {
		return nil, h.errorf("huge object of %d bytes exceeds the file", loc.length)
	}
	return h.f.read("fractal heap huge object", loc.addr, int(loc.length))
}

// loadHugeIndex reads every record of the huge-object v2 B-tree (type 1:
// address, length, ID) into h.huge.
func (h *fractalHeap) loadHugeIndex() error {
	huge := make(map[uint64]hugeObject)
	if h.hugeBTree != undefinedAddr {
		err := h.f.walkBTree2(h.hugeBTree, 1, func(rec []byte) error {
			d := h.f.decoderOver("huge object record", h.off, rec)
			loc := hugeObject{addr: d.addr(), length: d.length()}
			id := d.length()
			if d.err != nil {
				return d.err
			}
			huge[id] = loc
			return nil
		})
		if err != nil {
			return err
		}
	}
	h.huge = huge
	return nil
}
