package codec

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"sync"
)

// zlibReaders keeps inflaters for reuse: each holds tens of kilobytes of
// tables and windows that would otherwise be allocated for every chunk.
var zlibReaders sync.Pool

// Zlib decodes a zlib stream (RFC 1950, with header and Adler-32 trailer):
// what HDF5's deflate filter, numcodecs.Zlib and Blosc's zlib compressor
// store. Bytes after the end of the stream are ignored, as zlib's
// uncompress does.
func Zlib(dst, src []byte, limit int) ([]byte, error) {
	zr, err := zlibReader(src)
	if err != nil {
		return nil, err
	}
	defer zlibReaders.Put(zr)
	return readAll("zlib", dst, zr, limit)
}

// zlibExact decodes the zlib stream src into exactly all of dst.
func zlibExact(dst, src []byte) error {
	zr, err := zlibReader(src)
	if err != nil {
		return err
	}
	defer zlibReaders.Put(zr)
	return readExact("zlib", dst, zr)
}

func zlibReader(src []byte) (io.ReadCloser, error) {
	br := bytes.NewReader(src)
	if zr, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := zr.(zlib.Resetter).Reset(br, nil); err != nil {
			zlibReaders.Put(zr)
			return nil, streamErr("zlib", err)
		}
		return zr, nil
	}
	zr, err := zlib.NewReader(br)
	if err != nil {
		return nil, streamErr("zlib", err)
	}
	return zr, nil
}

// Gzip decodes a gzip file (RFC 1952), possibly of several members, which
// Python's gzip module (numcodecs.GZip) concatenates as Go's reader does.
func Gzip(dst, src []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(src))
	if err != nil {
		return nil, streamErr("gzip", err)
	}
	defer zr.Close()
	return readAll("gzip", dst, zr, limit)
}
