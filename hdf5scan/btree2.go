package hdf5scan

import "math/bits"

// btree2 holds what walking a version 2 B-tree (spec §III.A.2) needs from
// its header (BTHD).
type btree2 struct {
	f        *file
	off      int64 // absolute offset of the header, for errors
	typ      uint8
	nodeSize uint64
	recSize  int
	depth    int
	total    uint64 // records in the whole tree

	// The widths of the record counts in internal nodes are not stored:
	// they follow from the node and record sizes (H5B2__hdr_init).
	maxNrec     []uint64 // records a node at depth d can hold
	countWidth  int      // width of "number of records in child node"
	totalWidths []int    // width of "total records in child subtree", by depth
}

// v2 B-tree nodes start with signature, version and type and end with a
// checksum: H5B2_METADATA_PREFIX_SIZE.
const btree2Prefix = 4 + 1 + 1 + 4

// walkBTree2 calls fn with every record of the v2 B-tree whose header is at
// addr, in key order, records of internal nodes included. The tree must
// hold records of type wantType. rec is only valid during the call.
func (f *file) walkBTree2(addr uint64, wantType uint8, fn func(rec []byte) error) error {
	t, root, rootRecs, err := f.openBTree2(addr, wantType)
	if err != nil {
		return err
	}
	if root == undefinedAddr {
		if t.total != 0 {
			return f.formatError("v2 B-tree header", t.off, "no root node but %d records", t.total)
		}
		return nil
	}
	w := &btree2Walk{btree2: t, fn: fn, visited: make(map[uint64]bool)}
	n, err := w.node(root, t.depth, rootRecs)
	if err != nil {
		return err
	}
	if n != t.total {
		return f.formatError("v2 B-tree header", t.off, "tree holds %d records, header says %d", n, t.total)
	}
	return nil
}

// openBTree2 parses and checks the BTHD header at addr and derives the node
// geometry. It returns the root node's address and record count.
func (f *file) openBTree2(addr uint64, wantType uint8) (*btree2, uint64, uint64, error) {
	d, err := f.decode("v2 B-tree header", addr, 4+1+1+4+2+2+1+1+f.offsetSize+2+f.lengthSize+4)
	if err != nil {
		return nil, 0, 0, err
	}
	t := &btree2{f: f, off: f.abs(addr)}
	d.signature("BTHD")
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	t.typ = d.u8()
	t.nodeSize = uint64(d.u32())
	t.recSize = int(d.u16())
	t.depth = int(d.u16())
	d.skip(2) // split and merge percentages
	root := d.addr()
	rootRecs := uint64(d.u16())
	t.total = d.length()
	d.checksum(0)
	if d.err != nil {
		return nil, 0, 0, d.err
	}
	if t.typ != wantType {
		return nil, 0, 0, f.formatError("v2 B-tree header", t.off, "record type %d, want %d", t.typ, wantType)
	}
	if err := t.initNodeInfo(); err != nil {
		return nil, 0, 0, err
	}
	if root != undefinedAddr && rootRecs > t.maxNrec[t.depth] {
		return nil, 0, 0, f.formatError("v2 B-tree header", t.off, "root holds %d records, at most %d fit", rootRecs, t.maxNrec[t.depth])
	}
	return t, root, rootRecs, nil
}

// initNodeInfo computes, per depth, how many records fit in a node and the
// widths of the child counts, as H5B2__hdr_init does (HDF5-STRUCTURES §4.4).
func (t *btree2) initNodeInfo() error {
	if t.recSize == 0 || t.nodeSize > uint64(t.f.size) || t.nodeSize < btree2Prefix+uint64(t.recSize) {
		return t.f.formatError("v2 B-tree header", t.off, "node size %d, record size %d", t.nodeSize, t.recSize)
	}
	// Every internal level holds at least one record and two children, so
	// a tree deeper than 64 levels would hold more than 2^64 records.
	if t.depth > 64 {
		return t.f.formatError("v2 B-tree header", t.off, "depth %d", t.depth)
	}
	leaf := (t.nodeSize - btree2Prefix) / uint64(t.recSize)
	t.countWidth = bytesNeeded(leaf)
	t.maxNrec = []uint64{leaf}
	t.totalWidths = []int{0}
	cum := leaf
	for d := 1; d <= t.depth; d++ {
		ptr := uint64(t.pointerSize(d))
		if t.nodeSize < btree2Prefix+ptr {
			return t.f.formatError("v2 B-tree header", t.off, "%d-byte nodes cannot hold a child pointer at depth %d", t.nodeSize, d)
		}
		n := (t.nodeSize - btree2Prefix - ptr) / (uint64(t.recSize) + ptr)
		if n == 0 {
			return t.f.formatError("v2 B-tree header", t.off, "%d-byte nodes hold no records at depth %d", t.nodeSize, d)
		}
		t.maxNrec = append(t.maxNrec, n)
		// cum = (n+1)·cum + n, saturating: only its byte width matters.
		if hi, lo := bits.Mul64(n+1, cum); hi != 0 || lo+n < lo {
			cum = ^uint64(0)
		} else {
			cum = lo + n
		}
		t.totalWidths = append(t.totalWidths, bytesNeeded(cum))
	}
	return nil
}

// pointerSize is the size of one child pointer in an internal node at depth
// d: address, child record count and, when the child is itself internal,
// the child subtree's total record count.
func (t *btree2) pointerSize(d int) int {
	n := t.f.offsetSize + t.countWidth
	if d > 1 {
		n += t.totalWidths[d-1]
	}
	return n
}

// btree2Walk is one traversal: the visitor, the nodes seen (a node reached
// twice means a corrupt, cyclic tree) and the records delivered so far.
type btree2Walk struct {
	*btree2
	fn      func(rec []byte) error
	visited map[uint64]bool
	seen    uint64
}

// node visits the node at addr, at depth (0 = leaf) with nrec records, and
// returns the number of records in its subtree. Depth decreases by one per
// level, which bounds the recursion by the header's depth.
func (w *btree2Walk) node(addr uint64, depth int, nrec uint64) (uint64, error) {
	structure, sig := "v2 B-tree leaf node", "BTLF"
	if depth > 0 {
		structure, sig = "v2 B-tree internal node", "BTIN"
	}
	if w.visited[addr] {
		return 0, w.f.formatError(structure, w.f.abs(addr), "node reached twice: the tree has a cycle")
	}
	w.visited[addr] = true
	if nrec > w.maxNrec[depth] {
		return 0, w.f.formatError(structure, w.f.abs(addr), "%d records, at most %d fit", nrec, w.maxNrec[depth])
	}
	if w.seen+nrec > w.total {
		return 0, w.f.formatError(structure, w.f.abs(addr), "more records than the header's %d", w.total)
	}
	size := uint64(btree2Prefix) + nrec*uint64(w.recSize)
	if depth > 0 {
		size += (nrec + 1) * uint64(w.pointerSize(depth))
	}
	d, err := w.f.decode(structure, addr, int(size))
	if err != nil {
		return 0, err
	}
	d.signature(sig)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	if typ := d.u8(); d.err == nil && typ != w.typ {
		d.fail("record type %d, header says %d", typ, w.typ)
	}
	recs := d.bytes(int(nrec) * w.recSize)
	type child struct{ addr, nrec, total uint64 }
	var children []child
	if depth > 0 {
		children = make([]child, nrec+1)
		for i := range children {
			c := &children[i]
			c.addr = d.addr()
			c.nrec = d.uint(w.countWidth)
			c.total = c.nrec
			if depth > 1 {
				c.total = d.uint(w.totalWidths[depth-1])
			}
		}
	}
	d.checksum(0)
	if d.err != nil {
		return 0, d.err
	}
	n := nrec
	for i := uint64(0); i <= nrec; i++ {
		if depth > 0 {
			c := children[i]
			got, err := w.node(c.addr, depth-1, c.nrec)
			if err != nil {
				return 0, err
			}
			if got != c.total {
				return 0, w.f.formatError(structure, w.f.abs(addr), "child %d holds %d records, its pointer says %d", i, got, c.total)
			}
			n += got
		}
		if i < nrec {
			w.seen++
			if err := w.fn(recs[i*uint64(w.recSize) : (i+1)*uint64(w.recSize)]); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}
