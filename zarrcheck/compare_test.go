package zarrcheck

import (
	"bytes"
	"encoding/binary"
	"math"
	"testing"
)

// encode packs fixed-size values (a slice of a numeric type) in order.
func encode(t *testing.T, order binary.ByteOrder, vals any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := binary.Write(&b, order, vals); err != nil {
		t.Fatalf("encode %v: %v", vals, err)
	}
	return b.Bytes()
}

func TestToHostOrder(t *testing.T) {
	vals := []int32{1, -2, 1 << 20}
	for _, tc := range []struct {
		name      string
		order     binary.ByteOrder
		bigEndian bool
	}{
		{"big-endian", binary.BigEndian, true},
		{"little-endian", binary.LittleEndian, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := encode(t, tc.order, vals)
			toHostOrder(b, 4, tc.bigEndian)
			if want := encode(t, binary.NativeEndian, vals); !bytes.Equal(b, want) {
				t.Errorf("got % x, want % x", b, want)
			}
		})
	}
}

func TestCompareValues(t *testing.T) {
	nan32 := math.Float32frombits(0x7fc00001) // a NaN with a payload other than the default
	for _, tc := range []struct {
		name      string
		ref, src  any
		kind      byte
		size      int
		wantCount int64
		wantFirst int64
	}{
		{"equal ints", []int16{1, 2, 3}, []int16{1, 2, 3}, 'i', 2, 0, -1},
		{"ints differ twice", []int16{1, 2, 3, 4}, []int16{1, 9, 3, 9}, 'i', 2, 2, 1},
		{"NaN equals NaN", []float32{1, float32(math.NaN())}, []float32{1, nan32}, 'f', 4, 0, -1},
		{"NaN differs from a number", []float64{math.NaN(), 2}, []float64{1, 2}, 'f', 8, 1, 0},
		{"-0 differs from 0", []float64{1, math.Copysign(0, -1)}, []float64{1, 0}, 'f', 8, 1, 1},
		{"chars", []byte("abcd"), []byte("abXd"), 'S', 1, 1, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := compareValues(encode(t, binary.NativeEndian, tc.ref), encode(t, binary.NativeEndian, tc.src), tc.kind, tc.size)
			if d.count != tc.wantCount || d.first != tc.wantFirst {
				t.Errorf("got %d differences, first %d; want %d, first %d", d.count, d.first, tc.wantCount, tc.wantFirst)
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		val  any
		kind byte
		want string
	}{
		{int8(-5), 'i', "-5"},
		{uint8(250), 'u', "250"},
		{int16(-300), 'i', "-300"},
		{uint32(4000000000), 'u', "4000000000"},
		{int64(math.MinInt64), 'i', "-9223372036854775808"},
		{uint64(math.MaxUint64), 'u', "18446744073709551615"},
		{float32(0.1), 'f', "0.1"},
		{math.Inf(-1), 'f', "-Inf"},
		{[]byte("ab\x00"), 'S', `"ab\x00"`},
		{uint8(1), 'b', "true"},
	} {
		if got := formatValue(encode(t, binary.NativeEndian, tc.val), tc.kind); got != tc.want {
			t.Errorf("formatValue(%v, %c) = %s, want %s", tc.val, tc.kind, got, tc.want)
		}
	}
}

func TestUnravel(t *testing.T) {
	for _, tc := range []struct {
		i     int64
		shape []int64
		want  string
	}{
		{0, nil, "[]"},
		{4, []int64{10}, "[4]"},
		{5, []int64{2, 3}, "[1 2]"},
		{23, []int64{2, 3, 4}, "[1 2 3]"},
	} {
		if got := unravel(tc.i, tc.shape); got != tc.want {
			t.Errorf("unravel(%d, %v) = %s, want %s", tc.i, tc.shape, got, tc.want)
		}
	}
}
