package zarr

import (
	"fmt"
	"strconv"
	"strings"
)

// DType is a parsed numpy type string, as found in a .zarray "dtype".
type DType struct {
	// Kind is numpy's kind character: 'b' bool, 'i' signed and 'u' unsigned
	// integer, 'f' float, 'c' complex, 'S' bytes, 'U' UCS-4 text, 'V' void,
	// 'M' datetime64, 'm' timedelta64.
	Kind byte
	// Size is the item size in bytes (4 per character for 'U').
	Size int
	// BigEndian is true for '>' types. Single-byte and byte-string types
	// ('|') are never big-endian.
	BigEndian bool
	// Str is the type string as written ("<f4", "<M8[ns]").
	Str string
}

// ParseDType parses a numpy type string: a byte order ('<', '>', '|', or
// '=' for native, which zarr never writes and which we take as
// little-endian), a kind and a size, and for datetimes a unit: "<f4", ">i2",
// "|u1", "|S10", "<U4", "<M8[s]". Structured dtypes, which .zarray stores as
// a JSON list rather than a string, are not supported.
func ParseDType(s string) (DType, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		return DType{}, fmt.Errorf("dtype %s: structured dtypes are not supported", s)
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
		valid = true
	case 'U':
		const maxChars = 1 << 28 // keeps Size within an int32
		valid = n <= maxChars
		d.Size = 4 * n
	case 'O':
		return DType{}, fmt.Errorf("dtype %q: object arrays are not supported", s)
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
