package zarrcheck

import (
	"context"
	"errors"
)

// ErrUnsupported marks a source variable whose type the check cannot read
// or compare (netCDF strings, compound, vlen and opaque types).
var ErrUnsupported = errors.New("unsupported by check")

// Source is an independent reader of the file a reference set was made from.
// It must not share code with the scanner: the point of the check is that two
// readers agree. Implementations must be safe for concurrent use.
type Source interface {
	// Variables lists every variable, in any order.
	Variables(ctx context.Context) ([]Variable, error)
	// Read returns the raw (unscaled) values of the variable at path, in C
	// order and the host's byte order. A zero-size variable yields no bytes.
	// Variables of kind 'T' (strings) are not read.
	Read(ctx context.Context, path string) ([]byte, error)
	Close() error
}

// Variable describes one source variable.
type Variable struct {
	// Path names the variable the way reference sets name arrays: group
	// names and the variable name joined by "/", without a leading slash.
	Path  string
	Shape []int64
	Type  ElemType
}

// ElemType is a source element type, described in the words of Zarr dtypes
// so that both sides compare directly.
type ElemType struct {
	// Kind is 'i', 'u', 'f', 'S' (a netCDF char) or 'T' (a netCDF string,
	// which libnetcdf also presents for HDF5 fixed-length string datasets;
	// Size is 0), or 0 when the check cannot read the type.
	Kind byte
	Size int
	// Name is the source's own name of the type ("short", "char", "string").
	Name string
}

// Supported reports whether the check can read and compare the type.
func (t ElemType) Supported() bool { return t.Kind != 0 }
