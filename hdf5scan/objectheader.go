package hdf5scan

// Object header message types used by the scanner (spec §IV.A.2).
const (
	msgNil            = 0x00
	msgDataspace      = 0x01
	msgLinkInfo       = 0x02
	msgDatatype       = 0x03
	msgFillValueOld   = 0x04
	msgFillValue      = 0x05
	msgLink           = 0x06
	msgExternalFiles  = 0x07
	msgLayout         = 0x08
	msgGroupInfo      = 0x0A
	msgFilterPipeline = 0x0B
	msgAttribute      = 0x0C
	msgContinuation   = 0x10
	msgSymbolTable    = 0x11
	msgAttributeInfo  = 0x15
)

// Header message flag bits (spec §IV.A.1).
const msgFlagShared = 0x02

// maxHeaderChunks bounds the continuation chain of one object header: a
// corrupt file must not make the scanner follow continuations forever.
const maxHeaderChunks = 4096

// message is one object header message, its data still encoded.
type message struct {
	typ   uint16
	flags uint8
	data  []byte
	off   int64 // absolute file offset of data[0]
	// ref is the shared message reference this message was resolved from
	// (nil when it was stored in place), and sharedErr says why a message
	// whose shared flag is still set could not be resolved
	// (sharedmessage.go).
	ref       []byte
	sharedErr error
}

// objectHeader is the list of messages of one object (group, dataset or
// committed datatype), gathered across all continuation chunks.
type objectHeader struct {
	addr     uint64
	version  int
	flagsV2  uint8 // OHDR flags: widths and optional fields of every chunk
	messages []message
}

// find returns the first message of type typ.
func (h *objectHeader) find(typ uint16) (message, bool) {
	for _, m := range h.messages {
		if m.typ == typ {
			return m, true
		}
	}
	return message{}, false
}

// all returns every message of type typ in header order.
func (h *objectHeader) all(typ uint16) []message {
	var out []message
	for _, m := range h.messages {
		if m.typ == typ {
			out = append(out, m)
		}
	}
	return out
}

// readObjectHeader parses the object header at addr (spec §IV.A.1.a version
// 1, §IV.A.1.b version 2) and follows its continuation messages.
func (f *file) readObjectHeader(addr uint64) (*objectHeader, error) {
	if h, ok := f.headers[addr]; ok {
		return h, nil
	}
	if f.reading[addr] {
		return nil, f.formatError("object header", f.abs(addr), "shared messages lead back to this object header (cycle)")
	}
	if f.reading == nil {
		f.reading = map[uint64]bool{}
	}
	f.reading[addr] = true
	defer delete(f.reading, addr)
	prefix, err := f.readUpTo("object header", addr, 512)
	if err != nil {
		return nil, err
	}
	h := &objectHeader{addr: addr}
	var pending []continuation
	if len(prefix) >= 4 && string(prefix[:4]) == "OHDR" {
		h.version = 2
		d := f.decoderOver("object header", f.abs(addr), prefix)
		d.signature("OHDR")
		if v := d.u8(); d.err == nil && v != 2 {
			return nil, f.formatError("object header", f.abs(addr), "OHDR version %d, want 2", v)
		}
		flags := d.u8()
		if flags&0x20 != 0 {
			d.skip(16) // access, modification, change and birth times
		}
		if flags&0x10 != 0 {
			d.skip(4) // attribute phase-change values
		}
		size := d.uint(1 << (flags & 3))
		if d.err != nil {
			return nil, d.err
		}
		start := d.pos
		total := uint64(start) + size + 4
		if size > uint64(f.size) || total > uint64(f.size) {
			return nil, f.formatError("object header", f.abs(addr), "chunk 0 size %d exceeds the file", size)
		}
		whole := prefix
		if uint64(len(prefix)) < total {
			if whole, err = f.read("object header", addr, int(total)); err != nil {
				return nil, err
			}
		}
		d = f.decoderOver("object header", f.abs(addr), whole[:total])
		d.pos = start + int(size)
		d.checksum(0)
		if d.err != nil {
			return nil, d.err
		}
		h.flagsV2 = flags
		conts, err := f.parseMessages(h, whole[start:start+int(size)], f.abs(addr)+int64(start))
		if err != nil {
			return nil, err
		}
		pending = append(pending, conts...)
	} else {
		d := f.decoderOver("object header", f.abs(addr), prefix)
		if v := d.u8(); d.err == nil && v != 1 {
			return nil, f.formatError("object header", f.abs(addr), "version %d is neither 1 nor an OHDR signature", v)
		}
		h.version = 1
		d.skip(1) // reserved
		d.u16()   // number of messages: counts all chunks, not relied on
		d.u32()   // object reference count
		size := uint64(d.u32())
		if d.err != nil {
			return nil, d.err
		}
		// The message area starts after the 12-byte prefix padded to 8.
		pending = append(pending, continuation{addr + 16, size})
	}

	seen := map[uint64]bool{}
	if h.version == 2 {
		seen[addr] = true
	}
	for n := 0; len(pending) > 0; n++ {
		if n >= maxHeaderChunks {
			return nil, f.formatError("object header", f.abs(addr), "more than %d continuation chunks", maxHeaderChunks)
		}
		c := pending[0]
		pending = pending[1:]
		if seen[c.addr] {
			return nil, f.formatError("object header", f.abs(c.addr), "continuation chunk visited twice (cycle)")
		}
		seen[c.addr] = true
		if c.size > uint64(f.size) {
			return nil, f.formatError("object header continuation", f.abs(c.addr), "length %d exceeds the file", c.size)
		}
		buf, err := f.read("object header continuation", c.addr, int(c.size))
		if err != nil {
			return nil, err
		}
		var conts []continuation
		if h.version == 1 {
			if conts, err = f.parseMessages(h, buf, f.abs(c.addr)); err != nil {
				return nil, err
			}
		} else {
			d := f.decoderOver("object header continuation", f.abs(c.addr), buf)
			d.signature("OCHK")
			if d.err == nil && len(buf) < 8 {
				d.fail("continuation block of %d bytes is too short", len(buf))
			}
			if d.err != nil {
				return nil, d.err
			}
			d.pos = len(buf) - 4
			d.checksum(0)
			if d.err != nil {
				return nil, d.err
			}
			if conts, err = f.parseMessages(h, buf[4:len(buf)-4], f.abs(c.addr)+4); err != nil {
				return nil, err
			}
		}
		pending = append(pending, conts...)
	}
	f.resolveSharedMessages(h)
	if f.headers == nil {
		f.headers = map[uint64]*objectHeader{}
	}
	f.headers[addr] = h
	return h, nil
}

// continuation is the target of a continuation message.
type continuation struct {
	addr uint64
	size uint64
}

// parseMessages reads the messages of one header chunk and returns the
// chunks that continuation messages point at. Version-1 message headers are
// type (2), size (2), flags (1), reserved (3), data padded to 8 bytes;
// version-2 ones type (1), size (2), flags (1), creation order (2, when
// header flag bit 2 is set), unpadded data. A gap smaller than a message
// header may end a chunk.
func (f *file) parseMessages(h *objectHeader, buf []byte, off int64) ([]continuation, error) {
	d := f.decoderOver("object header message", off, buf)
	hdr := 8
	if h.version == 2 {
		hdr = 4
		if h.flagsV2&0x04 != 0 {
			hdr = 6
		}
	}
	var conts []continuation
	for d.remaining() >= hdr {
		var typ uint16
		var size int
		var flags uint8
		if h.version == 1 {
			typ, size, flags = d.u16(), int(d.u16()), d.u8()
			d.skip(3)
		} else {
			typ, size, flags = uint16(d.u8()), int(d.u16()), d.u8()
			if h.flagsV2&0x04 != 0 {
				d.skip(2)
			}
		}
		dataOff := d.offset()
		data := d.bytes(size)
		if d.err != nil {
			return nil, d.err
		}
		if c, ok, err := f.addMessage(h, typ, flags, data, dataOff); err != nil {
			return nil, err
		} else if ok {
			conts = append(conts, c)
		}
	}
	return conts, nil
}

// addMessage records a message, returning the chunk a continuation message
// points at.
func (f *file) addMessage(h *objectHeader, typ uint16, flags uint8, data []byte, off int64) (continuation, bool, error) {
	switch typ {
	case msgNil:
		return continuation{}, false, nil
	case msgContinuation:
		d := f.decoderOver("continuation message", off, data)
		c := continuation{addr: d.addr(), size: d.length()}
		if d.err != nil {
			return continuation{}, false, d.err
		}
		if c.addr == undefinedAddr {
			return continuation{}, false, f.formatError("continuation message", off, "undefined address")
		}
		return c, true, nil
	}
	h.messages = append(h.messages, message{typ: typ, flags: flags, data: data, off: off})
	return continuation{}, false, nil
}
