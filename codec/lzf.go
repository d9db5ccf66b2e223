package codec

// lzfMaxExpansion bounds what one input byte of LZF can decode to: a back
// reference of 3 bytes gives at most 7+255+2 = 264 bytes.
const lzfMaxExpansion = 88

// LZF decodes liblzf's format (lzf_d.c), as h5py's LZF filter (32000)
// stores it. Each control byte is either a literal run (values below 32:
// that many plus one bytes follow) or a back reference: the top 3 bits are
// the length - 2 (7 meaning "add the next byte"), the low 5 bits and the
// next byte the distance - 1.
//
// h5py's lzf_filter.c compresses into a buffer the size of the chunk and,
// when LZF cannot shrink it, fails the filter; the filter is optional, so
// HDF5 stores that chunk uncompressed and sets its bit in the chunk's
// filter mask. Such chunks are not LZF and must not come here.
func LZF(dst, src []byte, limit int) ([]byte, error) {
	const format = "lzf"
	limit = max(limit, 0)
	if len(src) == 0 {
		return nil, formatErr(format, 0, "empty stream")
	}
	out := grow(dst, min(limit, len(src)*lzfMaxExpansion))
	s, d := 0, 0
	for s < len(src) {
		ctrl := int(src[s])
		s++
		if ctrl < 32 {
			n := ctrl + 1
			if n > len(out)-d {
				return nil, overLimit(format, limit)
			}
			if n > len(src)-s {
				return nil, formatErr(format, s, "%d literals run past the end of the stream", n)
			}
			copy(out[d:], src[s:s+n])
			d += n
			s += n
			continue
		}
		n := ctrl >> 5
		dist := (ctrl&31)<<8 + 1
		if s >= len(src) {
			return nil, formatErr(format, s, "truncated back reference")
		}
		if n == 7 {
			n += int(src[s])
			s++
			if s >= len(src) {
				return nil, formatErr(format, s, "truncated back reference")
			}
		}
		dist += int(src[s])
		s++
		n += 2
		if n > len(out)-d {
			return nil, overLimit(format, limit)
		}
		if dist > d {
			return nil, formatErr(format, s, "back reference %d bytes behind the %d decoded", dist, d)
		}
		copyMatch(out, d, dist, n)
		d += n
	}
	return out[:d], nil
}
