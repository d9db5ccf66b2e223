package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// RangeError reports a byte range that does not lie inside its target.
type RangeError struct {
	URL    string
	Offset int64
	Length int64
	Size   int64 // the target's size
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("bytes [%d, %d) lie outside %s (%d bytes)", e.Offset, e.Offset+e.Length, e.URL, e.Size)
}

// ReadRange reads exactly n bytes at off. The range is checked against the
// target's size before anything is allocated, so a corrupt reference cannot
// make it allocate more than the target holds; a range outside the target
// gives a *RangeError naming url.
func ReadRange(ctx context.Context, r Reader, url string, off, n int64) ([]byte, error) {
	size := r.Size()
	if off < 0 || n < 0 || off > size || n > size-off {
		return nil, &RangeError{URL: url, Offset: off, Length: n, Size: size}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", url, err)
	}
	buf := make([]byte, n)
	got, err := r.ReadAt(buf, off)
	if got == len(buf) {
		// io.ReaderAt may report io.EOF with a full read at the end.
		return buf, nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return nil, fmt.Errorf("read %s bytes [%d, %d): got %d: %w", url, off, off+n, got, err)
}
