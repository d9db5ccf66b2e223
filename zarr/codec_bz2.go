package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("bz2", newBz2) }

// bz2Codec is numcodecs.BZ2: a bzip2 stream from Python's bz2 module. The
// level matters only when encoding.
type bz2Codec struct{}

func newBz2(refs.Codec) (Codec, error) { return bz2Codec{}, nil }

func (bz2Codec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.Bzip2(dst, src, limit)
}
