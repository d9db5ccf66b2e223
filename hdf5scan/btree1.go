package hdf5scan

// Version-1 B-trees (spec §III.A.1): node type 0 indexes group members
// (children are symbol table nodes), node type 1 indexes raw data chunks.

const (
	btree1Group = 0
	btree1Chunk = 1
	// maxBTreeDepth bounds tree walks; real trees are a few levels deep.
	maxBTreeDepth = 64
)

// btree1Entry is one child of a leaf node with the key before it.
type btree1Entry struct {
	key   []byte // type 0: L-byte heap offset; type 1: size, mask, offsets
	child uint64
}

// walkBTree1 calls fn for every child of every leaf node in key order.
// keySize is the size of one key for the node type.
func (f *file) walkBTree1(addr uint64, nodeType int, keySize int, fn func(btree1Entry) error) error {
	visited := map[uint64]bool{}
	var walk func(addr uint64, wantLevel int) error
	walk = func(addr uint64, wantLevel int) error {
		if visited[addr] {
			return f.formatError("v1 B-tree node", f.abs(addr), "node visited twice (cycle)")
		}
		visited[addr] = true
		hdrSize := 8 + 2*f.offsetSize
		d, err := f.decode("v1 B-tree node", addr, hdrSize)
		if err != nil {
			return err
		}
		d.signature("TREE")
		typ := int(d.u8())
		level := int(d.u8())
		entries := int(d.u16())
		if d.err != nil {
			return d.err
		}
		if typ != nodeType {
			return f.formatError("v1 B-tree node", f.abs(addr), "node type %d, want %d", typ, nodeType)
		}
		if level > maxBTreeDepth || (wantLevel >= 0 && level != wantLevel) {
			return f.formatError("v1 B-tree node", f.abs(addr), "level %d where %d was expected", level, wantLevel)
		}
		bodySize := entries*(keySize+f.offsetSize) + keySize
		body, err := f.decode("v1 B-tree node", addr+uint64(hdrSize), bodySize)
		if err != nil {
			return err
		}
		if level == 0 {
			for i := 0; i < entries; i++ {
				e := btree1Entry{key: body.bytes(keySize), child: body.addr()}
				if body.err != nil {
					return body.err
				}
				if err := fn(e); err != nil {
					return err
				}
			}
			return nil
		}
		children := make([]uint64, entries)
		for i := range children {
			body.bytes(keySize)
			children[i] = body.addr()
		}
		if body.err != nil {
			return body.err
		}
		// The children are read one after the other, but a remote reader
		// can fetch them all at once. Nodes of one tree share a size, so
		// this node's is a fair guess at theirs.
		f.prefetch(children, hdrSize+bodySize)
		for _, child := range children {
			if err := walk(child, level-1); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(addr, -1)
}
