package hdf5scan

import (
	"slices"
	"strconv"

	"gokerchunk/refs"
)

// appendAttrJSON appends v, an attribute value as the scanner decodes it
// (attribute.go: strings, booleans, int64, uint64, float32, float64, typed
// number lists, []any, map[string]any; []string for _ARRAY_DIMENSIONS), as
// the JSON refs.MarshalCanonical writes for it: sorted keys, ", " and ": "
// separators, non-finite floats as NaN, Infinity and -Infinity. Files
// with many attributes spent most of their scan reflecting on and boxing
// each number there. Anything else, and strings that need escaping, are
// left to refs.MarshalCanonical, which keeps the one set of escaping rules.
func appendAttrJSON(b []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return appendAttrString(b, x)
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case uint64:
		return strconv.AppendUint(b, x, 10), nil
	case float32:
		return refs.AppendFloat(b, float64(x), 32), nil
	case float64:
		return refs.AppendFloat(b, x, 64), nil
	case []float32:
		return appendFloatList(b, x, 32), nil
	case []float64:
		return appendFloatList(b, x, 64), nil
	case []int64:
		return appendAttrList(b, x, func(b []byte, n int64) ([]byte, error) { return strconv.AppendInt(b, n, 10), nil })
	case []uint64:
		return appendAttrList(b, x, func(b []byte, n uint64) ([]byte, error) { return strconv.AppendUint(b, n, 10), nil })
	case []string:
		return appendAttrList(b, x, appendAttrString)
	case []any:
		return appendAttrList(b, x, appendAttrJSON)
	case map[string]any:
		return appendAttrObject(b, x)
	}
	doc, err := refs.MarshalCanonical(v)
	return append(b, doc...), err
}

// sampleElems is how many elements of a long list are written before the
// buffer is grown once for the rest, at the size they took.
const sampleElems = 32

// growForList makes room for the rest of a list of n elements, of which
// the first done took b[start:].
func growForList(b []byte, start, done, n int) []byte {
	per := (len(b) - start + done - 1) / done
	return slices.Grow(b, (n-done)*(per+1))
}

// appendFloatList is appendAttrList for the long lists of floats that
// attributes hold, without a call through a func value per element.
func appendFloatList[T float32 | float64](b []byte, list []T, bits int) []byte {
	if list == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	start := len(b)
	for i, f := range list {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		if i == sampleElems {
			b = growForList(b, start, i, len(list))
		}
		b = refs.AppendFloat(b, float64(f), bits)
	}
	return append(b, ']')
}

// appendAttrList appends a list; a nil slice is null, as for
// refs.MarshalCanonical. A long list grows b once, after its first
// elements, for the rest at their size.
func appendAttrList[T any](b []byte, list []T, elem func([]byte, T) ([]byte, error)) ([]byte, error) {
	if list == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '[')
	start := len(b)
	for i, v := range list {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		if i == sampleElems {
			b = growForList(b, start, i, len(list))
		}
		var err error
		if b, err = elem(b, v); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendAttrObject appends an object with its keys in sorted order.
func appendAttrObject(b []byte, m map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',', ' ')
		}
		var err error
		if b, err = appendAttrString(b, k); err != nil {
			return nil, err
		}
		b = append(b, ": "...)
		if b, err = appendAttrJSON(b, m[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendAttrString is refs.AppendString with the error appendAttrList
// takes.
func appendAttrString(b []byte, s string) ([]byte, error) {
	return refs.AppendString(b, s), nil
}
