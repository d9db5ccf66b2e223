package hdf5scan

import "fmt"

// Shared object header messages (spec §IV.A.2, "Shared Message"; H5Oshared.c).
//
// A message whose header flag bit 1 is set holds, instead of its own
// encoding, a reference to where the message lives:
//
//   - version 1: version, type (unused), 6 reserved bytes, then the symbol
//     table entry of an object header of which only the address is used
//     (link name offset, L bytes, skipped; address, O bytes);
//   - version 2: version, type (unused), address of an object header;
//   - version 3: version, type 1 (in the SOHM fractal heap: an 8-byte heap
//     ID follows) or type 2 (committed: an object header address follows).
//
// A committed message is the message of the same type in the object header
// at that address (committed or "named" datatypes). A message in the SOHM
// heap is found from the heap ID alone: the superblock extension's shared
// message table (SMTB) names, per index, the message types it holds and
// its fractal heap. The index itself (list or v2 B-tree) is only needed to
// find a message by hash when writing.

// Shared message types of version 3 (H5O_SHARE_TYPE_*).
const (
	sharedInHeap    = 1
	sharedCommitted = 2
)

// sohmHeapIDLen is the size of a heap ID in a shared message
// (H5O_FHEAP_ID_LEN).
const sohmHeapIDLen = 8

// maxSharedDepth bounds a chain of committed messages (a committed object
// whose own message is shared again): libhdf5 never writes one longer than
// 1, a corrupt file could make it arbitrarily long.
const maxSharedDepth = 8

// sohmIndex is one index of the shared message table (H5SM_index_header_t).
type sohmIndex struct {
	btree    bool   // index type 1: a v2 B-tree (type 7 records); 0: a list (SMLI)
	msgTypes uint16 // bit (1 << message type) for each type the index holds
	minSize  uint32 // messages smaller than this are not shared
	messages uint16 // messages in the index
	index    uint64 // SMLI or BTHD address
	heap     uint64 // fractal heap holding the messages
}

type sohmTable struct {
	indexes []sohmIndex
}

// sharedMessage resolves a message whose shared flag is set into the
// message it refers to. The result has the shared flag cleared; its data
// may live in a heap's block cache or another header: do not modify it.
func (f *file) sharedMessage(m message) (message, error) {
	data, off, err := f.sharedBody(m.typ, m.data, m.off)
	if err != nil {
		return message{}, err
	}
	return message{typ: m.typ, flags: m.flags &^ msgFlagShared, data: data, off: off, ref: m.data}, nil
}

// sharedBody returns the encoded message of type typ that the shared
// message reference ref (at absolute offset off) points at.
func (f *file) sharedBody(typ uint16, ref []byte, off int64) ([]byte, int64, error) {
	d := f.decoderOver("shared message", off, ref)
	version := d.u8()
	kind := d.u8()
	switch version {
	case 1:
		d.skip(6)
		d.length() // link name offset of the symbol table entry
		kind = sharedCommitted
	case 2:
		kind = sharedCommitted // the type byte is unused before version 3
	case 3:
		if kind != sharedInHeap && kind != sharedCommitted && d.err == nil {
			d.fail("shared message type %d is not defined (1 or 2)", kind)
		}
	default:
		d.fail("shared message version %d is not defined (1 to 3)", version)
	}
	if d.err != nil {
		return nil, 0, d.err
	}
	if kind == sharedInHeap {
		id := d.bytes(sohmHeapIDLen)
		if d.err != nil {
			return nil, 0, d.err
		}
		return f.sohmObject(typ, id, off)
	}
	addr := d.addr()
	if d.err != nil {
		return nil, 0, d.err
	}
	if len(f.reading) >= maxSharedDepth {
		return nil, 0, f.formatError("shared message", off, "committed messages nested deeper than %d", maxSharedDepth)
	}
	h, err := f.readObjectHeader(addr)
	if err != nil {
		return nil, 0, fmt.Errorf("committed object of shared message type %#x at offset %d: %w", typ, off, err)
	}
	target, ok := h.find(typ)
	if !ok {
		return nil, 0, f.formatError("shared message", off, "the committed object at %d has no message of type %#x", f.abs(addr), typ)
	}
	if target.flags&msgFlagShared != 0 {
		return nil, 0, target.sharedErr
	}
	return target.data, target.off, nil
}

// sohmObject returns the encoded message of type typ stored under heap ID
// id in the shared message heap, and the heap's offset for errors. off
// locates the reference, for errors.
func (f *file) sohmObject(typ uint16, id []byte, off int64) ([]byte, int64, error) {
	heap, err := f.sohmHeap(typ)
	if err != nil {
		return nil, 0, err
	}
	data, err := heap.object(id)
	if err != nil {
		return nil, 0, fmt.Errorf("shared message type %#x at offset %d: %w", typ, off, err)
	}
	return data, heap.off, nil
}

// resolveSharedMessages replaces each shared message of h by the message it
// refers to. A reference that cannot be resolved stays shared, with the
// reason in sharedErr: whoever needs the message reports it, so a broken
// shared attribute does not hide the object's other messages.
func (f *file) resolveSharedMessages(h *objectHeader) {
	for i, m := range h.messages {
		if m.flags&msgFlagShared == 0 {
			continue
		}
		r, err := f.sharedMessage(m)
		if err != nil {
			h.messages[i].sharedErr = err
			continue
		}
		h.messages[i] = r
	}
}

// sohmTableRead parses the shared message table (spec §III.I, "Shared
// Object Header Message Table"): SMTB, then per index its version (0),
// type, message type flags (2), minimum size (4), list cutoff (2), B-tree
// cutoff (2), number of messages (2), index address and heap address, then
// a checksum.
func (f *file) sohmTableRead() (*sohmTable, error) {
	const structure = "shared message table"
	if f.ext == nil || f.ext.sohmTable == undefinedAddr {
		return nil, f.formatError(structure, 0, "a message is shared in the SOHM heap but the file has no shared message table")
	}
	if f.ext.sohm != nil {
		return f.ext.sohm, nil
	}
	n := f.ext.sohmIndexes
	entry := 1 + 1 + 2 + 4 + 2 + 2 + 2 + 2*f.offsetSize
	d, err := f.decode(structure, f.ext.sohmTable, 4+n*entry+4)
	if err != nil {
		return nil, err
	}
	d.signature("SMTB")
	t := &sohmTable{}
	for i := 0; i < n && d.err == nil; i++ {
		if v := d.u8(); d.err == nil && v != 0 {
			d.fail("index %d: version %d, want 0", i, v)
		}
		typ := d.u8()
		if typ > 1 && d.err == nil {
			d.fail("index %d: type %d is not defined (0 list, 1 B-tree)", i, typ)
		}
		ix := sohmIndex{btree: typ == 1, msgTypes: d.u16(), minSize: d.u32()}
		d.u16() // list cutoff
		d.u16() // B-tree cutoff
		ix.messages = d.u16()
		ix.index = d.addr()
		ix.heap = d.addr()
		t.indexes = append(t.indexes, ix)
	}
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	f.ext.sohm = t
	return t, nil
}

// sohmHeap opens the fractal heap of the index holding messages of type
// typ (H5SM_get_fheap_addr).
func (f *file) sohmHeap(typ uint16) (*fractalHeap, error) {
	t, err := f.sohmTableRead()
	if err != nil {
		return nil, err
	}
	if typ == msgFillValueOld {
		typ = msgFillValue // H5SM__type_to_flag shares both under the new type
	}
	if typ >= 16 {
		return nil, f.formatError("shared message table", f.abs(f.ext.sohmTable), "message type %#x cannot be shared", typ)
	}
	for _, ix := range t.indexes {
		if ix.msgTypes&(1<<typ) == 0 {
			continue
		}
		if ix.heap == undefinedAddr {
			return nil, f.formatError("shared message table", f.abs(f.ext.sohmTable), "the index of message type %#x has no heap", typ)
		}
		if h, ok := f.sohmHeaps[ix.heap]; ok {
			return h, nil
		}
		h, err := f.openFractalHeap(ix.heap)
		if err != nil {
			return nil, fmt.Errorf("shared message heap: %w", err)
		}
		if f.sohmHeaps == nil {
			f.sohmHeaps = map[uint64]*fractalHeap{}
		}
		f.sohmHeaps[ix.heap] = h
		return h, nil
	}
	return nil, f.formatError("shared message table", f.abs(f.ext.sohmTable), "no index holds message type %#x", typ)
}
