package hdf5scan

import (
	"fmt"
	"strings"
)

// Datatype classes (spec §IV.A.2.d).
const (
	classFixedPoint = 0
	classFloat      = 1
	classTime       = 2
	classString     = 3
	classBitfield   = 4
	classOpaque     = 5
	classCompound   = 6
	classReference  = 7
	classEnum       = 8
	classVlen       = 9
	classArray      = 10
)

var classNames = [...]string{"fixed-point", "floating-point", "time", "string", "bitfield", "opaque", "compound", "reference", "enumerated", "variable-length", "array"}

// datatype is a decoded datatype message, enough to name a numpy dtype and
// to decode attribute values.
type datatype struct {
	class     int
	version   int
	size      int
	bigEndian bool
	signed    bool
	vaxOrder  bool
	// Strings: padding (0 NUL-terminated, 1 NUL-padded, 2 space-padded) and
	// character set (0 ASCII, 1 UTF-8).
	strPad  int
	charset int
	// Variable-length: string (vlenString) or sequence of base.
	vlenString bool
	base       *datatype
	// Compound members and enum names/values.
	members []member
	// Floating point: whether the bit layout is IEEE 754's for the size
	// (sign at the top, exponent and mantissa where IEEE puts them).
	ieee bool
	// Integers and bitfields: every bit of the size is a value bit;
	// otherwise precision value bits start at bitOffset.
	fullWidth            bool
	bitOffset, precision int
	tag                  string   // opaque: the ASCII tag
	refType              int      // reference: 0 object, 1 region
	arrayDim             []uint64 // array: dimensions
}

type member struct {
	name   string
	offset int
	typ    *datatype
	value  []byte // enum: the member's value in the base type
}

func (t *datatype) String() string {
	if t.class < len(classNames) {
		return fmt.Sprintf("%s (%d bytes)", classNames[t.class], t.size)
	}
	return fmt.Sprintf("class %d", t.class)
}

// parseDatatype decodes a datatype message body; it returns the number of
// bytes consumed so that nested types (compound members) can continue.
func (f *file) parseDatatype(d *decoder, depth int) *datatype {
	if depth > 16 {
		d.fail("datatype nesting deeper than 16 levels")
		return nil
	}
	b0 := d.u8()
	bits := [3]uint8{d.u8(), d.u8(), d.u8()}
	t := &datatype{class: int(b0 & 0x0F), version: int(b0 >> 4), size: int(d.u32())}
	if d.err != nil {
		return nil
	}
	if t.version > 3 && d.err == nil {
		// Version 4 (HDF5 1.12 revised references) and beyond: a valid
		// file this scanner does not read, not a corrupt one.
		d.err = errUnsupported(fmt.Sprintf("datatype version %d", t.version))
		return nil
	}
	if t.version < 1 {
		d.fail("datatype version %d is not defined", t.version)
		return nil
	}
	switch t.class {
	case classFixedPoint, classBitfield:
		t.bigEndian = bits[0]&1 != 0
		t.signed = bits[0]&0x08 != 0
		t.bitOffset, t.precision = int(d.u16()), int(d.u16())
		t.fullWidth = t.bitOffset == 0 && t.precision == 8*t.size
	case classFloat:
		t.bigEndian = bits[0]&1 != 0
		t.vaxOrder = bits[0]&0x40 != 0
		signBit := int(bits[1])
		offset, precision := d.u16(), d.u16()
		expLoc, expSize, mantLoc, mantSize := d.u8(), d.u8(), d.u8(), d.u8()
		bias := d.u32()
		t.ieee = isIEEE(t.size, signBit, int(offset), int(precision), int(expLoc), int(expSize), int(mantLoc), int(mantSize), bias)
	case classTime:
		t.bigEndian = bits[0]&1 != 0
		d.skip(2)
	case classString:
		t.strPad = int(bits[0] & 0x0F)
		t.charset = int(bits[0] >> 4)
	case classOpaque:
		tagLen := int(bits[0])
		t.tag = strings.TrimRight(string(d.bytes(tagLen)), "\x00")
	case classCompound:
		n := int(bits[0]) | int(bits[1])<<8
		if n > d.remaining() {
			d.fail("compound with %d members in a %d-byte message", n, d.remaining())
			return nil
		}
		for i := 0; i < n && d.err == nil; i++ {
			var m member
			m.name = d.cstring(t.version < 3)
			switch t.version {
			case 1:
				m.offset = int(d.u32())
				rank := int(d.u8())
				d.skip(3 + 4 + 4 + 4*4) // reserved, permutation, reserved, dims
				if rank != 0 {
					d.fail("version-1 compound member %q with an array dimension", m.name)
				}
			case 2:
				m.offset = int(d.u32())
			case 3:
				m.offset = int(d.uint(bytesNeeded(uint64(t.size))))
			}
			m.typ = f.parseDatatype(d, depth+1)
			t.members = append(t.members, m)
		}
	case classReference:
		t.refType = int(bits[0] & 0x0F)
	case classEnum:
		n := int(bits[0]) | int(bits[1])<<8
		t.base = f.parseDatatype(d, depth+1)
		if d.err != nil {
			return nil
		}
		if n*(t.base.size+1) > d.remaining() {
			d.fail("enum with %d members in a %d-byte message", n, d.remaining())
			return nil
		}
		for i := 0; i < n; i++ {
			t.members = append(t.members, member{name: d.cstring(t.version < 3)})
		}
		for i := 0; i < n; i++ {
			t.members[i].offset = i
			t.members[i].value = d.bytes(t.base.size)
		}
	case classVlen:
		t.vlenString = bits[0]&0x0F == 1
		t.strPad = int(bits[0] >> 4)
		t.charset = int(bits[1] & 0x0F)
		t.base = f.parseDatatype(d, depth+1)
	case classArray:
		rank := int(d.u8())
		if t.version < 3 {
			d.skip(3)
		}
		for i := 0; i < rank && d.err == nil; i++ {
			t.arrayDim = append(t.arrayDim, uint64(d.u32()))
		}
		if t.version < 3 {
			d.skip(4 * rank) // permutation indices
		}
		t.base = f.parseDatatype(d, depth+1)
	default:
		d.fail("datatype class %d is not defined", t.class)
	}
	if d.err != nil {
		return nil
	}
	return t
}

// cstring reads a NUL-terminated string; padded8 skips padding to a multiple
// of 8 bytes (counting the NUL), as compound and enum names in datatype
// versions 1 and 2 are stored.
func (d *decoder) cstring(padded8 bool) string {
	if d.err != nil {
		return ""
	}
	i := strings.IndexByte(string(d.buf[d.pos:]), 0)
	if i < 0 {
		d.fail("string is not NUL-terminated")
		return ""
	}
	s := string(d.buf[d.pos : d.pos+i])
	n := i + 1
	if padded8 {
		n = (n + 7) &^ 7
	}
	d.skip(n)
	return s
}

// maxStringSize bounds the elements of any datatype (fixed-length strings
// are the largest in real files): larger ones exist only in corrupt files,
// and every fill value and chunk is built from them.
const maxStringSize = 1 << 20
