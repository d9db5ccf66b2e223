package zarrcheck

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// hostBigEndian is the byte order Source.Read returns values in.
var hostBigEndian = binary.NativeEndian.Uint16([]byte{0, 1}) == 1

// toHostOrder reverses the bytes of every element in place when the Zarr
// dtype's byte order differs from the host's, so both sides compare as
// native values.
func toHostOrder(b []byte, size int, bigEndian bool) {
	if size <= 1 || bigEndian == hostBigEndian {
		return
	}
	for e := 0; e+size <= len(b); e += size {
		el := b[e : e+size]
		for i, j := 0, size-1; i < j; i, j = i+1, j-1 {
			el[i], el[j] = el[j], el[i]
		}
	}
}

// difference summarises where two value buffers disagree.
type difference struct {
	count int64 // elements that differ
	first int64 // linear index of the first one
}

// compareValues compares two buffers of host-order elements of the given
// kind and size. Floats are equal when their bits are equal or both are NaN,
// so -0 and 0 differ but NaN payloads do not matter.
func compareValues(ref, src []byte, kind byte, size int) difference {
	d := difference{first: -1}
	if bytes.Equal(ref, src) {
		return d
	}
	n := min(len(ref), len(src)) / size
	for e := range n {
		a, b := ref[e*size:(e+1)*size], src[e*size:(e+1)*size]
		if bytes.Equal(a, b) || (kind == 'f' && isNaN(a) && isNaN(b)) {
			continue
		}
		if d.count == 0 {
			d.first = int64(e)
		}
		d.count++
	}
	return d
}

func isNaN(b []byte) bool {
	switch len(b) {
	case 4:
		return math.IsNaN(float64(math.Float32frombits(binary.NativeEndian.Uint32(b))))
	case 8:
		return math.IsNaN(math.Float64frombits(binary.NativeEndian.Uint64(b)))
	}
	return false
}

// formatValue renders one host-order element for a report.
func formatValue(b []byte, kind byte) string {
	switch {
	case kind == 'S':
		return strconv.Quote(string(b))
	case kind == 'b' && len(b) == 1:
		return strconv.FormatBool(b[0] != 0)
	case kind == 'f' && len(b) == 4:
		return strconv.FormatFloat(float64(math.Float32frombits(binary.NativeEndian.Uint32(b))), 'g', -1, 32)
	case kind == 'f' && len(b) == 8:
		return strconv.FormatFloat(math.Float64frombits(binary.NativeEndian.Uint64(b)), 'g', -1, 64)
	case kind == 'i' || kind == 'u':
		var u uint64
		switch len(b) {
		case 1:
			u = uint64(b[0])
		case 2:
			u = uint64(binary.NativeEndian.Uint16(b))
		case 4:
			u = uint64(binary.NativeEndian.Uint32(b))
		case 8:
			u = binary.NativeEndian.Uint64(b)
		default:
			return fmt.Sprintf("%x", b)
		}
		if kind == 'u' {
			return strconv.FormatUint(u, 10)
		}
		shift := 64 - 8*uint(len(b)) // sign-extend from the element's width
		return strconv.FormatInt(int64(u<<shift)>>shift, 10)
	}
	return fmt.Sprintf("%x", b)
}

// unravel turns a C-order linear index into coordinates, formatted "[1 2]".
func unravel(i int64, shape []int64) string {
	idx := make([]string, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] > 0 {
			idx[d] = strconv.FormatInt(i%shape[d], 10)
			i /= shape[d]
		}
	}
	return "[" + strings.Join(idx, " ") + "]"
}
