package codec

// Datatype classes in the n-bit filter's parameter list (H5Znbit.c).
const (
	nbitAtomic   = 1 // integer or floating point: size, order, precision, offset
	nbitArray    = 2 // size, then the base type's class and parameters
	nbitCompound = 3 // size, member count, per member its offset, class and parameters
	nbitNoop     = 4 // size; copied as it is
)

// nbitLeaf is an integer, floating-point or no-op part of an element, at
// byte offset off of the element: count atomic values of size bytes one
// after the other, or (no-op) size bytes copied from the stream.
type nbitLeaf struct {
	off, size, count int64
	atomic, be       bool
	precision        int64 // bits
	offset           int64 // bits
}

// Nbit decodes a chunk of HDF5's n-bit filter (H5Z_FILTER_NBIT, 5) as
// H5Z__filter_nbit of libhdf5 does, given the filter's cd_values as the
// filter pipeline message stores them: [0] their number, [1] 1 when the
// filter does nothing (every part of the datatype has full precision, or
// its class is none of integer, float, array and compound), [2] the
// elements in a chunk, then the datatype: its class and size, and for an
// integer or float its byte order (0 little-endian), precision and bit
// offset; for an array the same of the base type; for a compound the
// member count and per member its byte offset and datatype.
//
// The chunk is the significant bits of every integer and float packed
// most significant first without padding, and the bytes of every other
// part of the datatype (strings, enums, ...) at whatever bit they fall.
// The result is the chunk's elements in the dataset's own type: the
// significant bits at their offset, every other bit zero.
//
// An array of arrays or of compounds inside a compound makes libhdf5 read
// the members after it with the wrong parameters (its parameter index goes
// back to the start of the array's base type after the array); libhdf5
// writes such chunks with the same walk, and this decoder repeats it
// (libhdf5 1.14 refuses some of these walks as corrupt). Parameters that
// would make libhdf5 divide by zero, read or write out of bounds or skip
// a class it does not know are a *FormatError here.
func Nbit(dst, src []byte, cdValues []uint32, limit int) ([]byte, error) {
	const format = "nbit"
	limit = max(limit, 0)
	if len(cdValues) == 0 || int64(cdValues[0]) != int64(len(cdValues)) {
		return nil, formatErr(format, -1, "%d cd_values, not the number cd_values[0] gives", len(cdValues))
	}
	if len(cdValues) >= 2 && cdValues[1] != 0 {
		// Nothing to undo. (A datatype that is not integer, float,
		// array or compound has only 3 parameters.)
		if len(src) > limit {
			return nil, overLimit(format, limit)
		}
		out := grow(dst, len(src))
		copy(out, src)
		return out, nil
	}
	if len(cdValues) < 5 {
		return nil, formatErr(format, -1, "%d cd_values, want at least 5", len(cdValues))
	}
	nelmts, elemSize := int64(cdValues[2]), int64(cdValues[4])
	if elemSize == 0 {
		return nil, formatErr(format, -1, "element size 0")
	}
	if nelmts > int64(limit)/elemSize {
		return nil, overLimit(format, limit)
	}
	if nelmts == 0 {
		return grow(dst, 0), nil
	}

	w := nbitWalk{parms: cdValues, elemSize: elemSize, maxSteps: 2*elemSize + 2*int64(len(cdValues)) + 64}
	idx := 4
	var err error
	switch cdValues[3] {
	case nbitAtomic:
		idx = 5
		err = w.atomic(0, 1, elemSize, &idx)
	case nbitArray:
		err = w.array(0, &idx)
	case nbitCompound:
		err = w.compound(0, &idx)
	default:
		err = formatErr(format, -1, "datatype class %d", cdValues[3])
	}
	if err != nil {
		return nil, err
	}
	// Refuse data too short for the elements before allocating for them.
	bits, have := int64(0), int64(len(src))*8 // per element
	for _, l := range w.leaves {
		if l.atomic {
			bits += l.count * l.precision
		} else {
			bits += 8 * l.size
		}
		if bits > have {
			break
		}
	}
	if bits > 0 && nelmts > have/bits {
		return nil, formatErr(format, len(src), "%d bytes for %d elements of %d bits or more", len(src), nelmts, bits)
	}

	out := grow(dst, int(nelmts*elemSize))
	clear(out)
	r := packedBits{src: src}
	if cdValues[3] == nbitAtomic && len(w.leaves) == 1 {
		// The chunk is one run of values.
		l := w.leaves[0]
		l.count = nelmts
		if !decodeAtomics(out, &l, &r) {
			return nil, formatErr(format, len(src), "the data ends before element %d", nelmts)
		}
		return out, nil
	}
	for e := range nelmts {
		elem := out[e*elemSize : (e+1)*elemSize]
		for i := range w.leaves {
			l := &w.leaves[i]
			var ok bool
			if l.atomic {
				ok = decodeAtomics(elem[l.off:l.off+l.count*l.size], l, &r)
			} else {
				ok = decodeNoop(elem[l.off:l.off+l.size], &r)
			}
			if !ok {
				return nil, formatErr(format, len(src), "the data ends in element %d of %d", e, nelmts)
			}
		}
	}
	return out, nil
}

// nbitWalk turns the datatype in the parameter list into the leaves of one
// element, walking it as H5Z__nbit_decompress_one_array and
// H5Z__nbit_decompress_one_compound of libhdf5 1.10 do for every element
// (the walk depends on the parameters only). Each leaf must lie inside the
// element; steps bounds the walk, and the number of leaves the decoding,
// for parameters that describe far more members and array elements than
// the element has bytes.
type nbitWalk struct {
	parms           []uint32
	elemSize        int64
	leaves          []nbitLeaf
	steps, maxSteps int64
}

func (w *nbitWalk) param(idx *int) (int64, error) {
	if *idx >= len(w.parms) {
		return 0, formatErr("nbit", -1, "the parameter list ends inside the datatype it describes")
	}
	v := w.parms[*idx]
	*idx++
	return int64(v), nil
}

func (w *nbitWalk) step() error {
	w.steps++
	if w.steps > w.maxSteps {
		return formatErr("nbit", -1, "the parameters describe more members than a %d-byte element holds", w.elemSize)
	}
	return nil
}

// atomic reads an integer or float's order, precision and offset at idx
// and adds count values of size bytes at off.
func (w *nbitWalk) atomic(off, count, size int64, idx *int) error {
	var p [3]int64
	for i := range p {
		v, err := w.param(idx)
		if err != nil {
			return err
		}
		p[i] = v
	}
	order, precision, offset := p[0], p[1], p[2]
	if precision > size*8 || precision+offset > size*8 {
		return formatErr("nbit", -1, "precision %d at bit offset %d in a %d-byte value", precision, offset, size)
	}
	return w.leaf(nbitLeaf{off: off, size: size, count: count, atomic: true, be: order != 0, precision: precision, offset: offset})
}

func (w *nbitWalk) leaf(l nbitLeaf) error {
	if l.count == 0 || l.size == 0 {
		return nil
	}
	if l.off < 0 || l.off > w.elemSize || l.count*l.size > w.elemSize-l.off {
		return formatErr("nbit", -1, "a member at byte %d of %d bytes lies outside the %d-byte element", l.off, l.count*l.size, w.elemSize)
	}
	if err := w.step(); err != nil {
		return err
	}
	// The members of a real datatype do not overlap, so an element has
	// no more leaves than bytes. Slack for libhdf5's misread members
	// after an array; more than that would make decoding cost far more
	// than the output's size.
	if int64(len(w.leaves)) >= 2*w.elemSize+64 {
		return formatErr("nbit", -1, "the parameters describe more members than a %d-byte element holds", w.elemSize)
	}
	w.leaves = append(w.leaves, l)
	return nil
}

// array walks an array at off whose parameters start at idx (with its
// size).
func (w *nbitWalk) array(off int64, idx *int) error {
	total, err := w.param(idx)
	if err != nil {
		return err
	}
	class, err := w.param(idx)
	if err != nil {
		return err
	}
	switch class {
	case nbitAtomic:
		size, err := w.param(idx)
		if err != nil {
			return err
		}
		if size == 0 {
			return formatErr("nbit", -1, "array of 0-byte values")
		}
		return w.atomic(off, total/size, size, idx)
	case nbitArray, nbitCompound:
		if *idx >= len(w.parms) {
			return formatErr("nbit", -1, "the parameter list ends inside the datatype it describes")
		}
		base := int64(w.parms[*idx]) // read in advance, as libhdf5 does
		if base == 0 {
			return formatErr("nbit", -1, "array of 0-byte elements")
		}
		// libhdf5 resets the index to the base type's parameters after
		// every element, and so leaves it there after the array.
		begin := *idx
		for i := range total / base {
			if err := w.step(); err != nil {
				return err
			}
			if class == nbitArray {
				err = w.array(off+i*base, idx)
			} else {
				err = w.compound(off+i*base, idx)
			}
			if err != nil {
				return err
			}
			*idx = begin
		}
		return nil
	case nbitNoop:
		if _, err := w.param(idx); err != nil { // the base type's size, unused
			return err
		}
		return w.leaf(nbitLeaf{off: off, size: total, count: 1})
	}
	return formatErr("nbit", -1, "datatype class %d in an array", class)
}

// compound walks a compound at off whose parameters start at idx (with
// its size).
func (w *nbitWalk) compound(off int64, idx *int) error {
	size, err := w.param(idx)
	if err != nil {
		return err
	}
	nmembers, err := w.param(idx)
	if err != nil {
		return err
	}
	used := int64(0)
	for range nmembers {
		if err := w.step(); err != nil {
			return err
		}
		moff, err := w.param(idx)
		if err != nil {
			return err
		}
		class, err := w.param(idx)
		if err != nil {
			return err
		}
		// libhdf5 1.10 checks that the member sizes (each member's first
		// parameter) add up to no more than the compound's size.
		if *idx >= len(w.parms) {
			return formatErr("nbit", -1, "the parameter list ends inside the datatype it describes")
		}
		if used += int64(w.parms[*idx]); used > size {
			return formatErr("nbit", -1, "compound members of %d bytes in a %d-byte compound", used, size)
		}
		switch class {
		case nbitAtomic:
			var size int64
			if size, err = w.param(idx); err == nil {
				err = w.atomic(off+moff, 1, size, idx)
			}
		case nbitArray:
			err = w.array(off+moff, idx)
		case nbitCompound:
			err = w.compound(off+moff, idx)
		case nbitNoop:
			var size int64
			if size, err = w.param(idx); err == nil {
				err = w.leaf(nbitLeaf{off: off + moff, size: size, count: 1})
			}
		default:
			err = formatErr("nbit", -1, "datatype class %d in a compound", class)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeAtomics reads l.count values of l's type into b. Each value's
// precision bits come most significant first; libhdf5 assigns the bytes
// that hold them (H5Z__nbit_decompress_one_atomic) and leaves the others.
func decodeAtomics(b []byte, l *nbitLeaf, r *packedBits) bool {
	size := int(l.size)
	prec, off := uint(l.precision), uint(l.offset)
	if prec == 0 {
		// libhdf5 still assigns 0 to the byte of bit offset when that
		// bit is not on a byte boundary.
		if off%8 != 0 {
			k := int(off / 8)
			if l.be {
				k = size - 1 - k
			}
			for i := 0; i < len(b); i += size {
				b[i+k] = 0
			}
		}
		return true
	}
	lo, hi := int(off/8), int((off+prec-1)/8) // first and last byte of the field, from the least significant
	if size <= 8 {
		for i := 0; i < len(b); i += size {
			v, ok := r.readWide(prec)
			if !ok {
				return false
			}
			v <<= off
			e := b[i : i+size]
			if l.be {
				for k := lo; k <= hi; k++ {
					e[size-1-k] = byte(v >> (8 * k))
				}
			} else {
				for k := lo; k <= hi; k++ {
					e[k] = byte(v >> (8 * k))
				}
			}
		}
		return true
	}
	// Wider values (long double): byte by byte, most significant first.
	for i := 0; i < len(b); i += size {
		e := b[i : i+size]
		for k := hi; k >= lo; k-- {
			first := max(off, uint(8*k))
			last := min(off+prec, uint(8*k+8))
			v, ok := r.read(last - first)
			if !ok {
				return false
			}
			c := byte(v << (first - uint(8*k)))
			if l.be {
				e[size-1-k] = c
			} else {
				e[k] = c
			}
		}
	}
	return true
}

// decodeNoop fills b with the next len(b) bytes of the stream.
func decodeNoop(b []byte, r *packedBits) bool {
	for i := range b {
		v, ok := r.read(8)
		if !ok {
			return false
		}
		b[i] = byte(v)
	}
	return true
}
