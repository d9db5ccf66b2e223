package hdf5scan

import (
	"encoding/binary"
	"testing"
)

// TestWiden: narrow integers become full-width values of the same size and
// byte order: value bits shifted down, sign extended, padding cleared.
func TestWiden(t *testing.T) {
	cases := []struct {
		name string
		t    datatype
		raw  uint64
		want uint64
	}{
		{"12 bits at 2, negative", datatype{size: 2, signed: true, bitOffset: 2, precision: 12}, 0xE001 | 0x3, 0xF800},
		{"12 bits at 2, positive, padding set", datatype{size: 2, signed: true, bitOffset: 2, precision: 12}, 0x1FFC | 0xC003, 0x07FF},
		{"17 bits unsigned", datatype{size: 4, bitOffset: 0, precision: 17}, 0xFFFE0001 | 0x10000, 0x10001},
		{"17 bits signed", datatype{size: 4, signed: true, precision: 17}, 0x1FFFF, 0xFFFFFFFF},
	}
	for _, c := range cases {
		for _, big := range []bool{false, true} {
			c.t.bigEndian = big
			var order binary.ByteOrder = binary.LittleEndian
			if big {
				order = binary.BigEndian
			}
			b := make([]byte, c.t.size)
			putUintN(order, b, c.t.size, c.raw)
			widen(&c.t, b)
			if got := uintN(order, b, c.t.size); got != c.want {
				t.Errorf("%s (big endian %v): %#x widened to %#x, want %#x", c.name, big, c.raw, got, c.want)
			}
		}
	}
}
