package codec

import "fmt"

// FormatError reports encoded bytes that do not follow their format, or
// that decode to more than the caller's limit.
type FormatError struct {
	Format string // "blosc", "lz4", "hdf5-lz4", ...
	Offset int    // byte offset in the encoded input, -1 when unknown
	Msg    string
	Err    error // the error of a nested stream, if that is the cause
}

func (e *FormatError) Error() string {
	s := e.Format + ": " + e.Msg
	if e.Offset >= 0 {
		s += fmt.Sprintf(" at byte %d", e.Offset)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *FormatError) Unwrap() error { return e.Err }

// UnsupportedError reports well-formed input that uses a feature this
// package does not decode, such as Blosc's snappy compressor.
type UnsupportedError struct {
	Format  string
	Feature string
}

func (e *UnsupportedError) Error() string {
	return e.Format + ": " + e.Feature + " is not supported"
}

func formatErr(format string, off int, msg string, args ...any) error {
	return &FormatError{Format: format, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

// overLimit is the error of a decoder whose output would exceed limit.
func overLimit(format string, limit int) error {
	return &FormatError{Format: format, Offset: -1, Msg: fmt.Sprintf("decodes to more than %d bytes", limit)}
}
