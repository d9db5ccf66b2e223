package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("zfpy", newZfpy) }

// zfpyCodec is numcodecs.ZFPY: a zfp stream with its full header in front
// (zfpy.compress_numpy), which decodes to the values in C order, the
// header giving the type, the shape and the compression mode. mode,
// tolerance, rate and precision matter only when encoding.
type zfpyCodec struct{}

func newZfpy(refs.Codec) (Codec, error) { return zfpyCodec{}, nil }

func (zfpyCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.ZFP(dst, src, limit)
}
