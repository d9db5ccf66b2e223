package codec

import (
	"bytes"
	"compress/bzip2"
)

// Bzip2 decodes bzip2 streams, one or several concatenated: what
// numcodecs.BZ2 (Python's bz2 module) and HDF5 filter 307 store. Besides
// the output, Go's decoder allocates one block of state, at most 3.6 MB
// (900 000 32-bit words), whatever the input.
func Bzip2(dst, src []byte, limit int) ([]byte, error) {
	if len(src) == 0 {
		return nil, formatErr("bz2", 0, "no stream")
	}
	return readAll("bz2", dst, bzip2.NewReader(bytes.NewReader(src)), limit)
}
