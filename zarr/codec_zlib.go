package zarr

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"slices"
	"sync"

	"gokerchunk/refs"
)

func init() { register("zlib", newZlib) }

// zlibCodec is numcodecs.Zlib: a zlib stream (RFC 1950, with header and
// Adler-32 trailer), as HDF5's deflate filter writes it. The level matters
// only when encoding.
type zlibCodec struct{}

func newZlib(refs.Codec) (Codec, error) { return zlibCodec{}, nil }

// zlibReaders keeps inflaters for reuse: each holds tens of kilobytes of
// tables and windows that would otherwise be allocated for every chunk.
var zlibReaders sync.Pool

func (zlibCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	br := bytes.NewReader(src)
	var zr io.ReadCloser
	if pooled, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := pooled.(zlib.Resetter).Reset(br, nil); err != nil {
			zlibReaders.Put(pooled)
			return nil, err
		}
		zr = pooled
	} else {
		r, err := zlib.NewReader(br)
		if err != nil {
			return nil, err
		}
		zr = r
	}
	out, err := readAllLimit(dst, zr, limit)
	zlibReaders.Put(zr)
	return out, err
}

// readAllLimit reads r to the end into dst's storage, failing once the
// output would exceed limit bytes. A small limit (a fixed-size chunk) is
// allocated at once; a large one (the bound of a variable-size chunk) only
// as the output grows.
func readAllLimit(dst []byte, r io.Reader, limit int) ([]byte, error) {
	// One byte past the limit tells "exactly limit" from "too much".
	const firstAlloc = 1 << 24
	if cap(dst) < min(limit+1, firstAlloc) {
		dst = make([]byte, 0, min(limit+1, firstAlloc))
	}
	buf := dst[:0]
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit+1-len(buf)))
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, fmt.Errorf("decompresses to more than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			if err == io.ErrUnexpectedEOF {
				return nil, fmt.Errorf("truncated stream: %w", err)
			}
			return nil, err
		}
	}
}
