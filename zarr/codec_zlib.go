package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("zlib", newZlib) }

// zlibCodec is numcodecs.Zlib: a zlib stream (RFC 1950, with header and
// Adler-32 trailer), as HDF5's deflate filter writes it. The level matters
// only when encoding.
type zlibCodec struct{}

func newZlib(refs.Codec) (Codec, error) { return zlibCodec{}, nil }

func (zlibCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.Zlib(dst, src, limit)
}
