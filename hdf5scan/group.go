package hdf5scan

import (
	"fmt"
	"sort"
)

// Link types (spec §IV.A.2.g).
const (
	linkHard     = 0
	linkSoft     = 1
	linkExternal = 64
)

// link is one member of a group.
type link struct {
	name   string
	typ    int
	addr   uint64 // hard links: object header address
	target string // soft links: path; external links: "file:path"
}

// groupLinks lists a group's members sorted by name (the order h5py and
// kerchunk visit them), whichever of the three storage forms the group uses:
// a symbol table (old style), link messages in the header (compact) or a
// fractal heap indexed by a v2 B-tree (dense).
func (f *file) groupLinks(h *objectHeader) ([]link, error) {
	var links []link
	if m, ok := h.find(msgSymbolTable); ok {
		d := f.decoderOver("symbol table message", m.off, m.data)
		btree, heapAddr := d.addr(), d.addr()
		if d.err != nil {
			return nil, d.err
		}
		var err error
		if links, err = f.symbolTableLinks(btree, heapAddr); err != nil {
			return nil, err
		}
	} else {
		for _, m := range h.all(msgLink) {
			l, err := f.parseLink(m.data, m.off)
			if err != nil {
				return nil, err
			}
			links = append(links, l)
		}
		if m, ok := h.find(msgLinkInfo); ok {
			dense, err := f.denseLinks(m)
			if err != nil {
				return nil, err
			}
			links = append(links, dense...)
		}
	}
	sort.SliceStable(links, func(i, j int) bool { return links[i].name < links[j].name })
	return links, nil
}

// symbolTableLinks walks an old-style group: a v1 B-tree of type 0 whose
// leaves point at symbol table nodes (spec §III.B), names in a local heap.
func (f *file) symbolTableLinks(btree, heapAddr uint64) ([]link, error) {
	heap, err := f.readLocalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var links []link
	entrySize := 2*f.offsetSize + 4 + 4 + 16
	err = f.walkBTree1(btree, btree1Group, f.lengthSize, func(e btree1Entry) error {
		d, err := f.decode("symbol table node", e.child, 8)
		if err != nil {
			return err
		}
		d.signature("SNOD")
		if v := d.u8(); d.err == nil && v != 1 {
			d.fail("version %d, want 1", v)
		}
		d.skip(1)
		n := int(d.u16())
		if d.err != nil {
			return d.err
		}
		body, err := f.decode("symbol table node", e.child+8, n*entrySize)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			nameOff := body.uint(f.offsetSize)
			addr := body.addr()
			cache := body.u32()
			body.skip(4)
			scratch := body.bytes(16)
			if body.err != nil {
				return body.err
			}
			name, err := heap.name(f, nameOff)
			if err != nil {
				return err
			}
			l := link{name: name, typ: linkHard, addr: addr}
			if cache == 2 {
				// Soft link: the scratch pad holds the heap offset of
				// the link value (spec §III.C).
				sd := f.decoderOver("symbol table entry", body.offset()-16, scratch)
				target, err := heap.name(f, uint64(sd.u32()))
				if err != nil {
					return err
				}
				l = link{name: name, typ: linkSoft, target: target}
			}
			links = append(links, l)
		}
		return nil
	})
	return links, err
}

// denseLinks reads the link info message and, when the group stores its
// links densely, every link message in its fractal heap via the name index
// (v2 B-tree record type 5: 4-byte name hash + 7-byte heap ID).
func (f *file) denseLinks(m message) ([]link, error) {
	d := f.decoderOver("link info message", m.off, m.data)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("link info version %d, want 0", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		d.skip(8) // maximum creation index
	}
	heapAddr := d.addr()
	nameIndex := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	if heapAddr == undefinedAddr {
		return nil, nil // compact storage: the links are messages in the header
	}
	heap, err := f.openFractalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var links []link
	err = f.walkBTree2(nameIndex, 5, func(rec []byte) error {
		if len(rec) < 4+7 {
			return f.formatError("link name index record", m.off, "%d-byte record", len(rec))
		}
		data, err := heap.object(rec[4:11])
		if err != nil {
			return err
		}
		l, err := f.parseLink(data, f.abs(heapAddr))
		if err != nil {
			return err
		}
		links = append(links, l)
		return nil
	})
	return links, err
}

// parseLink decodes a link message (spec §IV.A.2.g), from an object header
// or a dense group's fractal heap.
func (f *file) parseLink(data []byte, off int64) (link, error) {
	d := f.decoderOver("link message", off, data)
	if v := d.u8(); d.err == nil && v != 1 {
		d.fail("link message version %d, want 1", v)
	}
	flags := d.u8()
	l := link{typ: linkHard}
	if flags&0x08 != 0 {
		l.typ = int(d.u8())
	}
	if flags&0x04 != 0 {
		d.skip(8) // creation order
	}
	if flags&0x10 != 0 {
		d.skip(1) // character set of the name
	}
	nameLen := int(d.uint(1 << (flags & 3)))
	l.name = string(d.bytes(nameLen))
	switch l.typ {
	case linkHard:
		l.addr = d.addr()
	case linkSoft:
		n := int(d.u16())
		l.target = string(d.bytes(n))
	case linkExternal:
		n := int(d.u16())
		b := d.bytes(n)
		if len(b) > 0 {
			// flags byte, file name NUL, object path NUL
			parts := splitNUL(b[1:])
			l.target = fmt.Sprint(parts)
			if len(parts) >= 2 {
				l.target = parts[0] + ":" + parts[1]
			}
		}
	default:
		// User-defined link types carry data we cannot interpret.
		n := int(d.u16())
		d.skip(n)
	}
	if d.err != nil {
		return link{}, d.err
	}
	return l, nil
}

func splitNUL(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == 0 {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, string(b[start:]))
	}
	return out
}
