package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// packBits packs the low bits bits of each value most significant first,
// as the n-bit and scale-offset filters store them.
func packBits(vals []uint64, bits uint) []byte {
	var out []byte
	var acc uint64
	var n uint
	for _, v := range vals {
		for k := int(bits) - 1; k >= 0; k-- {
			acc = acc<<1 | v>>uint(k)&1
			n++
			if n == 8 {
				out = append(out, byte(acc))
				acc, n = 0, 0
			}
		}
	}
	if n > 0 {
		out = append(out, byte(acc<<(8-n)))
	}
	return out
}

// soffChunk is a scale-offset chunk as libhdf5 lays it out: minbits,
// the size of the minimum (8) and the minimum, padded to 21 bytes, then
// the packed values.
func soffChunk(minbits uint, minval uint64, vals []uint64) []byte {
	h := make([]byte, soffHeader)
	binary.LittleEndian.PutUint32(h, uint32(minbits))
	h[4] = 8
	binary.LittleEndian.PutUint64(h[5:], minval)
	return append(h, packBits(vals, minbits)...)
}

// soffCD returns the 20 cd_values of a dataset: scale type and factor,
// elements, class (0 integer, 1 float), size, sign, order (1 big-endian),
// fill value defined and the fill value.
func soffCD(scaleType, factor, nelmts, class, size, sign, order uint32, fill *uint64) []uint32 {
	cd := make([]uint32, soffNParms)
	copy(cd, []uint32{scaleType, factor, nelmts, class, size, sign, order})
	if fill != nil {
		cd[soffParmFillAvail] = 1
		cd[soffParmFillValue] = uint32(*fill)
		cd[soffParmFillValue+1] = uint32(*fill >> 32)
	}
	return cd
}

func ptr[T any](v T) *T { return &v }

// TestScaleOffsetLayout decodes chunks built by hand from the layout
// H5Zscaleoffset.c writes, with results worked out from its formulas.
func TestScaleOffsetLayout(t *testing.T) {
	le16 := func(vs ...int16) []byte {
		b := make([]byte, 2*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
		}
		return b
	}
	be32f := func(vs ...float32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.BigEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return b
	}
	le64f := func(vs ...float64) []byte {
		b := make([]byte, 8*len(vs))
		for i, v := range vs {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
		return b
	}
	// Variables, so that the expected floats are computed in float
	// arithmetic and not as exact constants.
	var three, ten, one, hundred, max12 = float32(3), float32(10), 1.0, 100.0, 4095.0
	for _, tc := range []struct {
		name string
		src  []byte
		cd   []uint32
		want []byte
	}{
		{"i2 minimum 100, fill 42",
			soffChunk(3, 100, []uint64{0, 1, 7, 6}),
			soffCD(soffInt, 0, 4, 0, 2, 1, 0, ptr(uint64(42))),
			le16(100, 101, 42, 106)},
		{"i2 negative minimum, no fill: all ones is a value",
			soffChunk(4, uint64(math.MaxUint64-4), []uint64{0, 10, 15}), // minimum -5
			soffCD(soffInt, 0, 3, 0, 2, 1, 0, nil),
			le16(-5, 5, 10)},
		{"u2 big-endian wraps modulo 2^16",
			soffChunk(2, 0xfffe, []uint64{0, 1, 2, 3}),
			soffCD(soffInt, 0, 4, 0, 2, 0, 1, nil),
			[]byte{0xff, 0xfe, 0xff, 0xff, 0, 0, 0, 1}},
		{"u1 minbits 0: every element is the minimum",
			soffChunk(0, 9, nil),
			soffCD(soffInt, 0, 3, 0, 1, 0, 0, nil),
			[]byte{9, 9, 9}},
		{"i8 in 60 bits",
			soffChunk(60, 1<<62, []uint64{1<<60 - 2, 5}),
			soffCD(soffInt, 0, 2, 0, 8, 1, 0, ptr(uint64(7))),
			binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1<<62+1<<60-2), 1<<62+5)},
		{"i2 full precision: stored little-endian, returned big-endian",
			append(soffChunk(16, 0, nil), 0x34, 0x12, 0x78, 0x56),
			soffCD(soffInt, 0, 2, 0, 2, 1, 1, nil),
			[]byte{0x12, 0x34, 0x56, 0x78}},
		{"i2 minbits given as the full size: no header, nothing done",
			[]byte{1, 2, 3, 4},
			soffCD(soffInt, 16, 2, 0, 2, 1, 1, nil),
			[]byte{1, 2, 3, 4}},
		{"f4 big-endian D=1: (float)v / 10 + minimum",
			soffChunk(5, uint64(math.Float32bits(-2.5)), []uint64{0, 25, 31, 3}),
			soffCD(soffFloatDScale, 1, 4, 1, 4, 0, 1, ptr(uint64(math.Float32bits(9.75)))),
			be32f(-2.5, 0, 9.75, three/ten-2.5)},
		{"f8 D=2 without fill value",
			soffChunk(12, math.Float64bits(1.5), []uint64{0, 1, 4095}),
			soffCD(soffFloatDScale, 2, 3, 1, 8, 0, 0, nil),
			le64f(1.5, one/hundred+1.5, max12/hundred+1.5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScaleOffset(nil, tc.src, tc.cd, len(tc.want))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got % x, want % x", got, tc.want)
			}
		})
	}
}

func TestScaleOffsetErrors(t *testing.T) {
	ok := soffChunk(3, 0, []uint64{1, 2, 3, 4})
	cd := soffCD(soffInt, 0, 4, 0, 4, 1, 0, nil)
	with := func(i int, v uint32) []uint32 {
		c := append([]uint32(nil), cd...)
		c[i] = v
		return c
	}
	if _, err := ScaleOffset(nil, ok, cd, 16); err != nil {
		t.Fatalf("the chunk the cases change: %v", err)
	}
	for _, tc := range []struct {
		name        string
		src         []byte
		cd          []uint32
		limit       int
		unsupported bool
	}{
		{"19 cd_values", ok, cd[:19], 16, false},
		{"no cd_values", ok, nil, 16, false},
		{"float scale type for integers", ok, with(soffParmScaleType, soffFloatDScale), 16, false},
		{"integer scale type for floats", ok, soffCD(soffInt, 0, 4, 1, 4, 0, 0, nil), 16, false},
		{"E-scale", ok, soffCD(soffFloatEScale, 3, 4, 1, 4, 0, 0, nil), 16, true},
		{"minimum bits above the size", ok, with(soffParmScaleFactor, 33), 16, false},
		{"header minimum bits above the size", soffChunk(33, 0, []uint64{1, 2, 3, 4}), cd, 16, false},
		{"3-byte integers", ok, with(soffParmSize, 3), 16, false},
		{"sign 2", ok, with(soffParmSign, 2), 16, false},
		{"2-byte floats", ok, soffCD(soffFloatDScale, 0, 4, 1, 2, 0, 0, nil), 16, false},
		{"class 2", ok, with(soffParmClass, 2), 16, false},
		{"short header", ok[:20], cd, 16, false},
		{"packed values cut short", ok[:len(ok)-1], cd, 16, false},
		{"full precision data cut short", soffChunk(32, 0, []uint64{1, 2, 3}), soffCD(soffInt, 0, 4, 0, 4, 1, 0, nil), 16, false},
		{"over the limit", ok, cd, 15, false},
		{"elements times size beyond 64 bits", ok, soffCD(soffInt, 0, math.MaxUint32, 0, math.MaxUint32, 1, 0, nil), math.MaxInt, false},
		{"unchanged chunk over the limit", ok, with(soffParmScaleFactor, 32), len(ok) - 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScaleOffset(nil, tc.src, tc.cd, tc.limit)
			if err == nil {
				t.Fatalf("got %d bytes without an error", len(got))
			}
			var fe *FormatError
			var ue *UnsupportedError
			if tc.unsupported && !errors.As(err, &ue) || !tc.unsupported && !errors.As(err, &fe) {
				t.Fatalf("%T %v", err, err)
			}
		})
	}
}

// bytesToCD reads a fuzzer's bytes as cd_values, 4 bytes each.
func bytesToCD(b []byte) []uint32 {
	cd := make([]uint32, len(b)/4)
	for i := range cd {
		cd[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return cd
}

func cdToBytes(cd []uint32) []byte {
	var b []byte
	for _, v := range cd {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func FuzzScaleOffset(f *testing.F) {
	for _, v := range soffNbitVectorsOf("scaleoffset") {
		f.Add(v.Encoded, cdToBytes(v.CDValues), uint16(len(v.Decoded)))
	}
	f.Fuzz(func(t *testing.T, src, cdBytes []byte, limit uint16) {
		out, err := ScaleOffset(nil, src, bytesToCD(cdBytes), int(limit))
		if err != nil {
			return
		}
		if len(out) > int(limit) || overlaps(out, src) {
			t.Fatalf("%d bytes for limit %d", len(out), limit)
		}
		again, err := ScaleOffset(bytes.Repeat([]byte{0x5a}, len(out)), src, bytesToCD(cdBytes), int(limit))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("into a used buffer: %v", err)
		}
	})
}

func BenchmarkScaleOffset(b *testing.B) {
	const n = 1 << 18
	vals := make([]uint64, n)
	for i := range vals {
		vals[i] = uint64(i*7919) % 3000
	}
	for _, bc := range []struct {
		name string
		src  []byte
		cd   []uint32
	}{
		{"i4-12bits", soffChunk(12, 1000, vals), soffCD(soffInt, 0, n, 0, 4, 1, 0, ptr(uint64(0)))},
		{"f4be-d3-12bits", soffChunk(12, uint64(math.Float32bits(-1)), vals), soffCD(soffFloatDScale, 3, n, 1, 4, 0, 1, nil)},
		{"f8-d3-12bits", soffChunk(12, math.Float64bits(-1), vals), soffCD(soffFloatDScale, 3, n, 1, 8, 0, 0, nil)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			size := int(bc.cd[soffParmSize]) * n
			dst := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ScaleOffset(dst, bc.src, bc.cd, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
