package hdf5scan

import "bytes"

// localHeap is a local heap (spec §III.D): the names of an old-style
// group's members live in its data segment.
type localHeap struct {
	data []byte
	off  int64
}

func (f *file) readLocalHeap(addr uint64) (*localHeap, error) {
	d, err := f.decode("local heap", addr, 8+2*f.lengthSize+f.offsetSize)
	if err != nil {
		return nil, err
	}
	d.signature("HEAP")
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("local heap version %d, want 0", v)
	}
	d.skip(3)
	size := d.length()
	d.length() // free list head
	dataAddr := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	if size > uint64(f.size) {
		return nil, f.formatError("local heap", f.abs(addr), "data segment size %d exceeds the file", size)
	}
	data, err := f.read("local heap data segment", dataAddr, int(size))
	if err != nil {
		return nil, err
	}
	return &localHeap{data: data, off: f.abs(dataAddr)}, nil
}

// name returns the NUL-terminated string at offset in the data segment.
func (h *localHeap) name(f *file, offset uint64) (string, error) {
	if offset >= uint64(len(h.data)) {
		return "", f.formatError("local heap", h.off, "name offset %d outside the %d-byte data segment", offset, len(h.data))
	}
	s := h.data[offset:]
	i := bytes.IndexByte(s, 0)
	if i < 0 {
		return "", f.formatError("local heap", h.off+int64(offset), "name is not NUL-terminated")
	}
	return string(s[:i]), nil
}
