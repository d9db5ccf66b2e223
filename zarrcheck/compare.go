package zarrcheck

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"gokerchunk/zarr"
)

// hostBigEndian is the byte order Source.Read returns numbers in.
var hostBigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// leaf is one value inside an element: where it lies and how to read it.
type leaf struct {
	offset    int
	kind      byte // 'i', 'u', 'f', 'b', 'S' or 'V'
	size      int
	bigEndian bool
	// pad, for kind 'S', is how a reader presents the stored bytes as a
	// string; PadNone compares them as stored.
	pad StrPad
}

// leafPair is a value of the reference element and the source value it
// must equal; count consecutive values for an array member.
type leafPair struct {
	name     string // the member for reports ("b", "n.y", "real"); "" for a whole element
	ref, src leaf
	count    int
}

// layout says how one reference element compares with one source element:
// value by value, padding and unnamed fields left out.
type layout struct {
	refSize, srcSize int
	pairs            []leafPair
	// sameBytes is set when both elements lay every value out alike, so
	// that equal bytes mean equal values.
	sameBytes bool
}

// newLayout matches a Zarr dtype with a source type, or says why they do
// not match. Structured dtypes match compounds member by member, by name;
// a complex dtype matches a compound of two floats of half its size (h5py's
// {r, i}), real part first; everything else matches a source type of the
// same kind and size.
func newLayout(z zarr.DType, s ElemType) (*layout, string) {
	l := &layout{refSize: z.Size, srcSize: s.Size}
	if msg := l.match(z, 0, s, 0, hostBigEndian, "", 1); msg != "" {
		return nil, msg
	}
	l.sameBytes = l.refSize == l.srcSize
	for _, p := range l.pairs {
		ordered := p.ref.size > 1 && strings.IndexByte("iuf", p.ref.kind) >= 0
		// Equal bytes can still present different strings: a reader of
		// the source cuts a NULLTERM string at its first NUL and strips
		// a SPACEPAD one's spaces, numpy keeps both.
		presented := p.src.pad == PadNullTerm || p.src.pad == PadSpacePad
		if p.ref.offset != p.src.offset || (ordered && p.ref.bigEndian != p.src.bigEndian) || presented {
			l.sameBytes = false
		}
	}
	return l, ""
}

// inSourceOrder is the shortcut for an element that is one number stored
// in the other byte order than the source's (a big-endian array on a
// little-endian host): it reports whether such reference values should be
// byte-swapped (swapElements) and returns the layout that compares them
// then, with one bytes.Equal for equal arrays. Otherwise it returns l and
// false. l itself is left as it is, for the next batch of values.
func (l *layout) inSourceOrder() (*layout, bool) {
	if l.sameBytes || len(l.pairs) != 1 {
		return l, false
	}
	p := l.pairs[0]
	if p.count != 1 || p.ref.offset != 0 || p.src.offset != 0 || l.refSize != l.srcSize ||
		strings.IndexByte("iuf", p.ref.kind) < 0 || p.ref.bigEndian == p.src.bigEndian {
		return l, false
	}
	p.ref.bigEndian = p.src.bigEndian
	return &layout{refSize: l.refSize, srcSize: l.srcSize, pairs: []leafPair{p}, sameBytes: true}, true
}

// swapElements reverses the bytes of every size-byte element of b.
func swapElements(b []byte, size int) {
	for e := 0; e+size <= len(b); e += size {
		slices.Reverse(b[e : e+size])
	}
}

// match appends the pairs of count consecutive values of z at zOff and s
// at sOff (sBE: the byte order of s if it is a number), named name.
func (l *layout) match(z zarr.DType, zOff int, s ElemType, sOff int, sBE bool, name string, count int) string {
	mismatch := func() string {
		msg := fmt.Sprintf("dtype %s (kind %q, %d bytes) does not match source type %s", z.Str, z.Kind, z.Size, s.Name)
		if name != "" {
			msg = "field " + name + ": " + msg
		}
		return msg
	}
	if count > 1 && (z.Fields != nil || z.Kind == 'c') {
		for k := range count {
			at := fmt.Sprintf("%s[%d]", name, k)
			if msg := l.match(z, zOff+k*z.Size, s, sOff+k*s.Size, sBE, at, 1); msg != "" {
				return msg
			}
		}
		return ""
	}
	join := func(member string) string {
		if name == "" {
			return member
		}
		return name + "." + member
	}
	switch {
	case z.Fields != nil:
		if s.Kind != 'V' || len(s.Fields) == 0 {
			return mismatch()
		}
		var names []string
		for _, zf := range z.Fields {
			if zf.Name != "" { // padding
				names = append(names, zf.Name)
			}
		}
		var srcNames []string
		for _, sf := range s.Fields {
			srcNames = append(srcNames, sf.Name)
		}
		if len(names) != len(srcNames) {
			return fmt.Sprintf("%sfields %q, source members %q", prefix(name), names, srcNames)
		}
		for _, zf := range z.Fields {
			if zf.Name == "" {
				continue
			}
			i := slices.IndexFunc(s.Fields, func(f Field) bool { return f.Name == zf.Name })
			if i < 0 {
				return fmt.Sprintf("%sfields %q, source members %q", prefix(name), names, srcNames)
			}
			sf := s.Fields[i]
			if !slices.Equal(zf.Shape, sf.Shape) {
				return fmt.Sprintf("field %s: shape %v, source shape %v", join(zf.Name), zf.Shape, sf.Shape)
			}
			if msg := l.match(zf.DType, zOff+zf.Offset, sf.Type, sOff+sf.Offset, sf.BigEndian, join(zf.Name), zf.Count()); msg != "" {
				return msg
			}
		}
		return ""
	case z.Kind == 'c':
		half := z.Size / 2
		re := leaf{offset: sOff, kind: 'f', size: half, bigEndian: sBE}
		im := leaf{offset: sOff + half, kind: 'f', size: half, bigEndian: sBE}
		switch {
		case s.Kind == 'c' && s.Size == z.Size:
		case s.Kind == 'V' && s.Size == z.Size && len(s.Fields) == 2:
			parts := slices.Clone(s.Fields)
			slices.SortFunc(parts, func(a, b Field) int { return a.Offset - b.Offset })
			for _, p := range parts {
				if p.Type.Kind != 'f' || p.Type.Size != half || p.Shape != nil {
					return mismatch()
				}
			}
			re = leaf{offset: sOff + parts[0].Offset, kind: 'f', size: half, bigEndian: parts[0].BigEndian}
			im = leaf{offset: sOff + parts[1].Offset, kind: 'f', size: half, bigEndian: parts[1].BigEndian}
		default:
			return mismatch()
		}
		l.pairs = append(l.pairs,
			leafPair{name: join("real"), ref: leaf{offset: zOff, kind: 'f', size: half, bigEndian: z.BigEndian}, src: re, count: 1},
			leafPair{name: join("imag"), ref: leaf{offset: zOff + half, kind: 'f', size: half, bigEndian: z.BigEndian}, src: im, count: 1})
		return ""
	case (z.Kind == 'M' || z.Kind == 'm') && s.Kind == 'V' && s.Size == z.Size && len(s.Fields) == 0:
		// h5py stores datetime64/timedelta64 as a tagged opaque type,
		// which the scanner presents as the numpy type: same bytes.
		l.pairs = append(l.pairs, leafPair{
			name: name, ref: leaf{offset: zOff, kind: 'V', size: z.Size}, src: leaf{offset: sOff, kind: 'V', size: s.Size}, count: count,
		})
		return ""
	case z.Kind != s.Kind || z.Size != s.Size || len(s.Fields) > 0 || strings.IndexByte("iufbSV", z.Kind) < 0:
		return mismatch()
	}
	ref := leaf{offset: zOff, kind: z.Kind, size: z.Size, bigEndian: z.BigEndian}
	if s.Pad != PadNone {
		// An HDF5 fixed-length string: the source reader's string
		// against what numpy makes of a Zarr "S" value, its bytes
		// without trailing NULs.
		ref.pad = PadNullPad
	}
	l.pairs = append(l.pairs, leafPair{
		name:  name,
		ref:   ref,
		src:   leaf{offset: sOff, kind: s.Kind, size: s.Size, bigEndian: sBE, pad: s.Pad},
		count: count,
	})
	return ""
}

func prefix(name string) string {
	if name == "" {
		return ""
	}
	return "field " + name + ": "
}

// difference summarises where two buffers of elements disagree.
type difference struct {
	count int64 // elements that differ
	first int64 // linear index of the first one, -1 if none
	pair  int   // the pair that differs in it
	value int   // the value of that pair (array members)
}

// compare compares n reference elements with n source elements. Floats are
// equal when their bits are equal or both are NaN, so -0 and 0 differ but
// NaN payloads do not matter.
func (l *layout) compare(ref, src []byte, n int64) difference {
	d := difference{first: -1}
	if l.sameBytes && bytes.Equal(ref, src) {
		return d
	}
	for e := range n {
		r := ref[e*int64(l.refSize) : (e+1)*int64(l.refSize)]
		s := src[e*int64(l.srcSize) : (e+1)*int64(l.srcSize)]
		if l.sameBytes && bytes.Equal(r, s) {
			continue
		}
		if pi, k, ok := l.firstDifference(r, s); ok {
			if d.count == 0 {
				d.first, d.pair, d.value = e, pi, k
			}
			d.count++
		}
	}
	return d
}

// firstDifference returns the pair and value at which two elements differ.
func (l *layout) firstDifference(r, s []byte) (pair, value int, differ bool) {
	for pi, p := range l.pairs {
		for k := range p.count {
			a := r[p.ref.offset+k*p.ref.size:][:p.ref.size]
			b := s[p.src.offset+k*p.src.size:][:p.src.size]
			if !equalValue(a, p.ref, b, p.src) {
				return pi, k, true
			}
		}
	}
	return 0, 0, false
}

// describe renders the first difference of element e for a report.
func (l *layout) describe(ref, src []byte, d difference) string {
	p := l.pairs[d.pair]
	name := p.name
	if p.count > 1 {
		name = fmt.Sprintf("%s[%d]", name, d.value)
	}
	if name != "" {
		name = " field " + name
	}
	r := ref[d.first*int64(l.refSize)+int64(p.ref.offset+d.value*p.ref.size):][:p.ref.size]
	s := src[d.first*int64(l.srcSize)+int64(p.src.offset+d.value*p.src.size):][:p.src.size]
	return fmt.Sprintf("%s: reference %s, source %s", name, formatValue(r, p.ref), formatValue(s, p.src))
}

// equalValue compares one value of each side.
func equalValue(a []byte, la leaf, b []byte, lb leaf) bool {
	if la.kind == 'S' && (la.pad != PadNone || lb.pad != PadNone) {
		return bytes.Equal(la.pad.Present(a), lb.pad.Present(b))
	}
	if la.kind == 'S' || la.kind == 'V' || la.kind == 'b' || la.size > 8 {
		return bytes.Equal(a, b)
	}
	x, y := loadUint(a, la.bigEndian), loadUint(b, lb.bigEndian)
	return x == y || (la.kind == 'f' && isNaN(x, la.size) && isNaN(y, lb.size))
}

// loadUint reads an unsigned integer of len(b) ≤ 8 bytes.
func loadUint(b []byte, bigEndian bool) uint64 {
	var n uint64
	for i := range b {
		j := len(b) - 1 - i // little-endian: the last byte is the most significant
		if bigEndian {
			j = i
		}
		n = n<<8 | uint64(b[j])
	}
	return n
}

// isNaN reports whether bits hold a NaN of an IEEE 754 float of size bytes.
func isNaN(bits uint64, size int) bool {
	switch size {
	case 2:
		return bits&0x7c00 == 0x7c00 && bits&0x3ff != 0
	case 4:
		return math.IsNaN(float64(math.Float32frombits(uint32(bits))))
	case 8:
		return math.IsNaN(math.Float64frombits(bits))
	}
	return false
}

// float16 converts IEEE 754 binary16 bits to a float64.
func float16(bits uint16) float64 {
	sign := 1.0
	if bits&0x8000 != 0 {
		sign = -1
	}
	exp := int(bits>>10) & 0x1f
	mant := float64(bits & 0x3ff)
	switch exp {
	case 0:
		return sign * math.Ldexp(mant, -24)
	case 0x1f:
		if mant != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1+mant/1024, exp-15)
}

// formatValue renders one value for a report.
func formatValue(b []byte, l leaf) string {
	switch {
	case l.kind == 'S':
		return strconv.Quote(string(l.pad.Present(b)))
	case l.kind == 'b' && len(b) == 1:
		return strconv.FormatBool(b[0] != 0)
	case len(b) > 8 || l.kind == 'V':
		return fmt.Sprintf("%x", b)
	}
	u := loadUint(b, l.bigEndian)
	switch {
	case l.kind == 'f' && len(b) == 2:
		return strconv.FormatFloat(float16(uint16(u)), 'g', -1, 32)
	case l.kind == 'f' && len(b) == 4:
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(u))), 'g', -1, 32)
	case l.kind == 'f' && len(b) == 8:
		return strconv.FormatFloat(math.Float64frombits(u), 'g', -1, 64)
	case l.kind == 'u':
		return strconv.FormatUint(u, 10)
	case l.kind == 'i':
		shift := 64 - 8*uint(len(b)) // sign-extend from the value's width
		return strconv.FormatInt(int64(u<<shift)>>shift, 10)
	}
	return fmt.Sprintf("%x", b)
}

// unravel turns a C-order linear index into coordinates, formatted "[1 2]".
func unravel(i int64, shape []int64) string {
	idx := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = strconv.FormatInt(i%shape[d], 10)
			i /= shape[d]
		}
	}
	return "[" + strings.Join(idx, " ") + "]"
}
