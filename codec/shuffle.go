package codec

import "encoding/binary"

// Unshuffle undoes the byte shuffle of HDF5's shuffle filter (H5Z_SHUFFLE)
// and numcodecs.Shuffle: src holds the first byte of every elemSize-byte
// element, then every second byte, and so on. As in H5Z__filter_shuffle, a
// trailing partial element is not shuffled and is copied as it is. The
// result, len(src) bytes, is built in dst's storage when it is large enough;
// dst must not overlap src.
func Unshuffle(dst, src []byte, elemSize int) []byte {
	out := grow(dst, len(src))
	unshuffleInto(out, src, elemSize)
	return out
}

// Shuffle is the inverse of Unshuffle, the encoding side of the filter.
func Shuffle(dst, src []byte, elemSize int) []byte {
	out := grow(dst, len(src))
	if elemSize <= 1 || elemSize > len(src) {
		// Nothing to transpose (no whole element): HDF5 copies the bytes.
		copy(out, src)
		return out
	}
	n := len(src) / elemSize
	for k := range elemSize {
		plane := out[k*n : (k+1)*n]
		for i := range plane {
			plane[i] = src[i*elemSize+k]
		}
	}
	copy(out[n*elemSize:], src[n*elemSize:])
	return out
}

// unshuffleInto writes the unshuffled src to dst[:len(src)].
func unshuffleInto(dst, src []byte, elemSize int) {
	if elemSize <= 1 || elemSize > len(src) {
		copy(dst, src)
		return
	}
	n := len(src) / elemSize
	dst = dst[:len(src)]
	switch elemSize {
	case 2:
		p0, p1 := src[:n], src[n:2*n]
		for i := range p0 {
			binary.LittleEndian.PutUint16(dst[2*i:], uint16(p0[i])|uint16(p1[i])<<8)
		}
	case 4:
		p0, p1, p2, p3 := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n]
		for i := range p0 {
			binary.LittleEndian.PutUint32(dst[4*i:], uint32(p0[i])|uint32(p1[i])<<8|uint32(p2[i])<<16|uint32(p3[i])<<24)
		}
	case 8:
		p0, p1, p2, p3 := src[:n], src[n:2*n], src[2*n:3*n], src[3*n:4*n]
		p4, p5, p6, p7 := src[4*n:5*n], src[5*n:6*n], src[6*n:7*n], src[7*n:8*n]
		for i := range p0 {
			binary.LittleEndian.PutUint64(dst[8*i:], uint64(p0[i])|uint64(p1[i])<<8|uint64(p2[i])<<16|uint64(p3[i])<<24|
				uint64(p4[i])<<32|uint64(p5[i])<<40|uint64(p6[i])<<48|uint64(p7[i])<<56)
		}
	default:
		for k := range elemSize {
			plane := src[k*n : (k+1)*n]
			for i, b := range plane {
				dst[i*elemSize+k] = b
			}
		}
	}
	copy(dst[n*elemSize:], src[n*elemSize:])
}
