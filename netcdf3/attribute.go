package netcdf3

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gokerchunk/refs"
)

// Attributes are presented as netCDF4-python presents them to xarray, in
// the JSON that hdf5scan writes for netCDF-4 (refs.MarshalCanonical):
// NC_CHAR as a string, other types as a number when the attribute has
// one element and as a list otherwise (an empty list for none); floats as
// the shortest text that reads back as the same float of their size,
// non-finite ones as the bare words NaN, Infinity and -Infinity that
// Python's json module reads.

// value returns the attribute's value as JSON text.
func (a *attribute) value() (json.RawMessage, error) {
	if a.typ == ncChar {
		return refs.MarshalCanonical(charText(a.data))
	}
	var v any
	switch a.typ {
	case ncByte, ncShort, ncInt, ncInt64:
		list := make([]int64, a.n)
		for i := range list {
			list[i] = signedAt(a.typ, a.data, i)
		}
		v = list
		if a.n == 1 {
			v = list[0]
		}
	case ncUByte, ncUShort, ncUInt, ncUInt64:
		list := make([]uint64, a.n)
		for i := range list {
			list[i] = unsignedAt(a.typ, a.data, i)
		}
		v = list
		if a.n == 1 {
			v = list[0]
		}
	case ncFloat:
		list := make([]float32, a.n)
		for i := range list {
			list[i] = math.Float32frombits(binary.BigEndian.Uint32(a.data[4*i:]))
		}
		v = list
		if a.name == "missing_value" {
			v = exactFloats(list)
		}
		if a.n == 1 {
			v = list[0]
			if a.name == "missing_value" {
				v = float64(list[0])
			}
		}
	case ncDouble:
		list := make([]float64, a.n)
		for i := range list {
			list[i] = math.Float64frombits(binary.BigEndian.Uint64(a.data[8*i:]))
		}
		v = list
		if a.n == 1 {
			v = list[0]
		}
	}
	return refs.MarshalCanonical(v)
}

// exactFloats widens float32 values for a missing_value attribute, which
// is written with the digits of the float64 of the same value
// (-1.0000000150474662e+30 for -1e+30f) rather than the shortest text
// of the float32. xarray masks the elements equal to missing_value as
// numpy compares them: float32 data against the float64 that JSON reads
// back, in float64. The float32's shortest text reads back as another
// float64, and its elements would stay unmasked, where on the source
// (a float32 attribute) they are masked. _FillValue needs no such care:
// it becomes fill_value, which zarr reads in the array's dtype.
func exactFloats(list []float32) []float64 {
	out := make([]float64, len(list))
	for i, f := range list {
		out[i] = float64(f)
	}
	return out
}

// unsignedAt is element i of big-endian unsigned integers of type t.
func unsignedAt(t ncType, b []byte, i int) uint64 {
	switch t.size() {
	case 1:
		return uint64(b[i])
	case 2:
		return uint64(binary.BigEndian.Uint16(b[2*i:]))
	case 4:
		return uint64(binary.BigEndian.Uint32(b[4*i:]))
	}
	return binary.BigEndian.Uint64(b[8*i:])
}

// signedAt is element i of big-endian two's complement integers of type t.
func signedAt(t ncType, b []byte, i int) int64 {
	shift := 64 - 8*uint(t.size())
	return int64(unsignedAt(t, b, i)<<shift) >> shift
}

// charText is an NC_CHAR attribute as netCDF4-python gives it: the bytes
// decoded as UTF-8, each ill-formed part replaced by U+FFFD as Python's
// decode(errors="replace") does, then every NUL removed (not only
// trailing ones).
func charText(b []byte) string {
	var s string
	if utf8.Valid(b) {
		s = string(b)
	} else {
		var sb strings.Builder
		for len(b) > 0 {
			r, n := utf8.DecodeRune(b)
			if r == utf8.RuneError && n <= 1 {
				n = maximalSubpart(b)
			}
			sb.WriteRune(r)
			b = b[n:]
		}
		s = sb.String()
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// maximalSubpart is the length of the ill-formed sequence at the start of
// b that Python (after Unicode's "substitution of maximal subparts")
// replaces with one U+FFFD: a lead byte with the continuation bytes that
// could still have completed it, or a lone byte.
func maximalSubpart(b []byte) int {
	lo, hi, need := byte(0x80), byte(0xBF), 0
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		lo, need = 0xA0, 2
	case c == 0xED:
		hi, need = 0x9F, 2
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		lo, need = 0x90, 3
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	case c == 0xF4:
		hi, need = 0x8F, 3
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF // only the second byte has narrower ranges
	}
	return n
}

// fillValue is the Zarr fill_value for a _FillValue attribute of a
// variable of type t: one element of t, as refs.ZArray holds it (a
// number; floats through refs.FillFloat, so NaN is "NaN"; a char as its
// base64 bytes, as zarr writes fill values of "S" dtypes). false when the
// attribute cannot be one: another type, or not one element.
func (a *attribute) fillValue(t ncType) (json.RawMessage, bool) {
	if a.typ != t || a.n != 1 {
		return nil, false
	}
	switch t {
	case ncChar:
		doc, _ := json.Marshal(base64.StdEncoding.EncodeToString(a.data))
		return doc, true
	case ncFloat:
		return refs.FillFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(a.data)))), true
	case ncDouble:
		return refs.FillFloat(math.Float64frombits(binary.BigEndian.Uint64(a.data))), true
	case ncUByte, ncUShort, ncUInt, ncUInt64:
		return json.RawMessage(strconv.FormatUint(unsignedAt(t, a.data, 0), 10)), true
	}
	return json.RawMessage(strconv.FormatInt(signedAt(t, a.data, 0), 10)), true
}
