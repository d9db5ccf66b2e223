package zarr

import (
	"bytes"
	"compress/gzip"

	"gokerchunk/refs"
)

func init() { register("gzip", newGzip) }

// gzipCodec is numcodecs.GZip: a gzip file (RFC 1952), possibly of several
// members, which Python's gzip module concatenates as Go's reader does.
type gzipCodec struct{}

func newGzip(refs.Codec) (Codec, error) { return gzipCodec{}, nil }

func (gzipCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return readAllLimit(dst, zr, limit)
}
