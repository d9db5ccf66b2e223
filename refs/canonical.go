package refs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"unicode/utf8"
)

// MarshalCanonical encodes v as JSON with sorted object keys and only ASCII
// bytes (other characters as \u escapes, as Python's json.dumps does), so the
// same value always gives the same bytes and the document can be stored as a
// plain string in kerchunk JSON.
//
// Non-finite floats are written as the bare words NaN, Infinity and
// -Infinity: Python's json module (and so zarr and xarray) reads them back as
// floats, which is what an attribute such as valid_max = NaN means. Zarr's
// fill_value uses strings instead; see FillFloat.
func MarshalCanonical(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := encodeCanonical(&b, reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	numberType      = reflect.TypeOf(json.Number(""))
	int64SliceType  = reflect.TypeOf([]int64(nil))
	uint64SliceType = reflect.TypeOf([]uint64(nil))
)

// encodeIntSlice writes the integer lists that large attributes decode to
// without reflecting on every element.
func encodeIntSlice(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case []int64:
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(n, 10))
		}
		b.WriteByte(']')
		return nil
	case []uint64:
		b.WriteByte('[')
		for i, n := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatUint(n, 10))
		}
		b.WriteByte(']')
		return nil
	}
	return nil
}

func encodeCanonical(b *bytes.Buffer, v reflect.Value) error {
	if !v.IsValid() {
		b.WriteString("null")
		return nil
	}
	if v.Type() == rawMessageType {
		// Written as it is: raw fragments (dtype, fill_value) are produced
		// canonically by their makers, and re-parsing them here would
		// dominate the cost of a scan.
		raw := v.Bytes()
		if len(raw) == 0 {
			b.WriteString("null")
			return nil
		}
		if !json.Valid(raw) {
			return fmt.Errorf("canonical JSON: invalid raw fragment %q", raw)
		}
		b.Write(raw)
		return nil
	}
	if v.Kind() == reflect.String && v.Type() == numberType {
		b.WriteString(v.String())
		return nil
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return nil
		}
		return encodeCanonical(b, v.Elem())
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		bits := 64
		if v.Kind() == reflect.Float32 {
			bits = 32
		}
		f := v.Float()
		switch {
		case math.IsNaN(f):
			b.WriteString("NaN")
		case math.IsInf(f, 1):
			b.WriteString("Infinity")
		case math.IsInf(f, -1):
			b.WriteString("-Infinity")
		default:
			s := strconv.FormatFloat(f, 'g', -1, bits)
			if !bytes.ContainsAny([]byte(s), ".eE") {
				s += ".0"
			}
			b.WriteString(s)
		}
	case reflect.String:
		writeASCIIString(b, v.String())
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			b.WriteString("null")
			return nil
		}
		if v.Type() == int64SliceType || v.Type() == uint64SliceType {
			return encodeIntSlice(b, v.Interface())
		}
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := encodeCanonical(b, v.Index(i)); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("canonical JSON: map key type %s", v.Type().Key())
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeASCIIString(b, k)
			b.WriteString(": ")
			if err := encodeCanonical(b, v.MapIndex(reflect.ValueOf(k).Convert(v.Type().Key()))); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("canonical JSON: cannot encode %s", v.Type())
	}
	return nil
}

// writeASCIIString writes s as a JSON string using only ASCII: control and
// non-ASCII characters become \u escapes (UTF-16 surrogate pairs above the
// BMP), invalid UTF-8 bytes become U+FFFD.
func writeASCIIString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	if plainASCII(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r >= 0x20 && r < 0x7f:
			b.WriteByte(byte(r))
		default:
			if r == utf8.RuneError {
				r = 0xFFFD
			}
			write := func(u rune) {
				b.WriteString(`\u`)
				b.WriteByte(hex[u>>12&0xF])
				b.WriteByte(hex[u>>8&0xF])
				b.WriteByte(hex[u>>4&0xF])
				b.WriteByte(hex[u&0xF])
			}
			if r > 0xFFFF {
				r -= 0x10000
				write(0xD800 + (r>>10)&0x3FF)
				write(0xDC00 + r&0x3FF)
			} else {
				write(r)
			}
		}
	}
	b.WriteByte('"')
}

// plainASCII reports whether s needs no escaping in a JSON string.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
