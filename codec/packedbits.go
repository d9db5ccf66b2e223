package codec

// packedBits reads the bit stream of HDF5's n-bit and scale-offset filters:
// values packed back to back without padding, most significant bit first,
// starting at the top bit of the first byte (H5Z__nbit_decompress_one_byte,
// H5Z__scaleoffset_decompress_one_byte).
type packedBits struct {
	src []byte
	pos int    // next byte of src to load
	acc uint64 // loaded bits; the low n bits are the unread ones
	n   uint
}

// read returns the next k bits, k <= 56, or false when src ends first.
func (r *packedBits) read(k uint) (uint64, bool) {
	for r.n < k {
		if r.pos >= len(r.src) {
			return 0, false
		}
		r.acc = r.acc<<8 | uint64(r.src[r.pos])
		r.pos++
		r.n += 8
	}
	r.n -= k
	return r.acc >> r.n & (1<<k - 1), true
}

// readWide is read for k up to 64.
func (r *packedBits) readWide(k uint) (uint64, bool) {
	if k <= 56 {
		return r.read(k)
	}
	hi, ok := r.read(k - 32)
	if !ok {
		return 0, false
	}
	lo, ok := r.read(32)
	return hi<<32 | lo, ok
}

// putUint writes the low size bytes of v to b (size <= 8), in big-endian
// order when be is set.
func putUint(b []byte, v uint64, size int, be bool) {
	b = b[:size]
	if be {
		for i := size - 1; i >= 0; i-- {
			b[i] = byte(v)
			v >>= 8
		}
		return
	}
	for i := range b {
		b[i] = byte(v)
		v >>= 8
	}
}
