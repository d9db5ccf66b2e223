package zarr

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// ParseFill encodes a .zarray fill_value as one element of d, in d's byte
// order, following how zarr-python 2 decodes it (zarr.meta.decode_fill_value):
// floats are JSON numbers or the strings "NaN", "Infinity" and "-Infinity";
// complex numbers are [real, imag] pairs of those; 'S' and 'V' values
// (structured dtypes included: the item's bytes, padding and every field in
// its own byte order) are base64 strings, padded with zeros or cut to the
// item size as numpy does; 'U' values are plain strings; booleans are true
// or false. A null or absent fill_value gives nil.
//
// One departure: zarr-python 2.13 builds a complex fill value as
// real + 1j*imag, so a NaN or infinite imaginary part makes the real part
// NaN too ([1.0, "NaN"] reads as nan+nanj). We keep both parts as written,
// which is what the writer (an HDF5 fill value) meant.
func ParseFill(raw json.RawMessage, d DType) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("fill_value %s: %w", raw, err)
	}
	out := make([]byte, d.Size)
	var err error
	switch d.Kind {
	case 'f':
		var f float64
		if f, err = fillFloat(v); err == nil {
			putFloat(out, f, d.BigEndian)
		}
	case 'c':
		parts, ok := v.([]any)
		if !ok || len(parts) != 2 {
			err = fmt.Errorf("want a [real, imag] pair")
			break
		}
		half := d.Size / 2
		for i, p := range parts {
			var f float64
			if f, err = fillFloat(p); err != nil {
				break
			}
			putFloat(out[i*half:(i+1)*half], f, d.BigEndian)
		}
	case 'i', 'm', 'M':
		var n int64
		if n, err = fillInt(v, d.Size); err == nil {
			putUint(out, uint64(n), d.BigEndian)
		}
	case 'u':
		var n uint64
		if n, err = fillUint(v, d.Size); err == nil {
			putUint(out, n, d.BigEndian)
		}
	case 'b':
		switch b := v.(type) {
		case bool:
			if b {
				out[0] = 1
			}
		case json.Number:
			// numpy's bool(x): any non-zero number is true.
			f, perr := b.Float64()
			if perr != nil {
				err = perr
			} else if f != 0 {
				out[0] = 1
			}
		default:
			err = fmt.Errorf("want true or false")
		}
	case 'S', 'V':
		s, ok := v.(string)
		if !ok {
			err = fmt.Errorf("want a base64 string for dtype %s", d.Str)
			break
		}
		var b []byte
		if b, err = base64.StdEncoding.DecodeString(s); err == nil {
			copy(out, b)
		}
	case 'U':
		s, ok := v.(string)
		if !ok {
			err = fmt.Errorf("want a string for dtype %s", d.Str)
			break
		}
		i := 0
		for _, r := range s {
			if i+4 > len(out) {
				break
			}
			putUint(out[i:i+4], uint64(r), d.BigEndian)
			i += 4
		}
	default:
		err = fmt.Errorf("fill values of kind %q are not supported", d.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("fill_value %s for dtype %s: %w", raw, d.Str, err)
	}
	return out, nil
}

func fillFloat(v any) (float64, error) {
	switch x := v.(type) {
	case json.Number:
		return strconv.ParseFloat(string(x), 64)
	case string:
		switch x {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
	}
	return 0, fmt.Errorf(`want a number, "NaN", "Infinity" or "-Infinity"`)
}

// fillInt accepts an integer, or a float with an integral value (some
// writers emit 0.0 for integer arrays), that fits in size bytes.
func fillInt(v any, size int) (int64, error) {
	s, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want an integer")
	}
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(s), 64)
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, fmt.Errorf("want an integer")
		}
		n = int64(f)
	}
	bits := uint(8 * size)
	if bits < 64 && (n < -(1<<(bits-1)) || n >= 1<<(bits-1)) {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

func fillUint(v any, size int) (uint64, error) {
	s, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("want an integer")
	}
	n, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(s), 64)
		if ferr != nil || f != math.Trunc(f) || f < 0 || f >= math.MaxUint64 {
			return 0, fmt.Errorf("want a non-negative integer")
		}
		n = uint64(f)
	}
	bits := uint(8 * size)
	if bits < 64 && n >= 1<<bits {
		return 0, fmt.Errorf("out of range")
	}
	return n, nil
}

// putUint writes the low len(b) bytes of n in the given byte order.
func putUint(b []byte, n uint64, bigEndian bool) {
	for i := range b {
		shift := 8 * uint(i)
		if bigEndian {
			shift = 8 * uint(len(b)-1-i)
		}
		b[i] = byte(n >> shift)
	}
}

// putFloat writes f as an IEEE 754 float of len(b) bytes (2, 4 or 8).
func putFloat(b []byte, f float64, bigEndian bool) {
	var n uint64
	switch len(b) {
	case 2:
		n = uint64(float16Bits(f))
	case 4:
		n = uint64(math.Float32bits(float32(f)))
	default:
		n = math.Float64bits(f)
	}
	putUint(b, n, bigEndian)
}

// float16Bits converts f to IEEE 754 binary16, rounding to nearest even
// directly from the float64 so there is no double rounding.
func float16Bits(f float64) uint16 {
	sign := uint16(math.Float64bits(f)>>48) & 0x8000
	a := math.Abs(f)
	switch {
	case math.IsNaN(f):
		return sign | 0x7e00
	case a >= 65520: // halfway between the largest half, 65504, and 2^16
		return sign | 0x7c00
	case a < 0x1p-14: // subnormal: a multiple of 2^-24
		return sign | uint16(math.RoundToEven(a*0x1p24))
	}
	_, exp := math.Frexp(a) // a = m * 2^exp, m in [0.5, 1)
	e := exp - 1
	mant := math.RoundToEven((math.Ldexp(a, -e) - 1) * 1024)
	if mant == 1024 {
		mant = 0
		e++
	}
	return sign | uint16(e+15)<<10 | uint16(mant)
}
