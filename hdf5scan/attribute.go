package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// attribute is one decoded attribute message (spec §IV.A.2.m): its raw
// value bytes with the datatype and dataspace that describe them.
type attribute struct {
	name  string
	dtype *datatype
	space *dataspace
	data  []byte
	off   int64 // absolute offset of data, for errors
	// err says why the attribute cannot be read (its datatype, dataspace
	// or value does not decode, or is of a version not supported); the
	// other fields but name are then unset. One attribute that cannot be
	// read does not hide the object's others.
	err error
}

// Attribute message flags (version 2 and later): the datatype or dataspace
// field holds a shared message reference.
const (
	attrTypeShared  = 0x01
	attrSpaceShared = 0x02
)

// parseAttribute decodes an attribute message, versions 1 to 3.
func (f *file) parseAttribute(data []byte, off int64) (*attribute, error) {
	d := f.decoderOver("attribute message", off, data)
	version := d.u8()
	flags := d.u8()
	nameSize := int(d.u16())
	dtSize := int(d.u16())
	dsSize := int(d.u16())
	pad := func(n int) int { return n }
	switch version {
	case 1:
		pad = func(n int) int { return (n + 7) &^ 7 }
	case 2:
	case 3:
		d.u8() // character set of the name
	default:
		d.fail("attribute message version %d is not defined (1 to 3)", version)
	}
	if d.err != nil {
		return nil, d.err
	}
	if version == 1 {
		flags = 0 // reserved before version 2
	}
	if flags&^(attrTypeShared|attrSpaceShared) != 0 {
		return nil, f.formatError("attribute message", off, "flags %#x", flags)
	}
	name := d.bytes(pad(nameSize))
	if len(name) >= nameSize && nameSize > 0 {
		name = name[:nameSize-1] // the size counts the NUL terminator
	}
	a := &attribute{name: string(name)}
	if d.err != nil {
		return nil, d.err
	}
	if err := f.parseAttributeValue(a, d, flags, dtSize, dsSize, pad, off); err != nil {
		return &attribute{name: a.name, err: err}, nil
	}
	return a, nil
}

// parseAttributeValue decodes the datatype, dataspace and value of an
// attribute message whose name d has just read.
func (f *file) parseAttributeValue(a *attribute, d *decoder, flags uint8, dtSize, dsSize int, pad func(int) int, off int64) error {
	dtOff := d.offset()
	dt := message{typ: msgDatatype, data: d.bytes(pad(dtSize)), off: dtOff}
	ds := message{typ: msgDataspace, data: d.bytes(pad(dsSize)), off: dtOff + int64(pad(dtSize))}
	if d.err != nil {
		return d.err
	}
	// A shared datatype (committed, or in the SOHM heap) or dataspace (SOHM
	// heap) is stored as a shared message reference.
	var err error
	if flags&attrTypeShared != 0 {
		if dt, err = f.sharedMessage(dt); err != nil {
			return fmt.Errorf("datatype: %w", err)
		}
	}
	if flags&attrSpaceShared != 0 {
		if ds, err = f.sharedMessage(ds); err != nil {
			return fmt.Errorf("dataspace: %w", err)
		}
	}
	if a.dtype, err = f.attrFormats.datatype(f, dt); err != nil {
		return err
	}
	if a.space, err = f.attrFormats.dataspace(f, ds); err != nil {
		return err
	}
	n := a.space.elements()
	if a.dtype.size <= 0 || n > uint64(d.remaining())/uint64(a.dtype.size) {
		if n != 0 {
			return f.formatError("attribute message", off, "%d elements of %d bytes do not fit in %d bytes", n, a.dtype.size, d.remaining())
		}
	}
	a.off = d.offset()
	a.data = d.bytes(int(n) * a.dtype.size)
	return d.err
}

// attrFormats caches the datatypes and dataspaces of a file's attribute
// messages by their encoded bytes: files repeat the same few (a string of
// some length, a scalar double) hundreds of times. Nothing changes a
// decoded datatype or dataspace, so attributes share them.
type attrFormats struct {
	types  map[string]*datatype
	spaces map[string]*dataspace
}

func (c *attrFormats) datatype(f *file, m message) (*datatype, error) {
	if t, ok := c.types[string(m.data)]; ok {
		return t, nil
	}
	d := f.decoderOver("attribute datatype", m.off, m.data)
	t := f.parseDatatype(d, 0)
	if d.err != nil {
		return nil, d.err
	}
	if c.types == nil {
		c.types = map[string]*datatype{}
	}
	c.types[string(m.data)] = t
	return t, nil
}

func (c *attrFormats) dataspace(f *file, m message) (*dataspace, error) {
	if s, ok := c.spaces[string(m.data)]; ok {
		return s, nil
	}
	s, err := f.parseDataspace(m)
	if err != nil {
		return nil, err
	}
	if c.spaces == nil {
		c.spaces = map[string]*dataspace{}
	}
	c.spaces[string(m.data)] = s
	return s, nil
}

// denseAttributes reads the attributes of an object whose attribute info
// message points at dense storage: a fractal heap indexed by name through a
// v2 B-tree of record type 8 (heap ID 8, flags 1, creation order 4, hash 4).
func (f *file) denseAttributes(m message) ([]*attribute, error) {
	d := f.decoderOver("attribute info message", m.off, m.data)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("attribute info version %d, want 0", v)
	}
	flags := d.u8()
	if flags&1 != 0 {
		d.skip(2) // maximum creation index
	}
	heapAddr := d.addr()
	nameIndex := d.addr()
	if d.err != nil {
		return nil, d.err
	}
	if heapAddr == undefinedAddr {
		return nil, nil
	}
	heap, err := f.openFractalHeap(heapAddr)
	if err != nil {
		return nil, err
	}
	var attrs []*attribute
	err = f.walkBTree2(nameIndex, 8, func(rec []byte) error {
		if len(rec) < 9 {
			return f.formatError("attribute name index record", m.off, "%d-byte record", len(rec))
		}
		var data []byte
		off := heap.off
		if rec[8]&msgFlagShared != 0 {
			// A shared attribute: the heap ID names an object of the
			// file's shared message heap, not of this object's heap.
			data, off, err = f.sohmObject(msgAttribute, rec[:8], m.off)
		} else {
			data, err = heap.object(rec[:8])
		}
		if err != nil {
			return err
		}
		a, err := f.parseAttribute(data, off)
		if err != nil {
			a = &attribute{err: err}
		}
		attrs = append(attrs, a)
		return nil
	})
	return attrs, err
}

// attributes returns every attribute of an object, from header messages and
// dense storage. An attribute that cannot be read is listed with its err
// set (and its name when the message gives it); the error returned means
// the attribute storage as a whole does not parse.
func (f *file) attributes(h *objectHeader) ([]*attribute, error) {
	var attrs []*attribute
	for _, m := range h.messages {
		if m.typ != msgAttribute {
			continue
		}
		if m.flags&msgFlagShared != 0 {
			// Its name is in the message it could not be resolved to.
			attrs = append(attrs, &attribute{err: fmt.Errorf("shared attribute message at offset %d: %w", m.off, m.sharedErr)})
			continue
		}
		a, err := f.parseAttribute(m.data, m.off)
		if err != nil {
			a = &attribute{err: err}
		}
		attrs = append(attrs, a)
	}
	if m, ok := h.find(msgAttributeInfo); ok {
		dense, err := f.denseAttributes(m)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, dense...)
	}
	return attrs, nil
}

// value converts an attribute to a JSON-ready Go value the way kerchunk and
// xarray present it: numbers and strings, a single element as a scalar, more
// as a list, a null dataspace as an empty list, or as "" for strings (how
// netCDF-C stores an empty NC_CHAR attribute, which readers show as "").
func (a *attribute) value(f *file, gh *globalHeap) (any, error) {
	if a.space.null {
		if a.dtype.class == classString || a.dtype.vlenString {
			return "", nil
		}
		return []any{}, nil
	}
	n := int(a.space.elements())
	t := a.dtype
	if t.class == classString && len(a.space.dims) <= 1 && n >= 1 {
		// netCDF char attributes are one fixed string; arrays of fixed
		// strings become lists.
		if n == 1 {
			return fixedString(a.data[:t.size], t.strPad), nil
		}
		vals := make([]string, n)
		for i := range vals {
			vals[i] = fixedString(a.data[i*t.size:(i+1)*t.size], t.strPad)
		}
		return vals, nil
	}
	if n == 1 {
		return elementValue(f, gh, t, a.data[:t.size])
	}
	if v, ok := numberList(t, a.data, n); ok {
		return v, nil
	}
	vals := make([]any, n)
	for i := 0; i < n; i++ {
		v, err := elementValue(f, gh, t, a.data[i*t.size:(i+1)*t.size])
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	return vals, nil
}

// numberList decodes an array of numbers into a typed slice: attributes of
// tens of thousands of values are common and boxing each costs most of a
// scan. Elements are read little-endian and byte-swapped if need be, not
// through a binary.ByteOrder, whose every call is indirect.
func numberList(t *datatype, data []byte, n int) (any, bool) {
	le, big := binary.LittleEndian, t.bigEndian
	switch {
	case t.class == classFloat && t.ieee && t.size == 4:
		out := make([]float32, n)
		for i := range out {
			u := le.Uint32(data[4*i:])
			if big {
				u = bits.ReverseBytes32(u)
			}
			out[i] = math.Float32frombits(u)
		}
		return out, true
	case t.class == classFloat && t.ieee && t.size == 8:
		out := make([]float64, n)
		for i := range out {
			u := le.Uint64(data[8*i:])
			if big {
				u = bits.ReverseBytes64(u)
			}
			out[i] = math.Float64frombits(u)
		}
		return out, true
	case t.class == classFixedPoint && t.fullWidth && t.signed && (t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8):
		out := make([]int64, n)
		shift := 64 - 8*uint(t.size)
		for i := range out {
			out[i] = int64(uintOf(data[i*t.size:], t.size, big)<<shift) >> shift
		}
		return out, true
	case t.class == classFixedPoint && t.fullWidth && (t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8):
		out := make([]uint64, n)
		for i := range out {
			out[i] = uintOf(data[i*t.size:], t.size, big)
		}
		return out, true
	}
	return nil, false
}

// uintOf is uintN for numberList.
func uintOf(b []byte, size int, big bool) uint64 {
	le := binary.LittleEndian
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		if big {
			return uint64(bits.ReverseBytes16(le.Uint16(b)))
		}
		return uint64(le.Uint16(b))
	case 4:
		if big {
			return uint64(bits.ReverseBytes32(le.Uint32(b)))
		}
		return uint64(le.Uint32(b))
	}
	if big {
		return bits.ReverseBytes64(le.Uint64(b))
	}
	return le.Uint64(b)
}

func uintN(order binary.ByteOrder, b []byte, size int) uint64 {
	switch size {
	case 1:
		return uint64(b[0])
	case 2:
		return uint64(order.Uint16(b))
	case 4:
		return uint64(order.Uint32(b))
	}
	return order.Uint64(b)
}

// elementValue decodes one element into a JSON value: numbers, strings,
// booleans (h5py's enum), enumerations as their integer value, complex
// numbers as [re, im], other compounds as objects, array types as lists.
func elementValue(f *file, gh *globalHeap, t *datatype, b []byte) (any, error) {
	var order binary.ByteOrder = binary.LittleEndian
	if t.bigEndian {
		order = binary.BigEndian
	}
	switch t.class {
	case classFixedPoint:
		if t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8 {
			return nil, errUnsupported(fmt.Sprintf("%d-byte integer attribute", t.size))
		}
		u := uintN(order, b, t.size)
		if !t.fullWidth {
			if !canWiden(t) {
				return nil, errUnsupported(fmt.Sprintf("integer attribute of %d bits at bit %d of %d bytes", t.precision, t.bitOffset, t.size))
			}
			u = narrowValue(t, u)
			if t.signed {
				return int64(u), nil
			}
			return u, nil
		}
		if !t.signed {
			return u, nil
		}
		shift := 64 - 8*uint(t.size)
		return int64(u<<shift) >> shift, nil
	case classBitfield:
		if t.size != 1 && t.size != 2 && t.size != 4 && t.size != 8 {
			return nil, errUnsupported(fmt.Sprintf("%d-byte bitfield attribute", t.size))
		}
		return uintN(order, b, t.size), nil
	case classFloat:
		if !t.ieee {
			// As h5py reads it: the IEEE float of its size, when that
			// holds every value.
			if why := t.ieeeHolds(t.size); why != "" {
				return nil, errUnsupported(fmt.Sprintf("non-IEEE %d-byte floating-point attribute: %s", t.size, why))
			}
			v := t.float.value(uintN(order, b, t.size))
			if t.size == 4 {
				return float32(v), nil
			}
			return v, nil
		}
		if t.vaxOrder {
			return nil, errUnsupported(fmt.Sprintf("VAX-order %d-byte floating-point attribute", t.size))
		}
		switch t.size {
		case 2:
			return float32(halfToFloat(order.Uint16(b))), nil
		case 4:
			return math.Float32frombits(order.Uint32(b)), nil
		case 8:
			return math.Float64frombits(order.Uint64(b)), nil
		}
		return nil, fmt.Errorf("%d-byte float", t.size)
	case classString:
		return fixedString(b, t.strPad), nil
	case classEnum:
		if t.isBool() {
			return b[0] != 0, nil
		}
		if t.base == nil || t.base.size != t.size {
			return nil, errUnsupported(fmt.Sprintf("%s attribute", t))
		}
		return elementValue(f, gh, t.base, b)
	case classCompound:
		return compoundValue(f, gh, t, b)
	case classArray:
		return arrayValue(f, gh, t, b)
	case classVlen:
		if !t.vlenString {
			return nil, errUnsupported("variable-length sequence attribute")
		}
		data, n, err := f.vlenData(gh, b)
		if err != nil {
			return nil, err
		}
		if uint64(len(data)) > uint64(n) {
			data = data[:n] // the count of a string is its length in bytes
		}
		return string(data), nil
	}
	return nil, errUnsupported(fmt.Sprintf("%s attribute", t))
}

// vlenData resolves one variable-length element: a 4-byte length, then a
// global heap ID (collection address + 4-byte object index), spec §VII.
// It returns the heap object and the element count.
func (f *file) vlenData(gh *globalHeap, b []byte) ([]byte, uint32, error) {
	d := f.decoderOver("variable-length element", 0, b)
	n := d.u32()
	coll := d.addr()
	index := d.u32()
	if d.err != nil {
		return nil, 0, d.err
	}
	if n == 0 || coll == undefinedAddr || coll == 0 {
		return nil, 0, nil
	}
	data, err := f.globalHeapObject(gh, coll, index)
	return data, n, err
}

// fixedString trims a fixed-length string according to its padding type.
func fixedString(b []byte, pad int) string {
	switch pad {
	case 0: // NUL-terminated
		if i := bytes.IndexByte(b, 0); i >= 0 {
			b = b[:i]
		}
	case 1: // NUL-padded
		b = bytes.TrimRight(b, "\x00")
	case 2: // space-padded
		b = bytes.TrimRight(b, " ")
	}
	return string(b)
}

// compoundValue decodes one compound element: a complex number as [re, im],
// anything else as an object of its members.
func compoundValue(f *file, gh *globalHeap, t *datatype, b []byte) (any, error) {
	if len(b) < t.size {
		return nil, fmt.Errorf("%d bytes for a %d-byte compound", len(b), t.size)
	}
	if _, ok := t.complexFloat(); ok {
		h := t.members[0].typ.size
		re, err := elementValue(f, gh, t.members[0].typ, b[:h])
		if err != nil {
			return nil, err
		}
		im, err := elementValue(f, gh, t.members[1].typ, b[h:2*h])
		if err != nil {
			return nil, err
		}
		if t.members[0].offset > t.members[1].offset {
			re, im = im, re
		}
		return []any{re, im}, nil
	}
	out := make(map[string]any, len(t.members))
	for _, m := range t.members {
		if m.typ == nil || m.offset < 0 || m.offset+m.typ.size > len(b) {
			return nil, fmt.Errorf("compound member %q outside its %d-byte element", m.name, len(b))
		}
		v, err := elementValue(f, gh, m.typ, b[m.offset:m.offset+m.typ.size])
		if err != nil {
			return nil, err
		}
		out[m.name] = v
	}
	return out, nil
}

// arrayValue decodes one element of an array datatype as a flat list of its
// base elements (multi-dimensional attributes are written flat as well).
func arrayValue(f *file, gh *globalHeap, t *datatype, b []byte) (any, error) {
	if t.base == nil || t.base.size < 1 {
		return nil, fmt.Errorf("array datatype without a base type")
	}
	n := len(b) / t.base.size
	if n > len(b) || n*t.base.size > t.size {
		return nil, fmt.Errorf("array datatype of %d bytes over %d-byte elements", t.size, t.base.size)
	}
	n = t.size / t.base.size
	out := make([]any, n)
	for i := range out {
		v, err := elementValue(f, gh, t.base, b[i*t.base.size:(i+1)*t.base.size])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1F
	frac := float64(h & 0x3FF)
	switch exp {
	case 0:
		return sign * math.Ldexp(frac, -24)
	case 0x1F:
		if frac != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	}
	return sign * math.Ldexp(1+frac/1024, exp-15)
}
