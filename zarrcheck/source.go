package zarrcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"

	"gokerchunk/refs"
)

// ErrUnsupported marks a source variable whose type the check cannot read
// or compare (vlen sequences, references, compounds with variable-length
// members, ...).
var ErrUnsupported = errors.New("unsupported by check")

// ErrNotCompared marks a variable whose values a source knows it cannot
// give faithfully; the check lists it as unchecked instead of failing.
var ErrNotCompared = errors.New("values not compared")

// Source is an independent reader of the file a reference set was made from.
// It must not share code with the scanner: the point of the check is that two
// readers agree. Implementations must be safe for concurrent use.
type Source interface {
	// Variables lists every variable, in any order.
	Variables(ctx context.Context) ([]Variable, error)
	// Read returns the raw (unscaled) values of the variable at path in C
	// order. Numbers and booleans (kinds 'i', 'u', 'f', 'b') come in the
	// host's byte order, strings ('S') and opaque values ('V' without
	// fields) as stored, and compounds ('V' with fields) as stored, with
	// their padding and every member in the byte order its Field says. A
	// zero-size variable yields no bytes. Variables of kind 'T' are read
	// with ReadStrings. With start and count (one each per dimension) it
	// reads that region only, so that a large variable is compared a slab
	// at a time; nil start and count read the whole variable.
	Read(ctx context.Context, path string, start, count []int64) ([]byte, error)
	// ReadStrings returns the values of a variable of kind 'T' (variable-
	// length strings) in C order.
	ReadStrings(ctx context.Context, path string) ([]string, error)
	Close() error
}

// Variable describes one source variable.
type Variable struct {
	// Path names the variable the way reference sets name arrays: group
	// names and the variable name joined by "/", without a leading slash.
	Path  string
	Shape []int64
	Type  ElemType
	// Dims are the names of the dimensions as libnetcdf gives them, nil
	// when the source has none (a plain HDF5 dataset). A variable libhdf5
	// reads may have more axes than names: its array type's dimensions.
	Dims []string
	// FillValue is the variable's _FillValue attribute, nil when it has
	// none: what a reader of the source (xarray's netCDF4 or h5netcdf
	// engine) masks.
	FillValue *Attribute
	// Unreadable says why the source's library could not describe the
	// object at Path (a damaged object header, a group it cannot list):
	// the check reports it, unchecked, and goes on with the others. Only
	// Path is set then.
	Unreadable error
}

// Attribute is the value of a source attribute.
type Attribute struct {
	// Type is the attribute's element type; Kind 0 when the check cannot
	// read it.
	Type ElemType
	// Bytes holds the elements as Source.Read returns values: numbers in
	// host byte order, strings and opaque values as stored.
	Bytes []byte
	// Strings holds the elements of kind 'T'.
	Strings []string
}

// ElemType is a source element type, described in the words of Zarr dtypes
// so that both sides compare directly.
type ElemType struct {
	// Kind is 'i', 'u', 'f', 'b' (a boolean: h5py's FALSE/TRUE enum), 'S'
	// (fixed-length byte strings; a netCDF char is one byte), 'V' (opaque
	// bytes, or a compound when Fields is set), 'T' (variable-length
	// strings, Size 0), or 0 when the check cannot read the type.
	Kind byte
	Size int
	// Name is the source's own name of the type ("short", "char",
	// "string", "compound", "int32 big-endian").
	Name string
	// Fields are the members of a compound, in the source's order.
	Fields []Field
	// Pad is how an HDF5 fixed-length string (kind 'S') is padded, which
	// decides the string its readers return; PadNone for raw bytes (a
	// netCDF char).
	Pad StrPad
}

// StrPad is the padding of an HDF5 fixed-length string (H5Tget_strpad; HDF5
// spec, Datatype Message, class 3 bit field).
type StrPad byte

const (
	PadNone     StrPad = iota // raw bytes, compared as stored
	PadNullTerm               // H5T_STR_NULLTERM: the string ends at the first NUL
	PadNullPad                // H5T_STR_NULLPAD: trailing NULs are padding
	PadSpacePad               // H5T_STR_SPACEPAD: trailing spaces are padding
)

// Present returns the string a reader presents for the stored bytes b: what
// libhdf5 and h5py return for an HDF5 fixed-length string, and for PadNullPad
// also what numpy returns for an "S" value (trailing NULs stripped).
func (p StrPad) Present(b []byte) []byte {
	switch p {
	case PadNullTerm:
		if i := bytes.IndexByte(b, 0); i >= 0 {
			return b[:i]
		}
	case PadNullPad:
		return bytes.TrimRight(b, "\x00")
	case PadSpacePad:
		return bytes.TrimRight(b, " ")
	}
	return b
}

func (p StrPad) String() string {
	if p > PadSpacePad {
		return fmt.Sprintf("padding %d", byte(p))
	}
	return [...]string{"none", "NULLTERM", "NULLPAD", "SPACEPAD"}[p]
}

// Field is one member of a compound as it lies in the bytes Read returns.
type Field struct {
	Name   string
	Offset int
	Type   ElemType
	// Shape is the shape of an array member, nil for a scalar one.
	Shape []int64
	// BigEndian is the byte order of a numeric member.
	BigEndian bool
}

// Supported reports whether the check can read and compare the type.
func (t ElemType) Supported() bool { return t.Kind != 0 }

// maxReadBytes bounds what a source allocates to read one variable whole.
const maxReadBytes = math.MaxInt / 2

// elementCount returns the number of elements of shape, failing when they
// would take more than maxReadBytes at itemSize bytes each.
func elementCount(shape []int64, itemSize int) (int64, error) {
	n, ok := refs.GridSize(shape, uint64(maxReadBytes/max(itemSize, 1)))
	if !ok {
		return 0, fmt.Errorf("shape %v too large to read whole", shape)
	}
	return int64(n), nil
}

// TextAttrs is implemented by sources that read text attributes (libnetcdf
// does); Concat needs them to convert CF times.
type TextAttrs interface {
	// TextAttr returns the attribute name of the variable at path when it
	// is text.
	TextAttr(path, name string) (string, bool, error)
}

// region is a hyperslab of a variable: start and count along each
// dimension.
type region struct{ Start, Count []int64 }

// regionOf checks start and count against shape, nil for the whole
// variable, and returns the region with the number of its elements at
// itemSize bytes each (failing past maxReadBytes).
func regionOf(shape, start, count []int64, itemSize int) (region, int64, error) {
	if start == nil && count == nil {
		start, count = make([]int64, len(shape)), shape
	}
	if len(start) != len(shape) || len(count) != len(shape) {
		return region{}, 0, fmt.Errorf("region start %v count %v of a %d-dimensional variable", start, count, len(shape))
	}
	for d := range shape {
		if start[d] < 0 || count[d] < 0 || start[d] > shape[d] || count[d] > shape[d]-start[d] {
			return region{}, 0, fmt.Errorf("region start %v count %v outside shape %v", start, count, shape)
		}
	}
	n, err := elementCount(count, itemSize)
	return region{Start: start, Count: count}, n, err
}

// whole reports whether the region is the whole of shape.
func (r region) whole(shape []int64) bool {
	for d := range shape {
		if r.Start[d] != 0 || r.Count[d] != shape[d] {
			return false
		}
	}
	return true
}

// extractRegion copies the region r out of buf, a whole variable of shape
// in C order with itemSize-byte elements.
func extractRegion(buf []byte, shape []int64, r region, itemSize int) []byte {
	if r.whole(shape) {
		return buf
	}
	n := int64(itemSize)
	for _, c := range r.Count {
		n *= c
	}
	out := make([]byte, 0, n)
	if n == 0 {
		return out
	}
	nd := len(shape)
	row := r.Count[nd-1] * int64(itemSize)
	idx := make([]int64, nd-1) // the row's position in the region, axes before the last
	for {
		off := int64(0)
		for d := range nd - 1 {
			off = (off + r.Start[d] + idx[d]) * shape[d+1]
		}
		off = (off + r.Start[nd-1]) * int64(itemSize)
		out = append(out, buf[off:off+row]...)
		d := nd - 2
		for ; d >= 0; d-- {
			if idx[d]++; idx[d] < r.Count[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}
