package zarr

import (
	"fmt"
	"slices"
)

// SameValues reports whether two dtypes hold the same values in possibly
// different byte orders ("<f4" and ">f4"), so that ToByteOrder turns data
// of one into data of the other; structured and object dtypes only when
// they are equal.
func SameValues(a, b DType) bool {
	if a.Str == b.Str {
		return true
	}
	if a.Kind != b.Kind || a.Size != b.Size || a.Fields != nil || b.Fields != nil || a.Kind == 'O' {
		return false
	}
	// The same type string but for the byte-order character, so that
	// "<M8[s]" and ">M8[ns]" differ.
	return len(a.Str) == len(b.Str) && a.Str[1:] == b.Str[1:]
}

// ToByteOrder rewrites data, elements of dtype from, in place into the
// byte order of dtype to. The dtypes must hold the same values
// (SameValues).
func ToByteOrder(data []byte, from, to DType) error {
	if !SameValues(from, to) {
		return fmt.Errorf("%s values cannot be stored as %s", from.Str, to.Str)
	}
	if from.BigEndian == to.BigEndian {
		return nil
	}
	// The unit whose bytes reverse: a complex number is two floats, a
	// UCS-4 string a run of 4-byte characters.
	unit := from.Size
	switch from.Kind {
	case 'c':
		unit /= 2
	case 'U':
		unit = 4
	}
	if unit <= 1 {
		return nil
	}
	if len(data)%unit != 0 {
		return fmt.Errorf("%d bytes are not whole %d-byte %s values", len(data), unit, from.Str)
	}
	for i := 0; i < len(data); i += unit {
		slices.Reverse(data[i : i+unit])
	}
	return nil
}
