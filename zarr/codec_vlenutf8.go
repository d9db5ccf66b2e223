package zarr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"

	"gokerchunk/refs"
)

func init() { register("vlen-utf8", newVLenUTF8) }

// objectCodec is a codec that turns bytes into objects: the first filter of
// an object ("|O") array, which zarr-python puts there (the array's
// object_codec) and decodes last.
type objectCodec interface {
	Codec
	// decodeStrings decodes src into exactly n strings.
	decodeStrings(src []byte, n int) ([]string, error)
}

// vlenUTF8Codec is numcodecs.VLenUTF8: a little-endian uint32 item count,
// then per item a little-endian uint32 byte length and that many bytes of
// UTF-8.
type vlenUTF8Codec struct{}

func newVLenUTF8(refs.Codec) (Codec, error) { return vlenUTF8Codec{}, nil }

// errObjectCodec is what an object codec's byte Decode returns: its output
// is strings, which only an object array's string reader can take.
var errObjectCodec = errors.New("decodes to strings, not bytes: only the first filter of an object (|O) array may use it")

func (vlenUTF8Codec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return nil, errObjectCodec
}

// decodeStrings follows numcodecs' VLenUTF8.decode, which fails on a
// truncated header or item and on invalid UTF-8, and ignores bytes after
// the last item; zarr-python then fails unless there is one item per chunk
// element. The strings share one copy of src's bytes, so the allocation is
// bounded by the input: the count is checked against what src can hold
// (each item needs its 4-byte length) before the slice is made.
func (vlenUTF8Codec) decodeStrings(src []byte, n int) ([]string, error) {
	if len(src) < 4 {
		return nil, fmt.Errorf("vlen-utf8: %d bytes cannot hold the 4-byte item count", len(src))
	}
	count := binary.LittleEndian.Uint32(src)
	if uint64(count) != uint64(n) {
		return nil, fmt.Errorf("vlen-utf8: %d items, want one per chunk element (%d)", count, n)
	}
	body := src[4:]
	if uint64(count) > uint64(len(body))/4 {
		return nil, fmt.Errorf("vlen-utf8: %d bytes cannot hold the lengths of %d items", len(body), count)
	}
	all := string(body)
	out := make([]string, n)
	pos := 0
	for i := range out {
		if len(all)-pos < 4 {
			return nil, fmt.Errorf("vlen-utf8: item %d: length truncated at byte %d", i, 4+pos)
		}
		l := binary.LittleEndian.Uint32(body[pos:])
		pos += 4
		if uint64(l) > uint64(len(all)-pos) {
			return nil, fmt.Errorf("vlen-utf8: item %d: %d bytes at byte %d run past the %d-byte buffer", i, l, 4+pos, len(src))
		}
		s := all[pos : pos+int(l)]
		if !utf8.ValidString(s) {
			return nil, fmt.Errorf("vlen-utf8: item %d at byte %d is not valid UTF-8", i, 4+pos)
		}
		out[i] = s
		pos += int(l)
	}
	return out, nil
}
