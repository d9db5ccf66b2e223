package format

import (
	"errors"
	"fmt"
)

// Error reports a structure that does not parse: the file, the structure
// being read, the absolute byte offset and what was wrong. It means the
// file is corrupt (or the parser has a bug), never that a valid feature
// is unsupported.
type Error struct {
	File      string
	Structure string // "superblock", "object header", "netCDF-3 header", ...
	Offset    int64  // absolute file offset of the structure (or field)
	Msg       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s at offset %d: %s", e.File, e.Structure, e.Offset, e.Msg)
}

// UnsupportedError reports a valid feature of the file's format that
// cannot be expressed as Zarr v2 references. Path names the object
// ("/grp/var"), or is empty for the file as a whole.
type UnsupportedError struct {
	File    string
	Path    string
	Feature string
}

func (e *UnsupportedError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("%s: unsupported: %s", e.File, e.Feature)
	}
	return fmt.Sprintf("%s: %s: unsupported: %s", e.File, e.Path, e.Feature)
}

// DamagedError reports an object of a file whose own structures do not
// parse (its object header, its messages, its chunk index, a stored chunk,
// or only one of its attributes) while the file's structures (superblock,
// root group) do: the object, or the attribute, is left out and the rest of
// the file kept. Err is the chain that ends in the *Error saying what does
// not parse and where.
type DamagedError struct {
	File string
	Path string // the object ("/grp/var")
	// Attribute names the attribute when only it is damaged.
	Attribute string
	Err       error
}

func (e *DamagedError) Error() string {
	what := e.Path
	if e.Attribute != "" {
		what += fmt.Sprintf(": attribute %q", e.Attribute)
	}
	reason := e.Err.Error()
	var fe *Error
	var te *TruncatedError
	if errors.As(e.Err, &te) {
		reason = te.Reason()
	} else if errors.As(e.Err, &fe) {
		reason = fmt.Sprintf("%s at offset %d: %s", fe.Structure, fe.Offset, fe.Msg)
	}
	return fmt.Sprintf("%s: %s: damaged: %s", e.File, what, reason)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// TruncatedError reports a file that ends before its own structures say
// it does: a copy or a download cut short. Err, when set, is the
// *Error of the structure that runs past the end.
type TruncatedError struct {
	File string
	Size int64 // where the file ends
	// Want is where Source ("the superblock", "the header") says the file
	// ends; 0 when the parse stopped before it could tell.
	Want   int64
	Source string
	// Reading is what was being read when the file ended: a variable
	// ("/tas") or a part of the file ("the header"); "" for none in
	// particular.
	Reading string
	Err     error
}

func (e *TruncatedError) Error() string {
	return e.File + ": " + e.Reason()
}

// Reason is the message without the file's name, for messages that name
// it already (a DamagedError's).
func (e *TruncatedError) Reason() string {
	s := fmt.Sprintf("truncated: the file ends at %d bytes", e.Size)
	if e.Want > 0 {
		s += fmt.Sprintf(", %s says %d", e.Source, e.Want)
	}
	if e.Reading != "" {
		if e.Want > 0 {
			s += ","
		}
		s += " while reading " + e.Reading
	}
	var fe *Error
	if errors.As(e.Err, &fe) {
		s += fmt.Sprintf(" (%s at offset %d: %s)", fe.Structure, fe.Offset, fe.Msg)
	}
	return s + "; copy or download the file again"
}

func (e *TruncatedError) Unwrap() error { return e.Err }
