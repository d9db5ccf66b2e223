package codec

import (
	"sync"

	"github.com/klauspost/compress/zstd"
)

// zstdDecoder is shared: DecodeAll may run concurrently, up to GOMAXPROCS
// calls at once. WithDecodeAllCapLimit makes DecodeAll decode no more than
// the capacity of the buffer it is given, which is how limit is enforced.
var zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecodeAllCapLimit(true))
})

// Zstd decodes zstd frames (RFC 8878) one after another, as numcodecs.Zstd
// and HDF5 filter 32015 store them. Frames without a content size are
// accepted too.
func Zstd(dst, src []byte, limit int) ([]byte, error) {
	limit = max(limit, 0)
	if len(src) == 0 {
		return nil, formatErr("zstd", 0, "no frame")
	}
	// The output must be able to grow to limit inside dst's storage:
	// DecodeAll stops at its capacity.
	if cap(dst) < limit {
		dst = make([]byte, 0, limit)
	}
	out, err := zstdDecode(dst[:0:limit], src)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// zstdExact decodes src into exactly all of dst.
func zstdExact(dst, src []byte) error {
	out, err := zstdDecode(dst[:0:len(dst)], src)
	if err != nil {
		return err
	}
	if len(out) != len(dst) {
		return formatErr("zstd", len(src), "decodes to %d bytes, want %d", len(out), len(dst))
	}
	if len(out) > 0 && &out[0] != &dst[0] {
		copy(dst, out)
	}
	return nil
}

func zstdDecode(buf, src []byte) ([]byte, error) {
	d, err := zstdDecoder()
	if err != nil {
		return nil, err
	}
	out, err := d.DecodeAll(src, buf)
	if err == zstd.ErrDecoderSizeExceeded {
		return nil, overLimit("zstd", cap(buf))
	}
	if err != nil {
		return nil, streamErr("zstd", err)
	}
	return out, nil
}
