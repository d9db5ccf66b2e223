package hdf5scan

// globalHeap caches global heap collections (GCOL, spec §III.E) by address.
// Variable-length strings and DIMENSION_LIST references of one file point
// into a few collections, each read once. The zero value is ready to use;
// a globalHeap is not safe for concurrent use.
type globalHeap struct {
	collections map[uint64]*globalHeapCollection
}

// globalHeapCollection is one parsed collection: its objects by index.
type globalHeapCollection struct {
	off     int64 // absolute offset, for errors
	objects map[uint16][]byte
}

// globalHeapObject returns object index of the collection at coll, reading
// and caching the collection on first use. cache may be nil.
func (f *file) globalHeapObject(cache *globalHeap, coll uint64, index uint32) ([]byte, error) {
	if cache == nil {
		cache = &globalHeap{}
	}
	c, ok := cache.collections[coll]
	if !ok {
		var err error
		if c, err = f.readGlobalHeapCollection(coll); err != nil {
			return nil, err
		}
		if cache.collections == nil {
			cache.collections = make(map[uint64]*globalHeapCollection)
		}
		cache.collections[coll] = c
	}
	// Index 0 is the collection's free space, never an object.
	if index == 0 || index > 0xffff {
		return nil, f.formatError("global heap collection", c.off, "object index %d", index)
	}
	data, ok := c.objects[uint16(index)]
	if !ok {
		return nil, f.formatError("global heap collection", c.off, "no object %d", index)
	}
	return data, nil
}

// readGlobalHeapCollection reads the collection header for the collection
// size (which includes the header), then the whole collection, and indexes
// its objects: index (2), reference count (2), reserved (4), size (L), data
// padded to a multiple of 8 (H5HG__cache_heap_deserialize).
func (f *file) readGlobalHeapCollection(addr uint64) (*globalHeapCollection, error) {
	const structure = "global heap collection"
	// The collection header and each object header are padded to a
	// multiple of 8 bytes (H5HG_ALIGN); it shows only when lengths are not
	// 8 bytes wide.
	hdrSize := align8(4 + 1 + 3 + f.lengthSize)
	d, err := f.decode(structure, addr, hdrSize)
	if err != nil {
		return nil, err
	}
	d.signature("GCOL")
	if v := d.u8(); d.err == nil && v != 1 {
		d.fail("version %d, want 1", v)
	}
	d.skip(3)
	size := d.length()
	if d.err != nil {
		return nil, d.err
	}
	c := &globalHeapCollection{off: f.abs(addr), objects: make(map[uint16][]byte)}
	if size < uint64(hdrSize) || size > uint64(f.size) {
		return nil, f.formatError(structure, c.off, "collection size %d", size)
	}
	if d, err = f.decode(structure, addr, int(size)); err != nil {
		return nil, err
	}
	d.skip(hdrSize)
	objHdr := align8(2 + 2 + 4 + f.lengthSize)
	for d.remaining() >= objHdr {
		at := d.offset()
		index := d.u16()
		d.skip(2 + 4) // reference count, reserved
		n := d.length()
		d.skip(objHdr - (2 + 2 + 4 + f.lengthSize))
		if index == 0 {
			break // free space: the rest of the collection
		}
		if n > uint64(d.remaining()) {
			return nil, f.formatError(structure, at, "object %d of %d bytes overruns the collection", index, n)
		}
		if _, dup := c.objects[index]; dup {
			return nil, f.formatError(structure, at, "object %d appears twice", index)
		}
		c.objects[index] = d.bytes(int(n))
		d.skip(int(min((8-n%8)%8, uint64(d.remaining()))))
	}
	if d.err != nil {
		return nil, d.err
	}
	return c, nil
}

func align8(n int) int { return (n + 7) &^ 7 }
