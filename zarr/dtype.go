package zarr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// DType is a parsed numpy dtype as found in a .zarray "dtype": a type
// string such as "<f4", or a structured dtype written as a JSON list of
// fields.
type DType struct {
	// Kind is numpy's kind character: 'b' bool, 'i' signed and 'u' unsigned
	// integer, 'f' float, 'c' complex, 'S' bytes, 'U' UCS-4 text, 'V' void
	// (opaque bytes, or a structured dtype when Fields is set), 'M'
	// datetime64, 'm' timedelta64, 'O' object.
	Kind byte
	// Size is the item size in bytes (4 per character for 'U'). It is 0
	// for 'O': object arrays have no fixed-size elements.
	Size int
	// BigEndian is true for '>' types. Single-byte, byte-string, void and
	// structured types are never big-endian; their fields have their own
	// order.
	BigEndian bool
	// Str is the type string as written ("<f4", "<M8[ns]"), or the compact
	// JSON of a structured dtype.
	Str string
	// Fields are the members of a structured dtype in order, padding
	// included, laid out back to back: their sizes add up to Size.
	Fields []Field
}

// Field is one member of a structured dtype, a JSON list entry [name,
// dtype] or [name, dtype, shape].
type Field struct {
	// Name is empty for the padding fields ("", "|Vn") that numpy's
	// dtype.descr, and so zarr-python, writes for gaps between members;
	// zarr-python reads them back as fields named "f<index>".
	Name   string
	Offset int
	DType  DType
	// Shape is the sub-array shape of a member such as ["a", "<i4", [2]],
	// nil for a scalar member.
	Shape []int64
}

// Count is the number of DType values in the field: the product of Shape.
func (f Field) Count() int {
	n := 1
	for _, d := range f.Shape {
		n *= int(d)
	}
	return n
}

// maxItemSize bounds a dtype's item size, so that a corrupt structured
// dtype cannot overflow offsets; no chunk can hold a larger item anyway.
const maxItemSize = maxChunkBytes

// maxFieldDepth bounds the nesting of structured dtypes.
const maxFieldDepth = 32

// ParseDTypeJSON parses a .zarray "dtype" value: a JSON string holding a
// type string (see ParseDType) or a JSON list of fields, each [name, dtype]
// or [name, dtype, shape], where dtype is again a type string or a list
// (a nested structured dtype) and shape a list of non-negative integers:
// `[["a", "<i4"], ["", "|V4"], ["b", "<f8", [2]], ["n", [["x", "|u1"]]]]`.
// Fields follow one another without gaps (numpy writes gaps as padding
// fields), and object fields are not supported.
func ParseDTypeJSON(raw json.RawMessage) (DType, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return DType{}, fmt.Errorf("dtype %s: %w", raw, err)
		}
		return ParseDType(s)
	}
	if len(raw) == 0 || raw[0] != '[' {
		return DType{}, fmt.Errorf("dtype %s: want a type string or a list of fields", raw)
	}
	d, err := parseStructured(raw, 0)
	if err == nil && d.Size == 0 {
		err = fmt.Errorf("item size 0")
	}
	if err != nil {
		return DType{}, fmt.Errorf("dtype %s: %w", raw, err)
	}
	return d, nil
}

// parseStructured parses the JSON list of a structured dtype nested depth
// levels deep.
func parseStructured(raw json.RawMessage, depth int) (DType, error) {
	if depth > maxFieldDepth {
		return DType{}, fmt.Errorf("structured dtypes nested deeper than %d", maxFieldDepth)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return DType{}, err
	}
	if len(entries) == 0 {
		return DType{}, fmt.Errorf("a structured dtype without fields")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return DType{}, err
	}
	d := DType{Kind: 'V', Str: compact.String(), Fields: make([]Field, 0, len(entries))}
	names := map[string]bool{}
	for i, e := range entries {
		f, err := parseField(e, depth)
		if err != nil {
			return DType{}, fmt.Errorf("field %d: %w", i, err)
		}
		if f.Name != "" {
			if names[f.Name] {
				return DType{}, fmt.Errorf("field %d: name %q used twice", i, f.Name)
			}
			names[f.Name] = true
		}
		size := f.DType.Size * f.Count() // each factor is at most maxItemSize
		if size > maxItemSize-d.Size {
			return DType{}, fmt.Errorf("item size exceeds %d bytes", maxItemSize)
		}
		f.Offset = d.Size
		d.Size += size
		d.Fields = append(d.Fields, f)
	}
	return d, nil
}

// parseField parses one [name, dtype] or [name, dtype, shape] entry.
func parseField(raw json.RawMessage, depth int) (Field, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(raw, &parts); err != nil || len(parts) < 2 || len(parts) > 3 {
		return Field{}, fmt.Errorf("%s is not [name, dtype] or [name, dtype, shape]", raw)
	}
	var f Field
	if err := json.Unmarshal(parts[0], &f.Name); err != nil {
		return Field{}, fmt.Errorf("name %s is not a string", parts[0])
	}
	var err error
	if t := bytes.TrimSpace(parts[1]); len(t) > 0 && t[0] == '[' {
		f.DType, err = parseStructured(t, depth+1)
	} else {
		var s string
		if err = json.Unmarshal(t, &s); err != nil {
			return Field{}, fmt.Errorf("field %q: dtype %s is neither a string nor a list", f.Name, t)
		}
		f.DType, err = ParseDType(s)
	}
	if err != nil {
		return Field{}, fmt.Errorf("field %q: %w", f.Name, err)
	}
	if f.DType.Kind == 'O' {
		return Field{}, fmt.Errorf("field %q: object fields are not supported", f.Name)
	}
	if len(parts) == 3 {
		if f.Shape, err = parseSubarrayShape(parts[2], f.DType.Size); err != nil {
			return Field{}, fmt.Errorf("field %q: %w", f.Name, err)
		}
	}
	return f, nil
}

// parseSubarrayShape parses a member's shape, a list of integers or (as
// numpy also accepts) one integer, keeping the member within maxItemSize.
func parseSubarrayShape(raw json.RawMessage, itemSize int) ([]int64, error) {
	var shape []int64
	if err := json.Unmarshal(raw, &shape); err != nil {
		var n int64
		if json.Unmarshal(raw, &n) != nil {
			return nil, fmt.Errorf("shape %s is not a list of integers", raw)
		}
		shape = []int64{n}
	}
	size := int64(max(itemSize, 1))
	for _, d := range shape {
		if d < 0 {
			return nil, fmt.Errorf("shape %s has a negative dimension", raw)
		}
		if d > 0 && size > maxItemSize/d {
			return nil, fmt.Errorf("shape %s of %d-byte items exceeds %d bytes", raw, itemSize, maxItemSize)
		}
		size *= d
	}
	return shape, nil
}

// ParseDType parses a numpy type string: a byte order ('<', '>', '|', or
// '=' for native, which zarr never writes and which we take as
// little-endian), a kind and a size, and for datetimes a unit: "<f4", ">i2",
// "|u1", "|S10", "<U4", "<M8[s]", and "|O" (or "|O8") for objects.
// Structured dtypes, which .zarray stores as a JSON list rather than a
// string, go through ParseDTypeJSON.
func ParseDType(s string) (DType, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		return DType{}, fmt.Errorf("dtype %s: a structured dtype is a JSON list, not a string", s)
	}
	if len(s) < 2 {
		return DType{}, fmt.Errorf("dtype %q: too short", s)
	}
	d := DType{Str: s}
	order := s[0]
	rest := s[1:]
	switch order {
	case '<', '|', '=':
	case '>':
		d.BigEndian = true
	default:
		return DType{}, fmt.Errorf("dtype %q: byte order %q is not one of < > | =", s, order)
	}
	d.Kind = rest[0]
	rest = rest[1:]
	if d.Kind == 'O' {
		// numpy spells the object type "|O" (dtype.str) or "|O8".
		if rest != "" && rest != "8" {
			return DType{}, fmt.Errorf("dtype %q: bad object item size %q", s, rest)
		}
		return DType{Kind: 'O', Str: s}, nil
	}
	if d.Kind == 'M' || d.Kind == 'm' {
		// A unit such as "[ns]" follows the size; it does not change it.
		if i := strings.IndexByte(rest, '['); i >= 0 {
			if !strings.HasSuffix(rest, "]") || i == len(rest)-2 {
				return DType{}, fmt.Errorf("dtype %q: bad datetime unit", s)
			}
			rest = rest[:i]
		}
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n <= 0 || rest[0] == '+' {
		return DType{}, fmt.Errorf("dtype %q: bad item size %q", s, rest)
	}
	d.Size = n
	valid := false
	switch d.Kind {
	case 'b':
		valid = n == 1
	case 'i', 'u':
		valid = n == 1 || n == 2 || n == 4 || n == 8
	case 'f':
		valid = n == 2 || n == 4 || n == 8
	case 'c':
		valid = n == 8 || n == 16
	case 'M', 'm':
		valid = n == 8
	case 'S', 'V':
		valid = n <= maxItemSize
	case 'U':
		valid = n <= maxItemSize/4
		d.Size = 4 * n
	default:
		return DType{}, fmt.Errorf("dtype %q: unknown kind %q", s, d.Kind)
	}
	if !valid {
		return DType{}, fmt.Errorf("dtype %q: %d is not an item size of kind %q", s, n, d.Kind)
	}
	if d.Size == 1 || d.Kind == 'S' || d.Kind == 'V' {
		d.BigEndian = false
	}
	return d, nil
}

// String returns the type string.
func (d DType) String() string { return d.Str }
