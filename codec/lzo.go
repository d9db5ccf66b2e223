package codec

import (
	"encoding/binary"
	"hash/adler32"
)

// lzoMaxExpansion bounds what one input byte of LZO1X can decode to: each
// zero byte of a length extension adds 255 to a length, and no instruction
// gives more per byte than that.
const lzoMaxExpansion = 255

// LZO1X decodes one LZO1X stream (the format of liblzo2's LZO1X-1 and
// LZO1X-999 compressors, as lzo1x_decompress_safe reads it), which must
// end with its end marker at the end of src.
func LZO1X(dst, src []byte, limit int) ([]byte, error) {
	const format = "lzo"
	out, n, err := lzo1x(dst, src, limit)
	if err != nil {
		return nil, err
	}
	if n != len(src) {
		return nil, formatErr(format, n, "%d bytes after the end marker", len(src)-n)
	}
	return out, nil
}

// lzo1x decodes the LZO1X stream at the start of src and returns the
// decoded bytes and the length of the stream, end marker included.
//
// A stream is a sequence of instructions (the Linux kernel's
// Documentation/staging/lzo.rst; liblzo2's lzo1x_d.ch). Each match
// instruction carries in its last byte's low 2 bits (S) the count of
// literals that follow it, and the meaning of the next instruction byte
// below 16 depends on the literals just copied (state): after none, it is
// a literal run of 4 or more bytes; after 1-3 trailing literals, a 2-byte
// match within 1 KiB; after a run of 4 or more literals, a 3-byte match
// 2049-3072 bytes back. A first byte above 17 is a literal run of byte-17
// bytes. Lengths whose field is 0 are extended: each following zero byte
// adds 255, then the first non-zero byte and the field's maximum are added.
func lzo1x(dst, src []byte, limit int) ([]byte, int, error) {
	const format = "lzo"
	limit = max(limit, 0)
	if len(src) == 0 {
		return nil, 0, formatErr(format, 0, "empty stream")
	}
	out := grow(dst, min(limit, len(src)*lzoMaxExpansion))
	s, d := 0, 0
	state := 0 // literals copied by the last instruction; 4 for a run of 4 or more
	lit := 0   // literals the instruction just read is followed by
	if src[0] > 17 {
		s = 1
		lit = int(src[0]) - 17
	}
	for {
		// The literals of the last instruction, copied here for every kind
		// (the hot path: most matches carry some).
		if lit > 0 {
			if lit > len(out)-d {
				return nil, 0, overLimit(format, limit)
			}
			if lit > len(src)-s {
				return nil, 0, formatErr(format, s, "%d literals run past the end of the stream", lit)
			}
			copy(out[d:d+lit], src[s:s+lit])
			d += lit
			s += lit
			state = min(lit, 4)
			lit = 0
		}
		if s >= len(src) {
			return nil, 0, formatErr(format, s, "stream ends without an end marker")
		}
		at := s
		op := int(src[s])
		s++
		var length, dist int
		var err error
		switch {
		case op >= 64:
			// 01LDDDSS or 1LLDDDSS HHHHHHHH: 3-4 or 5-8 bytes within 2 KiB.
			if s >= len(src) {
				return nil, 0, formatErr(format, at, "truncated match")
			}
			length = op>>5 + 1
			dist = int(src[s])<<3 + (op>>2)&7 + 1
			s++
			lit = op & 3
		case op >= 32:
			// 001LLLLL, LE16 DDDDDDDD DDDDDDSS: within 16 KiB. (This case
			// and the next read their length and word alike; written out
			// twice because a shared function, not inlined, costs about
			// 10% of the decoding speed on compressible data.)
			if length = op & 31; length == 0 {
				if length, s, err = lzoExtend(src, s, len(out)-d, 31, limit); err != nil {
					return nil, 0, err
				}
			}
			length += 2
			if len(src)-s < 2 {
				return nil, 0, formatErr(format, at, "truncated match")
			}
			v := int(binary.LittleEndian.Uint16(src[s:]))
			s += 2
			dist = v>>2 + 1
			lit = v & 3
		case op >= 16:
			// 0001HLLL, LE16 DDDDDDDD DDDDDDSS: 16 KiB + H<<14 + D back,
			// or with H and D both 0 the end of the stream.
			if length = op & 7; length == 0 {
				if length, s, err = lzoExtend(src, s, len(out)-d, 7, limit); err != nil {
					return nil, 0, err
				}
			}
			length += 2
			if len(src)-s < 2 {
				return nil, 0, formatErr(format, at, "truncated match")
			}
			v := int(binary.LittleEndian.Uint16(src[s:]))
			s += 2
			dist = (op&8)<<11 + v>>2
			if dist == 0 {
				return out[:d], s, nil
			}
			dist += 16384
			lit = v & 3
		case state == 0:
			// 0000LLLL: a run of 3+L literals.
			if lit = op; lit == 0 {
				if lit, s, err = lzoExtend(src, s, len(out)-d, 15, limit); err != nil {
					return nil, 0, err
				}
			}
			lit += 3
			continue
		default:
			// 0000DDSS HHHHHHHH: 2 bytes within 1 KiB after 1-3 literals,
			// 3 bytes 2049-3072 back after a longer run.
			if s >= len(src) {
				return nil, 0, formatErr(format, at, "truncated match")
			}
			length, dist = 2, int(src[s])<<2+op>>2+1
			if state == 4 {
				length, dist = 3, dist+2048
			}
			s++
			lit = op & 3
		}
		if length > len(out)-d {
			return nil, 0, overLimit(format, limit)
		}
		if dist > d {
			return nil, 0, formatErr(format, at, "match %d bytes behind the %d decoded", dist, d)
		}
		copyMatch(out, d, dist, length)
		d += length
		state = 0 // unless literals follow: the top of the loop sets it then
	}
}

// lzoExtend reads, at src[s:], the zero bytes and the final byte that
// extend a length field of 0 whose maximum is base, and returns the length
// and the offset after it; room is the output left, which the length may
// not pass.
func lzoExtend(src []byte, s, room, base, limit int) (int, int, error) {
	n := 0
	for s < len(src) && src[s] == 0 {
		n += 255
		s++
		if n > room {
			return 0, 0, overLimit("lzo", limit)
		}
	}
	if s >= len(src) {
		return 0, 0, formatErr("lzo", s, "truncated length")
	}
	return n + base + int(src[s]), s + 1, nil
}

// PyTablesLZO decodes a chunk of PyTables' LZO filter (HDF5 filter 305,
// src/H5Zlzo.c): an LZO1X-1 stream, usually followed by the Adler-32 of
// the decoded bytes and their length, each 4 bytes little-endian (the byte
// order of the machines PyTables ran on). H5Zlzo.c decides from the
// client data (object type and version) whether the trailer is there, but
// old files do not follow that rule: the chunks of PyTables' own test
// files Tables_lzo1.h5 and Tables_lzo2.h5, whose client data name a Table
// of version 2.3 (trailer expected), end at the stream's end marker. So
// the trailer is taken when the stream before it decodes to the length
// and checksum it states, and the whole chunk is decoded as one stream
// otherwise.
func PyTablesLZO(dst, src []byte, limit int) ([]byte, error) {
	const format = "pytables-lzo"
	limit = max(limit, 0)
	var trailerErr error
	if n := len(src) - 8; n > 0 {
		sum := binary.LittleEndian.Uint32(src[n:])
		size := binary.LittleEndian.Uint32(src[n+4:])
		if int64(size) <= int64(limit) {
			out, err := LZO1X(dst, src[:n], int(size))
			switch {
			case err != nil:
				trailerErr = err
			case len(out) != int(size):
				trailerErr = formatErr(format, n+4, "stream decodes to %d bytes, its trailer says %d", len(out), size)
			case adler32.Checksum(out) != sum:
				trailerErr = formatErr(format, n, "Adler-32 %#08x of the decoded bytes, the trailer says %#08x", adler32.Checksum(out), sum)
			default:
				return out, nil
			}
		}
	}
	out, err := LZO1X(dst, src, limit)
	if err != nil && trailerErr != nil {
		// A chunk whose trailer states a length the limit allows is much
		// more likely one with a damaged trailed stream.
		return nil, trailerErr
	}
	return out, err
}
