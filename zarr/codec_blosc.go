package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("blosc", newBlosc) }

// bloscCodec is numcodecs.Blosc. Its configuration (cname, clevel,
// shuffle, blocksize) matters only when encoding: the Blosc header of
// every chunk says how that chunk was compressed and shuffled.
type bloscCodec struct{}

func newBlosc(refs.Codec) (Codec, error) { return bloscCodec{}, nil }

func (bloscCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.Blosc(dst, src, limit)
}
