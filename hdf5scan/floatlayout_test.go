package hdf5scan

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// IEEE's own layouts, as floatLayouts.
var (
	ieee32Layout = floatLayout{signBit: 31, expLoc: 23, expSize: 8, mantLoc: 0, mantSize: 23, bias: 127, norm: 2}
	ieee64Layout = floatLayout{signBit: 63, expLoc: 52, expSize: 11, mantLoc: 0, mantSize: 52, bias: 1023, norm: 2}
)

// TestFloatLayoutValue: decoding IEEE's layouts through floatLayout gives
// what math does, for every class of value (zeros, denormals, normals,
// infinities, NaNs) and random bits; a reduced layout decodes the HDF5
// manual's example values.
func TestFloatLayoutValue(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits32 := []uint32{0, 0x80000000, 1, 0x007fffff, 0x00800000, 0x3f800000, 0xbf800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000}
	for range 10000 {
		bits32 = append(bits32, r.Uint32())
	}
	for _, b := range bits32 {
		want := float64(math.Float32frombits(b))
		if got := ieee32Layout.value(uint64(b)); !sameFloat(got, want) {
			t.Fatalf("f32 %#08x: %v, want %v", b, got, want)
		}
	}
	for range 10000 {
		b := r.Uint64()
		want := math.Float64frombits(b)
		if got := ieee64Layout.value(b); !sameFloat(got, want) {
			t.Fatalf("f64 %#016x: %v, want %v", b, got, want)
		}
	}
	// sign 26, exponent 6 bits at 20 (bias 31), mantissa 13 bits at 7.
	manual := floatLayout{signBit: 26, expLoc: 20, expSize: 6, mantLoc: 7, mantSize: 13, bias: 31, norm: 2}
	enc := func(sign, exp, mant uint64) uint64 { return sign<<26 | exp<<20 | mant<<7 }
	for _, c := range []struct {
		raw  uint64
		want float64
	}{
		{enc(0, 31, 0), 1},
		{enc(1, 32, 1<<12), -3},
		{enc(0, 0, 1), math.Ldexp(1, -30-13)}, // the smallest denormal
		{enc(0, 62, 1<<13-1), math.Ldexp(2-math.Ldexp(1, -13), 31)},
		{enc(1, 63, 0), math.Inf(-1)},
	} {
		if got := manual.value(c.raw); got != c.want {
			t.Errorf("%#x: %v, want %v", c.raw, got, c.want)
		}
	}
	if v := manual.value(enc(0, 63, 5)); !math.IsNaN(v) {
		t.Errorf("all-ones exponent with a mantissa: %v, want NaN", v)
	}
}

// sameFloat: both NaN, or equal with the same sign (zeros).
func sameFloat(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return a == b && math.Signbit(a) == math.Signbit(b)
}

// TestIEEEHolds: a layout converts when the IEEE float of its size holds
// every value, and the reason otherwise names what does not fit.
func TestIEEEHolds(t *testing.T) {
	f := func(size int, l floatLayout) *datatype { return &datatype{class: classFloat, size: size, float: l} }
	manual := floatLayout{signBit: 26, expLoc: 20, expSize: 6, mantLoc: 7, mantSize: 13, bias: 31, norm: 2}
	for _, c := range []struct {
		t    *datatype
		want string
	}{
		{f(4, manual), ""},
		{f(4, ieee32Layout), ""},
		{f(8, ieee64Layout), ""},
		{f(4, floatLayout{signBit: 31, expLoc: 22, expSize: 9, mantSize: 22, bias: 255, norm: 2}), "exponent of 9 bits"},
		{f(4, floatLayout{signBit: 31, expLoc: 23, expSize: 8, mantSize: 23, bias: 100, norm: 2}), "bias 100"},
		{f(4, floatLayout{signBit: 26, expLoc: 20, expSize: 6, mantLoc: 7, mantSize: 13, bias: 31, norm: 1}), "normalization 1"},
		{f(2, manual), "2-byte elements: only 4- and 8-byte"},
		{f(4, floatLayout{signBit: 40, expLoc: 20, expSize: 6, mantSize: 13, bias: 31, norm: 2}), "outside the element"},
		{&datatype{class: classFloat, size: 4, vaxOrder: true, float: manual}, "VAX"},
	} {
		got := c.t.ieeeHolds(c.t.size)
		if c.want == "" && got != "" || c.want != "" && !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q, want %q", c.t.float, got, c.want)
		}
	}
}
