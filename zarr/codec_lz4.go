package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("lz4", newLZ4) }

// lz4Codec is numcodecs.LZ4: the decoded size as a 4-byte little-endian
// integer, then one LZ4 block. The acceleration matters only when
// encoding.
type lz4Codec struct{}

func newLZ4(refs.Codec) (Codec, error) { return lz4Codec{}, nil }

func (lz4Codec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.NumcodecsLZ4(dst, src, limit)
}
