package codec

// blosclzFarDistance is blosclz's MAX_DISTANCE: a match whose 13-bit
// distance field is all ones and whose next byte is 255 carries a 16-bit
// distance counted from here.
const blosclzFarDistance = 8191

// decodeBlosclz decodes one blosclz stream (Blosc's own LZ77 variant,
// blosclz.c of c-blosc 1.21) into dst and returns the number of bytes
// written. Each control byte is either a literal run (values below 32:
// that many plus one literal bytes follow) or a match: the top 3 bits are
// the length - 2 (7 meaning "more in the following bytes, 255 meaning more
// still"), the low 5 bits and the next byte the distance - 1. The first
// control byte carries blosclz's marker in its top 3 bits and is always a
// literal run.
func decodeBlosclz(dst, src []byte) (int, error) {
	const format = "blosclz"
	if len(src) == 0 {
		return 0, formatErr(format, 0, "empty stream")
	}
	s, d := 1, 0
	ctrl := int(src[0] & 31)
	for {
		if ctrl < 32 {
			n := ctrl + 1
			if n > len(dst)-d {
				return d, formatErr(format, s, "decodes to more than %d bytes", len(dst))
			}
			if n > len(src)-s {
				return d, formatErr(format, s, "%d literals run past the end of the stream", n)
			}
			copy(dst[d:], src[s:s+n])
			d += n
			s += n
			if s >= len(src) {
				return d, nil
			}
			ctrl = int(src[s])
			s++
			continue
		}
		n := ctrl>>5 - 1
		dist := (ctrl & 31) << 8
		// Every check below is one blosclz_decompress makes, in its order:
		// the stream must hold the distance byte and one more.
		if n == 7-1 {
			for {
				if s+1 >= len(src) {
					return d, formatErr(format, s, "truncated match length")
				}
				code := src[s]
				s++
				n += int(code)
				if code != 255 {
					break
				}
			}
		} else if s+1 >= len(src) {
			return d, formatErr(format, s, "truncated match")
		}
		code := int(src[s])
		s++
		n += 3
		dist += code
		if code == 255 && dist == 31<<8+255 {
			if s+1 >= len(src) {
				return d, formatErr(format, s, "truncated far match distance")
			}
			dist = int(src[s])<<8 | int(src[s+1]) + blosclzFarDistance
			s += 2
		}
		if n > len(dst)-d {
			return d, formatErr(format, s, "decodes to more than %d bytes", len(dst))
		}
		if dist+1 > d {
			return d, formatErr(format, s, "match distance %d outside the %d bytes decoded", dist+1, d)
		}
		if s >= len(src) {
			// blosclz_decompress stops here without copying the match, so
			// the stream decodes short; its compressor always ends with
			// literals.
			return d, nil
		}
		ctrl = int(src[s])
		s++
		copyMatch(dst, d, dist+1, n)
		d += n
	}
}
