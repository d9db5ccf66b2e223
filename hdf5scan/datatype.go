package hdf5scan

import (
	"fmt"
	"math"
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
	// (sign at the top, exponent and mantissa where IEEE puts them), and
	// the layout as the message gives it.
	ieee  bool
	float floatLayout
	// Integers and bitfields: every bit of the size is a value bit;
	// otherwise precision value bits start at bitOffset.
	fullWidth            bool
	bitOffset, precision int
	tag                  string   // opaque: the ASCII tag
	refType              int      // reference: 0 object, 1 region
	arrayDim             []uint64 // array: dimensions
}

// floatLayout is where a floating-point type keeps its fields (bit
// positions from the least significant bit of the element).
type floatLayout struct {
	signBit, expLoc, expSize, mantLoc, mantSize int
	bias                                        uint32
	// norm is the mantissa normalization: 0 none, 1 most significant
	// bit set, 2 implied (IEEE's).
	norm int
}

// value decodes the element raw (its bytes as an unsigned integer) of a
// float with an implied mantissa normalization (norm 2) as libhdf5's
// conversion does: an exponent of all ones is an infinity (mantissa 0)
// or a NaN, 0 a denormal.
func (l floatLayout) value(raw uint64) float64 {
	e := raw >> uint(l.expLoc) & (1<<uint(l.expSize) - 1)
	m := raw >> uint(l.mantLoc) & (1<<uint(l.mantSize) - 1)
	var v float64
	switch {
	case e == 1<<uint(l.expSize)-1 && m == 0:
		v = math.Inf(1)
	case e == 1<<uint(l.expSize)-1:
		v = math.NaN()
	case e == 0:
		v = math.Ldexp(float64(m), 1-int(l.bias)-l.mantSize)
	default:
		v = math.Ldexp(float64(m|1<<uint(l.mantSize)), int(e)-int(l.bias)-l.mantSize)
	}
	if raw>>uint(l.signBit)&1 != 0 {
		v = -v
	}
	return v
}

// ieeeHolds reports why the IEEE float of size bytes cannot hold every
// value of a float of t's layout exactly, or "" when it can: the
// layout's fields lie in the element, the mantissa is normalized as
// IEEE's (value knows no other), and its exponents and mantissa bits fit.
func (t *datatype) ieeeHolds(size int) string {
	l := t.float
	var expBits, mantBits int
	switch size {
	case 4:
		expBits, mantBits = 8, 23
	case 8:
		expBits, mantBits = 11, 52
	default:
		return fmt.Sprintf("%d-byte elements: only 4- and 8-byte ones are converted, to the IEEE float of their size", size)
	}
	bits := 8 * t.size
	switch {
	case t.vaxOrder:
		return "VAX byte order"
	case l.norm != 2:
		return fmt.Sprintf("mantissa normalization %d (only IEEE's implied leading bit is converted)", l.norm)
	case l.expSize < 1 || l.expSize > 32 || l.mantSize > 63 || l.signBit >= bits || l.expLoc+l.expSize > bits || l.mantLoc+l.mantSize > bits:
		return fmt.Sprintf("fields outside the element (sign bit %d, exponent %d bits at %d, mantissa %d bits at %d)", l.signBit, l.expSize, l.expLoc, l.mantSize, l.mantLoc)
	}
	ieeeBias := 1<<(expBits-1) - 1
	maxExp := 1<<l.expSize - 2 - int64(l.bias)      // of the largest finite value
	minExp := 1 - int64(l.bias) - int64(l.mantSize) // of the smallest denormal's last bit
	if l.mantSize > mantBits || maxExp > int64(ieeeBias) || minExp < int64(1-ieeeBias-mantBits) {
		return fmt.Sprintf("exponent of %d bits with bias %d and mantissa of %d bits, beyond a %d-byte IEEE float", l.expSize, l.bias, l.mantSize, size)
	}
	return ""
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
		t.float = floatLayout{signBit: signBit, expLoc: int(expLoc), expSize: int(expSize), mantLoc: int(mantLoc), mantSize: int(mantSize),
			bias: bias, norm: int(bits[0]>>4) & 3}
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
			var dims []uint64
			switch t.version {
			case 1:
				// Version 1 gives every member a dimensionality (up to
				// 4), a permutation libhdf5 ignores, and 4 dimension
				// sizes: a member with dimensions is an array of its
				// type (H5O_dtype_decode_helper).
				m.offset = int(d.u32())
				rank := int(d.u8())
				d.skip(3 + 4 + 4) // reserved, permutation, reserved
				for j := range 4 {
					if n := uint64(d.u32()); j < rank {
						dims = append(dims, n)
					}
				}
				if rank > 4 && d.err == nil {
					d.fail("version-1 compound member %q with %d dimensions (at most 4)", m.name, rank)
				}
			case 2:
				m.offset = int(d.u32())
			case 3:
				m.offset = int(d.uint(bytesNeeded(uint64(t.size))))
			}
			m.typ = f.parseDatatype(d, depth+1)
			if len(dims) > 0 && d.err == nil {
				m.typ = arrayOf(d, m.typ, dims)
			}
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

// arrayOf makes the array datatype of a version-1 compound member with
// dimensions, as a version-2 message would store it.
func arrayOf(d *decoder, base *datatype, dims []uint64) *datatype {
	n := uint64(1)
	for _, k := range dims {
		if k == 0 || n > maxStringSize/k {
			d.fail("compound member array %v of %d-byte elements", dims, base.size)
			return nil
		}
		n *= k
	}
	if n*uint64(base.size) > maxStringSize {
		d.fail("compound member array %v of %d-byte elements", dims, base.size)
		return nil
	}
	return &datatype{class: classArray, version: 2, size: int(n) * base.size, base: base, arrayDim: dims}
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

// canWiden reports whether the value bits of the narrow integer type t
// (precision bits from bitOffset) lie within its size, so that
// narrowValue can extract them.
func canWiden(t *datatype) bool {
	return (t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8) && t.precision >= 1 &&
		t.bitOffset >= 0 && t.bitOffset+t.precision <= 8*t.size
}

// narrowValue extracts the value bits of one narrow integer.
func narrowValue(t *datatype, raw uint64) uint64 {
	v := raw >> uint(t.bitOffset)
	if t.precision < 64 {
		v &= 1<<uint(t.precision) - 1
		if t.signed && v&(1<<uint(t.precision-1)) != 0 {
			v |= ^uint64(0) << uint(t.precision)
		}
	}
	return v
}

// isBool recognises h5py's boolean: a 1-byte enumeration FALSE = 0, TRUE = 1.
func (t *datatype) isBool() bool {
	if t.class != classEnum || t.base == nil || t.base.size != 1 || len(t.members) != 2 {
		return false
	}
	m := t.members
	return m[0].name == "FALSE" && m[1].name == "TRUE" && m[0].value[0] == 0 && m[1].value[0] == 1
}

// complexNames are the member names by which writers mark a two-float
// compound as a complex number (h5py's default is r, i).
var complexNames = [][2]string{{"r", "i"}, {"re", "im"}, {"real", "imag"}}

// complexFloat recognises a complex number stored as a compound of two
// IEEE floats of one size and byte order, real part first with no padding,
// and returns the type of the parts.
func (t *datatype) complexFloat() (*datatype, bool) {
	if len(t.members) != 2 {
		return nil, false
	}
	re, im := t.members[0], t.members[1]
	if re.offset > im.offset {
		re, im = im, re
	}
	named := false
	for _, n := range complexNames {
		named = named || (re.name == n[0] && im.name == n[1])
	}
	f := re.typ
	if !named || f.class != classFloat || !f.ieee || (f.size != 4 && f.size != 8) || im.typ.class != classFloat ||
		im.typ.size != f.size || im.typ.bigEndian != f.bigEndian || !im.typ.ieee ||
		re.offset != 0 || im.offset != f.size || t.size != 2*f.size {
		return nil, false
	}
	return f, true
}

// isIEEE reports whether a floating-point datatype message describes the
// IEEE 754 binary16/32/64 layout, the only ones numpy's f2/f4/f8 read.
func isIEEE(size, signBit, offset, precision, expLoc, expSize, mantLoc, mantSize int, bias uint32) bool {
	want := map[int][5]int{
		2: {15, 10, 5, 10, 15},
		4: {31, 23, 8, 23, 127},
		8: {63, 52, 11, 52, 1023},
	}
	w, ok := want[size]
	return ok && offset == 0 && precision == 8*size && signBit == w[0] && expLoc == w[1] &&
		expSize == w[2] && mantLoc == 0 && mantSize == w[3] && bias == uint32(w[4])
}
