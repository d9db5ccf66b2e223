package zarrcheck

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gokerchunk/zarr"
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

// parseDType parses a .zarray dtype (JSON) for a test.
func parseDType(t *testing.T, dtype string) zarr.DType {
	t.Helper()
	d, err := zarr.ParseDTypeJSON(json.RawMessage(dtype))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var (
	hostI16 = ElemType{Kind: 'i', Size: 2, Name: "short"}
	hostF4  = ElemType{Kind: 'f', Size: 4, Name: "float"}
	hostF8  = ElemType{Kind: 'f', Size: 8, Name: "double"}
	// h5pyComplex64 is numpy's complex64 as h5py stores it: {r, i}.
	h5pyComplex64 = ElemType{Kind: 'V', Size: 8, Name: "compound", Fields: []Field{
		{Name: "r", Offset: 0, Type: hostF4},
		{Name: "i", Offset: 4, Type: hostF4},
	}}
	// paddedCompound is {a: int16 big-endian at 0, b: float32 at 4}, 12
	// bytes, as an HDF5 file would lay it out.
	paddedCompound = ElemType{Kind: 'V', Size: 12, Name: "compound", Fields: []Field{
		{Name: "a", Offset: 0, Type: hostI16, BigEndian: true},
		{Name: "b", Offset: 4, Type: hostF4},
	}}
)

var (
	nullTerm5 = ElemType{Kind: 'S', Size: 5, Name: "string(5)", Pad: PadNullTerm}
	spacePad5 = ElemType{Kind: 'S', Size: 5, Name: "string(5)", Pad: PadSpacePad}
)

const paddedDType = `[["a", ">i2"], ["", "|V2"], ["b", "<f4"], ["", "|V4"]]`

// padded encodes paddedCompound elements, with junk in the padding.
func padded(junk byte, vals ...any) []byte {
	var out []byte
	for i := 0; i < len(vals); i += 2 {
		e := bytes.Repeat([]byte{junk}, 12)
		binary.BigEndian.PutUint16(e[0:], uint16(vals[i].(int)))
		binary.LittleEndian.PutUint32(e[4:], math.Float32bits(vals[i+1].(float32)))
		out = append(out, e...)
	}
	return out
}

func TestLayoutCompare(t *testing.T) {
	nan32 := math.Float32frombits(0x7fc00001) // a NaN with a payload other than the default
	le, be, host := binary.LittleEndian, binary.BigEndian, binary.NativeEndian
	for _, tc := range []struct {
		name      string
		dtype     string // the reference side
		ref       []byte
		src       ElemType
		srcVals   []byte
		wantCount int64
		wantFirst int64
		wantDesc  string
	}{
		{"equal ints", `"<i2"`, encode(t, le, []int16{1, 2, 3}), hostI16, encode(t, host, []int16{1, 2, 3}), 0, -1, ""},
		{"ints differ twice", `"<i2"`, encode(t, le, []int16{1, 2, 3, 4}), hostI16, encode(t, host, []int16{1, 9, 3, 9}), 2, 1, ": reference 2, source 9"},
		{"big-endian reference", `">i2"`, encode(t, be, []int16{1, -2}), hostI16, encode(t, host, []int16{1, -2}), 0, -1, ""},
		{"big-endian reference differs", `">i2"`, encode(t, be, []int16{1, -2}), hostI16, encode(t, host, []int16{1, -3}), 1, 1, ": reference -2, source -3"},
		{"NaN equals NaN", `"<f4"`, encode(t, le, []float32{1, float32(math.NaN())}), hostF4, encode(t, host, []float32{1, nan32}), 0, -1, ""},
		{"NaN differs from a number", `"<f8"`, encode(t, le, []float64{math.NaN(), 2}), hostF8, encode(t, host, []float64{1, 2}), 1, 0, ": reference NaN, source 1"},
		{"-0 differs from 0", `"<f8"`, encode(t, le, []float64{1, math.Copysign(0, -1)}), hostF8, encode(t, host, []float64{1, 0}), 1, 1, ": reference -0, source 0"},
		{"half NaNs", `">f2"`, []byte{0x7e, 0x00, 0x3c, 0x00}, ElemType{Kind: 'f', Size: 2, Name: "float16"}, encode(t, host, []uint16{0x7c01, 0x3c00}), 0, -1, ""},
		{"half differs", `"<f2"`, []byte{0x00, 0x3e}, ElemType{Kind: 'f', Size: 2, Name: "float16"}, encode(t, host, []uint16{0x3c00}), 1, 0, ": reference 1.5, source 1"},
		{"chars", `"|S1"`, []byte("abcd"), ElemType{Kind: 'S', Size: 1, Name: "char"}, []byte("abXd"), 1, 2, `: reference "c", source "X"`},
		// HDF5 fixed-length strings: the source string as libhdf5's padding
		// type presents it, the reference as numpy presents "S" values.
		{"NULLTERM ends at the first NUL", `"|S5"`, []byte("ab\x00\x00\x00xyz\x00\x00"), nullTerm5, []byte("ab\x00\x00\x00xyz\x00\x00"), 0, -1, ""},
		{"NULLTERM bytes after the NUL", `"|S5"`, []byte("ab\x00cdxyz\x00\x00"), nullTerm5, []byte("ab\x00cdxyz\x00\x00"), 1, 0, `: reference "ab\x00cd", source "ab"`},
		{"NULLTERM rewritten", `"|S5"`, []byte("ab\x00\x00\x00"), nullTerm5, []byte("ab\x00cd"), 0, -1, ""},
		{"NULLPAD", `"|S5"`, []byte("ab\x00\x00\x00a\x00b\x00\x00"), ElemType{Kind: 'S', Size: 5, Name: "string(5)", Pad: PadNullPad}, []byte("ab\x00\x00\x00a\x00b\x00\x00"), 0, -1, ""},
		{"NULLPAD differs", `"|S5"`, []byte("ab\x00\x00\x00"), ElemType{Kind: 'S', Size: 5, Name: "string(5)", Pad: PadNullPad}, []byte("ac\x00\x00\x00"), 1, 0, `: reference "ab", source "ac"`},
		{"SPACEPAD trailing spaces", `"|S5"`, []byte("ab   "), spacePad5, []byte("ab   "), 1, 0, `: reference "ab   ", source "ab"`},
		{"SPACEPAD rewritten", `"|S5"`, []byte("ab\x00\x00\x00"), spacePad5, []byte("ab   "), 0, -1, ""},
		{"SPACEPAD inner spaces", `"|S5"`, []byte("a b\x00\x00"), spacePad5, []byte("a b  "), 0, -1, ""},
		{"opaque", `"|V3"`, []byte("abcdef"), ElemType{Kind: 'V', Size: 3, Name: "opaque(3)"}, []byte("abcdeF"), 1, 1, ": reference 646566, source 646546"},
		{"bool", `"|b1"`, []byte{0, 1}, ElemType{Kind: 'b', Size: 1, Name: "bool enum"}, []byte{0, 0}, 1, 1, ": reference true, source false"},
		{"complex against h5py's compound", `"<c8"`, encode(t, le, []float32{1, float32(math.NaN()), 3, 4}), h5pyComplex64, encode(t, host, []float32{1, nan32, 3, 4}), 0, -1, ""},
		{"complex imaginary part differs", `">c8"`, encode(t, be, []float32{1, 2, 3, 4}), h5pyComplex64, encode(t, host, []float32{1, 2, 3, 5}), 1, 1, " field imag: reference 4, source 5"},
		{"padding is not compared", paddedDType, padded(0xAA, 1, float32(0.5), -2, float32(1)), paddedCompound, padded(0x00, 1, float32(0.5), -2, float32(1)), 0, -1, ""},
		{"compound member differs", paddedDType, padded(0, 1, float32(0.5), -2, float32(1)), paddedCompound, padded(0, 1, float32(0.5), -3, float32(1)), 1, 1, " field a: reference -2, source -3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, msg := newLayout(parseDType(t, tc.dtype), tc.src)
			if msg != "" {
				t.Fatal(msg)
			}
			n := int64(len(tc.ref) / l.refSize)
			d := l.compare(tc.ref, tc.srcVals, n)
			if d.count != tc.wantCount || d.first != tc.wantFirst {
				t.Fatalf("got %d differences, first %d; want %d, first %d", d.count, d.first, tc.wantCount, tc.wantFirst)
			}
			if d.count > 0 {
				if got := l.describe(tc.ref, tc.srcVals, d); got != tc.wantDesc {
					t.Errorf("describe = %q, want %q", got, tc.wantDesc)
				}
			}
			// The same after the byte-order shortcut.
			ref := slices.Clone(tc.ref)
			ordered, swap := l.inSourceOrder()
			if swap {
				swapElements(ref, l.refSize)
			}
			if again := ordered.compare(ref, tc.srcVals, n); again != d {
				t.Errorf("in source order: %+v, before: %+v", again, d)
			} else if d.count > 0 {
				if got := ordered.describe(ref, tc.srcVals, d); got != tc.wantDesc {
					t.Errorf("describe in source order = %q, want %q", got, tc.wantDesc)
				}
			}
			// l is unchanged: a second batch compares as the first.
			if again := l.compare(tc.ref, tc.srcVals, n); again != d {
				t.Errorf("after inSourceOrder: %+v, before: %+v", again, d)
			}
		})
	}
}

// TestLayoutNested compares a nested structured dtype with a sub-array
// member against the compound it stands for.
func TestLayoutNested(t *testing.T) {
	dtype := parseDType(t, `[["n", [["x", "|u1"], ["y", ">i2", [2]]]], ["", "|V1"], ["c", "<c8"]]`)
	src := ElemType{Kind: 'V', Size: 14, Name: "compound", Fields: []Field{
		// Members in another order and at other offsets: matched by name.
		{Name: "c", Offset: 0, Type: h5pyComplex64},
		{Name: "n", Offset: 8, Type: ElemType{Kind: 'V', Size: 5, Name: "compound", Fields: []Field{
			{Name: "x", Offset: 0, Type: ElemType{Kind: 'u', Size: 1, Name: "uint8"}},
			{Name: "y", Offset: 1, Type: hostI16, Shape: []int64{2}, BigEndian: true},
		}}},
	}}
	l, msg := newLayout(dtype, src)
	if msg != "" {
		t.Fatal(msg)
	}
	ref := []byte{7, 0, 1, 0xff, 0xfe, 0xEE}
	ref = append(ref, encode(t, binary.LittleEndian, []float32{1.5, -2})...)
	srcVals := append(encode(t, binary.NativeEndian, []float32{1.5, -2}), 7, 0, 1, 0xff, 0xfe, 0xCC)
	if d := l.compare(ref, srcVals, 1); d.count != 0 {
		t.Fatalf("equal elements differ: %s", l.describe(ref, srcVals, d))
	}
	srcVals[12] = 0xfd // the low byte of n.y[1]
	d := l.compare(ref, srcVals, 1)
	if got, want := l.describe(ref, srcVals, d), " field n.y[1]: reference -2, source -3"; d.count != 1 || got != want {
		t.Errorf("%d differences, %q; want 1, %q", d.count, got, want)
	}
}

func TestNewLayoutMismatch(t *testing.T) {
	for _, tc := range []struct {
		dtype string
		src   ElemType
		want  string
	}{
		{`"<f4"`, ElemType{Kind: 'i', Size: 4, Name: "int"}, "dtype <f4 (kind 'f', 4 bytes) does not match source type int"},
		{`"<f8"`, hostF4, "does not match source type float"},
		{`"<c8"`, ElemType{Kind: 'V', Size: 8, Name: "compound", Fields: []Field{{Name: "r", Type: ElemType{Kind: 'i', Size: 4}}, {Name: "i", Offset: 4, Type: ElemType{Kind: 'i', Size: 4}}}}, "dtype <c8"},
		{`"|V12"`, paddedCompound, "dtype |V12"},
		{paddedDType, ElemType{Kind: 'V', Size: 12, Name: "opaque(12)"}, "does not match source type opaque(12)"},
		{`[["a", ">i2"], ["", "|V2"], ["z", "<f4"], ["", "|V4"]]`, paddedCompound, `fields ["a" "z"], source members ["a" "b"]`},
		{`[["a", ">i2"], ["", "|V2"], ["b", "<f4"], ["c", "<f4"]]`, paddedCompound, `fields ["a" "b" "c"]`},
		{`[["a", ">i2"], ["", "|V2"], ["b", "<f4", [1]], ["", "|V4"]]`, paddedCompound, "field b: shape [1], source shape []"},
		{`[["a", ">u2"], ["", "|V2"], ["b", "<f4"], ["", "|V4"]]`, paddedCompound, "field a: dtype >u2"},
		{`"|O"`, ElemType{Kind: 'T', Name: "string"}, "dtype |O"},
	} {
		if _, got := newLayout(parseDType(t, tc.dtype), tc.src); !strings.Contains(got, tc.want) {
			t.Errorf("%s against %s: %q, want %q", tc.dtype, tc.src.Name, got, tc.want)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		val       any
		kind      byte
		bigEndian bool
		want      string
	}{
		{int8(-5), 'i', false, "-5"},
		{uint8(250), 'u', false, "250"},
		{int16(-300), 'i', false, "-300"},
		{int16(-300), 'i', true, "-300"},
		{uint32(4000000000), 'u', false, "4000000000"},
		{int64(math.MinInt64), 'i', false, "-9223372036854775808"},
		{uint64(math.MaxUint64), 'u', true, "18446744073709551615"},
		{float32(0.1), 'f', false, "0.1"},
		{math.Inf(-1), 'f', true, "-Inf"},
		{uint16(0xc100), 'f', false, "-2.5"},
		{uint16(0x0001), 'f', false, "5.9604645e-08"},
		{uint16(0xfc00), 'f', true, "-Inf"},
		{[]byte("ab\x00"), 'S', false, `"ab\x00"`},
		{uint8(1), 'b', false, "true"},
		{[]byte{1, 0xfe}, 'V', false, "01fe"},
	} {
		var order binary.ByteOrder = binary.LittleEndian
		if tc.bigEndian {
			order = binary.BigEndian
		}
		b := encode(t, order, tc.val)
		if got := formatValue(b, leaf{kind: tc.kind, size: len(b), bigEndian: tc.bigEndian}); got != tc.want {
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
