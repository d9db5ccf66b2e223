package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("zstd", newZstd) }

// zstdCodec is numcodecs.Zstd: one zstd frame. The level (and checksum
// flag of newer numcodecs) matter only when encoding; a frame says whether
// it carries a checksum.
type zstdCodec struct{}

func newZstd(refs.Codec) (Codec, error) { return zstdCodec{}, nil }

func (zstdCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.Zstd(dst, src, limit)
}
