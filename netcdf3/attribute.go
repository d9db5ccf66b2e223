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

// appendJSON appends the attribute's value as JSON text, as
// refs.MarshalCanonical writes it (hdf5scan/attrjson.go does the same
// for its values): scans write many attributes, and reflecting on each
// number there cost most of a small file's scan.
func (a *attribute) appendJSON(b []byte) []byte {
	if a.typ == ncChar {
		return refs.AppendString(b, charText(a.data))
	}
	n := int(a.n)
	if n != 1 {
		b = append(b, '[')
	}
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		switch a.typ {
		case ncByte, ncShort, ncInt, ncInt64:
			b = strconv.AppendInt(b, signedAt(a.typ, a.data, i), 10)
		case ncUByte, ncUShort, ncUInt, ncUInt64:
			b = strconv.AppendUint(b, unsignedAt(a.typ, a.data, i), 10)
		case ncFloat:
			f := math.Float32frombits(binary.BigEndian.Uint32(a.data[4*i:]))
			if a.name == "missing_value" {
				b = refs.AppendFloat(b, float64(f), 64) // see below
			} else {
				b = refs.AppendFloat(b, float64(f), 32)
			}
		case ncDouble:
			b = refs.AppendFloat(b, math.Float64frombits(binary.BigEndian.Uint64(a.data[8*i:])), 64)
		}
	}
	if n != 1 {
		b = append(b, ']')
	}
	return b
}

// A float missing_value attribute is written with the digits of the
// float64 of the same value (-1.0000000150474662e+30 for -1e+30f), not
// the shortest text of the float32. xarray masks the elements equal to
// missing_value as numpy compares them: float32 data against the float64
// that JSON reads back, in float64. The float32's shortest text reads back
// as another float64, so its elements would stay unmasked, where on the
// source (a float32 attribute) they are masked. _FillValue needs no such
// care: it becomes fill_value, which zarr reads in the array's dtype.

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
