package zarrcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"gokerchunk/zarr"
)

// The metadata checks compare what xarray's zarr engine makes of an array's
// metadata with the source variable: equal values are not enough when the
// user sees them masked or under other dimension names. xarray takes a
// non-null Zarr v2 fill_value as _FillValue (it replaces a _FillValue
// attribute), and with a null one the _FillValue of .zattrs; it names the
// dimensions after _ARRAY_DIMENSIONS and refuses an array without it.

// checkMetadata returns every difference between the metadata of array a
// and the source variable v, each saying what a user would see.
func (c *checker) checkMetadata(a *zarr.Array, v *Variable) []string {
	attrs := map[string]json.RawMessage{}
	for k, v := range c.set.Attrs(a.Path) {
		attrs[k] = quoteNonFinite(v)
	}
	problems := checkFillValue(a, attrs, v.FillValue)
	if msg := checkDims(a, attrs, v); msg != "" {
		problems = append(problems, msg)
	}
	return problems
}

// checkFillValue compares the array's fill_value, and a _FillValue left in
// its .zattrs, with the source's _FillValue attribute: when the source has
// one, fill_value must equal it as a value of the array's dtype; when it has
// none, fill_value must be null and .zattrs without _FillValue.
func checkFillValue(a *zarr.Array, attrs map[string]json.RawMessage, src *Attribute) []string {
	srcText := "(none)"
	if src != nil {
		srcText = formatAttr(src)
	}
	var problems []string
	fill, err := parseZarrFill(a.Meta.FillValue, a.DType, false)
	switch {
	case err != nil:
		problems = append(problems, err.Error())
	case src != nil && !src.Type.Supported():
		problems = append(problems, fmt.Sprintf("the source's _FillValue of type %s: %v", src.Type.Name, ErrUnsupported))
		return problems
	case fill == nil && src != nil:
		// A _FillValue kept in .zattrs (say, of another type than the
		// variable's, as on the source) is the mask then: compared below.
		if _, inAttrs := attrs["_FillValue"]; !inAttrs {
			problems = append(problems, fmt.Sprintf("fill_value null is not the source's _FillValue %s: xarray would not mask %s", srcText, srcText))
		}
	case fill != nil && src == nil:
		problems = append(problems, fmt.Sprintf("fill_value %s is not the source's _FillValue (none): xarray would mask %s", fill.text, fill.text))
	case fill != nil && !fill.equal(src):
		problems = append(problems, fmt.Sprintf("fill_value %s is not the source's _FillValue %s: xarray would mask %s instead of %s", fill.text, srcText, fill.text, srcText))
	}
	raw, ok := attrs["_FillValue"]
	if !ok {
		return problems
	}
	masks := ""
	attr, err := parseZarrFill(raw, a.DType, true)
	switch {
	case err != nil:
		return append(problems, fmt.Sprintf(".zattrs _FillValue: %v", err))
	case attr == nil:
		return problems
	case fill == nil:
		masks = ": xarray would mask " + attr.text
	}
	switch {
	case src == nil:
		problems = append(problems, fmt.Sprintf(".zattrs has _FillValue %s, the source none%s", attr.text, masks))
	case !attr.equal(src):
		problems = append(problems, fmt.Sprintf(".zattrs _FillValue %s is not the source's _FillValue %s%s", attr.text, srcText, masks))
	}
	return problems
}

// zarrFill is a fill value of the reference set, one element of the
// array's dtype.
type zarrFill struct {
	dt   zarr.DType
	elem []byte // in dt's byte order; nil for object arrays
	str  string // object arrays
	text string // as a report shows it
}

// parseZarrFill decodes raw, a .zarray fill_value or (attr) a .zattrs
// _FillValue, as a value of dt; nil for null. A .zattrs value holds a
// string as itself, not base64 as fill_value does.
func parseZarrFill(raw json.RawMessage, dt zarr.DType, attr bool) (*zarrFill, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	f := &zarrFill{dt: dt}
	if dt.Kind == 'O' || (attr && dt.Kind == 'S') {
		if err := json.Unmarshal(raw, &f.str); err != nil {
			return nil, fmt.Errorf("fill_value %s of dtype %s is not a string", raw, dt.Str)
		}
		f.text = strconv.Quote(f.str)
		if dt.Kind == 'S' {
			f.elem = make([]byte, dt.Size)
			copy(f.elem, f.str)
			f.text = strconv.Quote(string(PadNullPad.Present(f.elem)))
		}
		return f, nil
	}
	elem, err := zarr.ParseFill(raw, dt)
	if err != nil {
		return nil, err
	}
	f.elem = elem
	f.text = formatValue(elem, f.leaf())
	return f, nil
}

// leaf describes the element for formatValue and numberOf; an "S" value
// reads as numpy presents it.
func (f *zarrFill) leaf() leaf {
	l := leaf{kind: f.dt.Kind, size: f.dt.Size, bigEndian: f.dt.BigEndian}
	switch {
	case f.dt.Fields != nil || strings.IndexByte("iufbS", l.kind) < 0:
		l.kind = 'V'
	case l.kind == 'S':
		l.pad = PadNullPad
	}
	return l
}

// equal reports whether the fill value equals the source attribute as a
// value of the array's dtype: numbers by value after the source value is
// rounded to a float dtype (NaN equals NaN), strings as their readers
// present them, anything else byte for byte.
func (f *zarrFill) equal(src *Attribute) bool {
	t := src.Type
	switch {
	case f.dt.Kind == 'O' || f.dt.Kind == 'S':
		s, ok := attrString(src)
		if !ok {
			return false
		}
		if f.dt.Kind == 'O' {
			return s == f.str
		}
		return string(PadNullPad.Present(f.elem)) == s
	case strings.IndexByte("iufb", f.dt.Kind) >= 0 && f.dt.Fields == nil:
		if strings.IndexByte("iufb", t.Kind) < 0 || len(src.Bytes) != t.Size {
			return false
		}
		x, xNaN := numberOf(f.elem, f.leaf())
		y, yNaN := numberOf(src.Bytes, leaf{kind: t.Kind, size: t.Size, bigEndian: hostBigEndian})
		if f.dt.Kind == 'b' {
			return (x.Sign() != 0) == (y.Sign() != 0 || yNaN)
		}
		if f.dt.Kind == 'f' && !yNaN && f.dt.Size == 4 {
			// numpy casts the source value to the dtype before masking.
			v, _ := y.Float64()
			y.SetFloat64(float64(float32(v)))
		}
		return xNaN == yNaN && (xNaN || x.Cmp(y) == 0)
	}
	return t.Size == f.dt.Size && bytes.Equal(f.elem, src.Bytes)
}

// attrString is the one string an attribute holds: a variable-length
// string, or bytes as the source's reader presents them (a netCDF char
// attribute without trailing NULs, as netCDF4-python gives it).
func attrString(a *Attribute) (string, bool) {
	switch {
	case a.Type.Kind == 'T' && len(a.Strings) == 1:
		return a.Strings[0], true
	case a.Type.Kind == 'S' && a.Type.Size == 1:
		return string(PadNullPad.Present(a.Bytes)), true
	case a.Type.Kind == 'S' && len(a.Bytes) == a.Type.Size:
		pad := a.Type.Pad
		if pad == PadNone {
			pad = PadNullPad
		}
		return string(pad.Present(a.Bytes)), true
	}
	return "", false
}

// numberOf reads a number ('i', 'u', 'f' or 'b') exactly, or says it is a
// NaN.
func numberOf(b []byte, l leaf) (*big.Float, bool) {
	u := loadUint(b, l.bigEndian)
	x := new(big.Float).SetPrec(128)
	switch {
	case l.kind == 'f':
		var f float64
		switch l.size {
		case 2:
			f = float16(uint16(u))
		case 4:
			f = float64(math.Float32frombits(uint32(u)))
		default:
			f = math.Float64frombits(u)
		}
		if math.IsNaN(f) {
			return x, true
		}
		x.SetFloat64(f)
	case l.kind == 'i':
		shift := 64 - 8*uint(len(b))
		x.SetInt64(int64(u<<shift) >> shift)
	default:
		x.SetUint64(u)
	}
	return x, false
}

// formatAttr renders a source attribute for a report.
func formatAttr(a *Attribute) string {
	if s, ok := attrString(a); ok {
		return strconv.Quote(s)
	}
	t := a.Type
	if t.Size == 0 || len(a.Bytes)%t.Size != 0 {
		return fmt.Sprintf("of type %s", t.Name)
	}
	var vals []string
	for e := 0; e < len(a.Bytes); e += t.Size {
		l := leaf{kind: t.Kind, size: t.Size, bigEndian: hostBigEndian, pad: t.Pad}
		if len(t.Fields) > 0 {
			l.kind = 'V'
		}
		vals = append(vals, formatValue(a.Bytes[e:e+t.Size], l))
	}
	if len(vals) == 1 {
		return vals[0]
	}
	return "[" + strings.Join(vals, " ") + "]"
}

// checkDims checks _ARRAY_DIMENSIONS: one name per axis of the array, and
// the source's dimension names where it has them. A netCDF char variable
// collapsed into an "S" array has lost its last dimension; a variable read
// with libhdf5 may have array-type axes past its named ones.
func checkDims(a *zarr.Array, attrs map[string]json.RawMessage, v *Variable) string {
	raw, ok := attrs["_ARRAY_DIMENSIONS"]
	if !ok {
		return "no _ARRAY_DIMENSIONS in .zattrs: xarray cannot open the array"
	}
	var dims []string
	if err := json.Unmarshal(raw, &dims); err != nil {
		return fmt.Sprintf("_ARRAY_DIMENSIONS %s is not a list of names: xarray cannot open the array", raw)
	}
	zs := a.Meta.Shape
	if len(dims) != len(zs) {
		return fmt.Sprintf("_ARRAY_DIMENSIONS %q names %d dimensions for shape %v: xarray cannot open the array", dims, len(dims), zs)
	}
	if v.Dims == nil {
		return ""
	}
	want := v.Dims
	if a.DType.Kind == 'S' && v.Type.Kind == 'S' && v.Type.Size == 1 && len(want) == len(zs)+1 {
		want = want[:len(zs)]
	}
	if len(want) > len(dims) || !slices.Equal(dims[:len(want)], want) {
		return fmt.Sprintf("_ARRAY_DIMENSIONS %q, the source's dimensions %q: xarray would name the dimensions %s",
			dims, want, strings.Join(dims, ", "))
	}
	return ""
}

// quoteNonFinite returns doc with the bare words NaN, Infinity and
// -Infinity outside strings (Python's json writes them for non-finite
// floats, and reads them back as floats) turned into the strings "NaN",
// "Infinity" and "-Infinity", which zarr.ParseFill reads as those floats;
// encoding/json refuses the bare words.
func quoteNonFinite(doc []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		out = append(out, c)
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case inString && c == '"':
			inString = false
		case inString:
		case c == '"':
			inString = true
		default:
			for _, w := range []string{"NaN", "Infinity", "-Infinity"} {
				if bytes.HasPrefix(doc[i:], []byte(w)) {
					out = append(append(append(out[:len(out)-1], '"'), w...), '"')
					i += len(w) - 1
					break
				}
			}
		}
	}
	return out
}
