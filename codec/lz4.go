package codec

import (
	"encoding/binary"
	"fmt"
)

// LZ4Block decodes one raw LZ4 block (lz4_Block_format.md), which carries
// no size of its own: size is the exact decoded size the caller knows, and
// a block that decodes to anything else is an error.
func LZ4Block(dst, src []byte, size int) ([]byte, error) {
	if size < 0 {
		return nil, formatErr("lz4", -1, "negative size %d", size)
	}
	out := grow(dst, size)
	n, err := decodeLZ4(out, src)
	if err != nil {
		return nil, err
	}
	if n != size {
		return nil, formatErr("lz4", len(src), "block decodes to %d bytes, want %d", n, size)
	}
	return out, nil
}

// NumcodecsLZ4 decodes numcodecs.LZ4: the decoded size as a 4-byte
// little-endian integer, then one LZ4 block (numcodecs/lz4.pyx).
func NumcodecsLZ4(dst, src []byte, limit int) ([]byte, error) {
	limit = max(limit, 0)
	if len(src) < 4 {
		return nil, formatErr("lz4", 0, "%d bytes cannot hold the 4-byte size", len(src))
	}
	size := binary.LittleEndian.Uint32(src)
	if uint64(size) > uint64(limit) {
		return nil, formatErr("lz4", 0, "declared size %d is more than %d bytes", size, limit)
	}
	out, err := LZ4Block(dst, src[4:], int(size))
	if err != nil {
		return nil, shifted(err, 4)
	}
	return out, nil
}

// HDF5LZ4 decodes a chunk of HDF5 filter 32004 (H5Zlz4.c): the decoded size
// as an 8-byte big-endian integer, the block size as a 4-byte big-endian
// integer, then per block its compressed size (4 bytes, big-endian) and the
// block, the last block holding what remains. A block that LZ4 could not
// shrink is stored as it is, its compressed size equal to its size.
func HDF5LZ4(dst, src []byte, limit int) ([]byte, error) {
	const format = "hdf5-lz4"
	limit = max(limit, 0)
	if len(src) < 12 {
		return nil, formatErr(format, 0, "%d bytes cannot hold the 12-byte header", len(src))
	}
	total := binary.BigEndian.Uint64(src)
	if total > uint64(limit) {
		return nil, formatErr(format, 0, "declared size %d is more than %d bytes", total, limit)
	}
	blockSize := uint64(binary.BigEndian.Uint32(src[8:]))
	if blockSize > total {
		blockSize = total
	}
	if blockSize == 0 && total > 0 {
		// libhdf5's filter would loop forever here.
		return nil, formatErr(format, 8, "block size 0")
	}
	out := grow(dst, int(total))
	pos := 12
	for done := 0; done < len(out); {
		n := min(int(blockSize), len(out)-done)
		if len(src)-pos < 4 {
			return nil, formatErr(format, pos, "missing the size of block %d", done/int(blockSize))
		}
		csize := binary.BigEndian.Uint32(src[pos:])
		pos += 4
		if uint64(csize) > uint64(len(src)-pos) {
			return nil, formatErr(format, pos-4, "block of %d bytes runs past the %d-byte chunk", csize, len(src))
		}
		block := src[pos : pos+int(csize)]
		if int(csize) == n {
			copy(out[done:], block)
		} else {
			got, err := decodeLZ4(out[done:done+n], block)
			if err != nil {
				return nil, &FormatError{Format: format, Offset: pos, Msg: fmt.Sprintf("block %d", done/int(blockSize)), Err: err}
			}
			if got != n {
				return nil, formatErr(format, pos, "block %d decodes to %d bytes, want %d", done/int(blockSize), got, n)
			}
		}
		pos += int(csize)
		done += n
	}
	return out, nil
}

// decodeLZ4 decodes the LZ4 block src into dst and returns the number of
// bytes written; output that would not fit in dst is an error. A block is
// a run of sequences: a token (literal length in the high nibble, match
// length - 4 in the low one, 15 meaning "more in the following bytes, each
// 255 meaning more still"), the literals, a 2-byte little-endian match
// offset and the match; the last sequence stops after its literals.
func decodeLZ4(dst, src []byte) (int, error) {
	s, d := 0, 0
	for {
		if s >= len(src) {
			return d, formatErr("lz4", s, "missing sequence token")
		}
		token := src[s]
		s++
		lit := int(token >> 4)
		if lit == 15 {
			for {
				if s >= len(src) {
					return d, formatErr("lz4", s, "truncated literal length")
				}
				b := src[s]
				s++
				lit += int(b)
				if b != 255 {
					break
				}
			}
		}
		if lit <= 16 && len(src)-s >= 16 && len(dst)-d >= 16 {
			// Short runs, most of them: one fixed-size move, whose excess
			// the next sequence overwrites.
			*(*[16]byte)(dst[d:]) = *(*[16]byte)(src[s:])
		} else {
			if lit > len(src)-s {
				return d, formatErr("lz4", s, "%d literals run past the end of the block", lit)
			}
			if lit > len(dst)-d {
				return d, formatErr("lz4", s, "decodes to more than %d bytes", len(dst))
			}
			copy(dst[d:], src[s:s+lit])
		}
		d += lit
		s += lit
		if s == len(src) {
			return d, nil
		}
		if len(src)-s < 2 {
			return d, formatErr("lz4", s, "truncated match offset")
		}
		off := int(src[s]) | int(src[s+1])<<8
		if off == 0 || off > d {
			return d, formatErr("lz4", s, "match offset %d outside the %d bytes decoded", off, d)
		}
		s += 2
		ml := int(token&15) + 4
		if ml == 15+4 {
			for {
				if s >= len(src) {
					return d, formatErr("lz4", s, "truncated match length")
				}
				b := src[s]
				s++
				ml += int(b)
				if b != 255 {
					break
				}
			}
		}
		if ml <= 16 && off >= 8 && len(dst)-d >= 16 {
			// Two 8-byte moves in order repeat the match correctly when it
			// starts at least 8 bytes back.
			*(*[8]byte)(dst[d:]) = *(*[8]byte)(dst[d-off:])
			*(*[8]byte)(dst[d+8:]) = *(*[8]byte)(dst[d-off+8:])
		} else {
			if ml > len(dst)-d {
				return d, formatErr("lz4", s, "decodes to more than %d bytes", len(dst))
			}
			copyMatch(dst, d, off, ml)
		}
		d += ml
	}
}

// copyMatch appends n bytes at dst[d:] copied from off bytes back, the
// LZ77 way: when off < n the match repeats the bytes it has just written.
func copyMatch(dst []byte, d, off, n int) {
	from := d - off
	if off >= n {
		copy(dst[d:d+n], dst[from:from+n])
		return
	}
	if off == 1 {
		b := dst[from]
		run := dst[d : d+n]
		for i := range run {
			run[i] = b
		}
		return
	}
	// Each copy doubles the repeated pattern; the copied lengths stay
	// multiples of off, so the pattern stays in phase.
	for done := 0; done < n; {
		done += copy(dst[d+done:d+n], dst[from:d+done])
	}
}

// shifted moves the offset of a FormatError from a nested buffer into its
// container's frame.
func shifted(err error, by int) error {
	if fe, ok := err.(*FormatError); ok && fe.Offset >= 0 {
		c := *fe
		c.Offset += by
		return &c
	}
	return err
}
