package codec

import (
	"errors"
	"io"
	"slices"
	"sync"
)

// scratchPool holds buffers for intermediate results (a block before it is
// unshuffled), reused across calls.
var scratchPool sync.Pool

// getScratch returns a pooled buffer of n bytes; give it back with
// scratchPool.Put.
func getScratch(n int) *[]byte {
	b, _ := scratchPool.Get().(*[]byte)
	if b == nil {
		b = new([]byte)
	}
	*b = grow(*b, n)
	return b
}

// grow returns n bytes in dst's storage when it is large enough, else a
// new slice.
func grow(dst []byte, n int) []byte {
	if cap(dst) < n {
		return make([]byte, n)
	}
	return dst[:n]
}

// readAll reads a decompressing reader to its end into dst's storage,
// failing once the output would exceed limit bytes.
func readAll(format string, dst []byte, r io.Reader, limit int) ([]byte, error) {
	limit = max(limit, 0)
	// A small limit (a fixed-size chunk) is allocated at once; a large one
	// (the bound of a variable-size chunk, up to 2 GiB) only as the output
	// grows.
	const firstAlloc = 1 << 24
	if cap(dst) < min(limit, firstAlloc) {
		dst = make([]byte, 0, min(limit, firstAlloc))
	}
	buf := dst[:0]
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, min(cap(buf), limit-len(buf)))
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, streamErr(format, err)
		}
	}
	if err := expectEnd(format, r, limit); err != nil {
		return nil, err
	}
	return buf, nil
}

// readExact reads a decompressing reader into all of dst and checks that
// the stream ends there.
func readExact(format string, dst []byte, r io.Reader) error {
	if _, err := io.ReadFull(r, dst); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return streamErr(format, err)
	}
	return expectEnd(format, r, len(dst))
}

// expectEnd checks that a reader which produced limit bytes has no more;
// reaching the end also makes it verify its trailing checksum.
func expectEnd(format string, r io.Reader, limit int) error {
	var one [1]byte
	switch _, err := io.ReadFull(r, one[:]); err {
	case io.EOF:
		return nil
	case nil:
		return overLimit(format, limit)
	default:
		return streamErr(format, err)
	}
}

func streamErr(format string, err error) error {
	msg := "corrupt stream"
	if errors.Is(err, io.ErrUnexpectedEOF) {
		msg = "truncated stream"
	}
	return &FormatError{Format: format, Offset: -1, Msg: msg, Err: err}
}
