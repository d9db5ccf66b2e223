package zarr

import (
	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("gzip", newGzip) }

// gzipCodec is numcodecs.GZip: a gzip file (RFC 1952), possibly of several
// members, which Python's gzip module concatenates as Go's reader does.
type gzipCodec struct{}

func newGzip(refs.Codec) (Codec, error) { return gzipCodec{}, nil }

func (gzipCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	return codec.Gzip(dst, src, limit)
}
