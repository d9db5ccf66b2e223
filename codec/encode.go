package codec

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"sync"
)

// The encode side of the codecs that scan and combine write chunks in
// when they cannot reference the stored bytes (re-encoded filter
// pipelines, rewritten inputs): deflate, shuffle (Shuffle) and Fletcher-32.

// zlibWriters keeps a writer per deflate level: each holds about 1 MB of
// state, and encoding would allocate one per chunk otherwise.
var zlibWriters [10]sync.Pool

// ZlibEncode compresses src into a zlib stream (RFC 1950) at level 0-9,
// as HDF5's deflate filter and numcodecs.Zlib store it.
func ZlibEncode(src []byte, level int) ([]byte, error) {
	if level < 0 || level > 9 {
		return nil, fmt.Errorf("deflate level %d is not 0 to 9", level)
	}
	var b bytes.Buffer
	zw, ok := zlibWriters[level].Get().(*zlib.Writer)
	if ok {
		zw.Reset(&b)
	} else {
		var err error
		if zw, err = zlib.NewWriterLevel(&b, level); err != nil {
			return nil, err
		}
	}
	defer zlibWriters[level].Put(zw)
	if _, err := zw.Write(src); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// GzipEncode compresses src into one gzip member (RFC 1952) at level 0-9,
// as numcodecs.GZip stores it.
func GzipEncode(src []byte, level int) ([]byte, error) {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, level)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(src); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// AppendFletcher32 returns a copy of data followed by its Fletcher32
// checksum, little-endian, as HDF5's fletcher32 filter and
// numcodecs.Fletcher32 store it.
func AppendFletcher32(data []byte) []byte {
	out := append(make([]byte, 0, len(data)+4), data...)
	return binary.LittleEndian.AppendUint32(out, Fletcher32(data))
}
