package codec

import (
	"bytes"
	"errors"
	"testing"
)

// nbitCD prefixes a datatype's parameters with their count, the "does
// nothing" flag 0 and the number of elements, as set_local does.
func nbitCD(nelmts uint32, datatype ...uint32) []uint32 {
	return append([]uint32{uint32(3 + len(datatype)), 0, nelmts}, datatype...)
}

// TestNbitLayout decodes chunks built by hand from the layout H5Znbit.c
// writes: each value's precision bits most significant first, back to
// back, placed at their bit offset in the value.
func TestNbitLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  []byte
		cd   []uint32
		want []byte
	}{
		{"u2 little-endian, 4 bits at offset 3",
			packBits([]uint64{0xa, 0x5}, 4),
			nbitCD(2, nbitAtomic, 2, 0, 4, 3),
			[]byte{0x50, 0x00, 0x28, 0x00}},
		{"u2 big-endian, 4 bits at offset 3",
			packBits([]uint64{0xa, 0x5}, 4),
			nbitCD(2, nbitAtomic, 2, 1, 4, 3),
			[]byte{0x00, 0x50, 0x00, 0x28}},
		{"i4 little-endian, 13 bits at offset 6 across three bytes",
			packBits([]uint64{0x1fff, 0x1234}, 13),
			nbitCD(2, nbitAtomic, 4, 0, 13, 6),
			[]byte{0xc0, 0xff, 0x07, 0, 0x00, 0x8d, 0x04, 0}},
		{"16-byte values, 70 bits at offset 9, big-endian",
			// The 70 bits 0x3f<<64 | 1<<63 | 1: 1111111, 62 zeros, 1.
			[]byte{0xfe, 0, 0, 0, 0, 0, 0, 0, 0x04},
			nbitCD(1, nbitAtomic, 16, 1, 70, 9),
			// Shifted by 9: bits 72-78 and 9.
			[]byte{0, 0, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x02, 0}},
		{"a compound: u1 4 bits at offset 4, then a 2-byte no-op member at byte 1",
			[]byte{0x9a, 0xbc, 0x00},
			nbitCD(1, nbitCompound, 3, 2, 0, nbitAtomic, 1, 0, 4, 4, 1, nbitNoop, 2),
			[]byte{0x90, 0xab, 0xc0}},
		{"an array of three 3-bit values",
			packBits([]uint64{1, 2, 7}, 3),
			nbitCD(1, nbitArray, 3, nbitAtomic, 1, 0, 3, 0),
			[]byte{1, 2, 7}},
		{"an array of one compound",
			packBits([]uint64{5}, 3),
			nbitCD(1, nbitArray, 2, nbitCompound, 2, 1, 1, nbitAtomic, 1, 0, 3, 0),
			[]byte{0, 5}},
		{"zero elements",
			nil,
			nbitCD(0, nbitAtomic, 4, 0, 17, 0),
			[]byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Nbit(nil, tc.src, tc.cd, len(tc.want))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got % x, want % x", got, tc.want)
			}
		})
	}
}

func TestNbitNoop(t *testing.T) {
	src := []byte{1, 2, 3, 4, 5}
	for _, cd := range [][]uint32{{3, 1, 5}, {8, 1, 5, nbitAtomic, 1, 0, 8, 0}} {
		got, err := Nbit(nil, src, cd, 5)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("%v: % x, %v", cd, got, err)
		}
		if got, err := Nbit(nil, src, cd, 4); err == nil {
			t.Fatalf("%v: limit 4 gave % x", cd, got)
		}
	}
}

func TestNbitErrors(t *testing.T) {
	data := bytes.Repeat([]byte{0xff}, 64)
	// An array of 1000 one-byte compounds of 20 empty no-op members: the
	// walk visits 21000 members for a 1000-byte element.
	wide := nbitCD(1, nbitArray, 1000, nbitCompound, 1, 20)
	for range 20 {
		wide = append(wide, 0, nbitNoop, 0)
	}
	wide[0] = uint32(len(wide))
	for _, tc := range []struct {
		name  string
		src   []byte
		cd    []uint32
		limit int
	}{
		{"no cd_values", data, nil, 64},
		{"cd_values[0] is not their number", data, []uint32{9, 0, 4, nbitAtomic, 4, 0, 17, 0}, 64},
		{"4 cd_values", data, []uint32{4, 0, 4, nbitAtomic}, 64},
		{"element size 0", data, nbitCD(4, nbitAtomic, 0, 0, 0, 0), 64},
		{"class 5", data, nbitCD(4, 5, 4, 0, 17, 0), 64},
		{"no-op class at the top", data, nbitCD(4, nbitNoop, 4), 64},
		{"atomic without its offset", data, nbitCD(4, nbitAtomic, 4, 0, 17), 64},
		{"precision above the size", data, nbitCD(4, nbitAtomic, 4, 0, 33, 0), 64},
		{"precision and offset above the size", data, nbitCD(4, nbitAtomic, 4, 0, 17, 16), 64},
		{"offset wrapping 32 bits", data, nbitCD(4, nbitAtomic, 4, 0, 8, 0xffffffff), 64},
		{"data cut short", data[:2], nbitCD(4, nbitAtomic, 4, 0, 17, 0), 64},
		{"over the limit", data, nbitCD(4, nbitAtomic, 4, 0, 17, 0), 15},
		{"array of 0-byte values", data, nbitCD(1, nbitArray, 4, nbitAtomic, 0, 0, 0, 0), 64},
		{"array of 0-byte compounds", data, nbitCD(1, nbitArray, 4, nbitCompound, 0, 0), 64},
		{"array class 7", data, nbitCD(1, nbitArray, 4, 7, 4), 64},
		{"array ending early", data, nbitCD(1, nbitArray, 4, nbitCompound), 64},
		{"compound member class 0", data, nbitCD(1, nbitCompound, 4, 1, 0, 0, 4), 64},
		{"compound ending early", data, nbitCD(1, nbitCompound, 4, 2, 0, nbitAtomic, 2, 0, 16, 0), 64},
		{"compound members larger than the compound", data, nbitCD(1, nbitCompound, 4, 2, 0, nbitNoop, 3, 3, nbitNoop, 3), 64},
		{"member beyond the element", data, nbitCD(1, nbitCompound, 4, 1, 2, nbitAtomic, 4, 0, 8, 0), 64},
		{"array beyond the element", data, nbitCD(1, nbitCompound, 4, 1, 2, nbitArray, 4, nbitAtomic, 1, 0, 8, 0), 64},
		{"far more members than bytes", data, wide, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Nbit(nil, tc.src, tc.cd, tc.limit)
			if err == nil {
				t.Fatalf("got %d bytes without an error", len(got))
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("%T %v", err, err)
			}
		})
	}
}

func FuzzNbit(f *testing.F) {
	for _, v := range soffNbitVectorsOf("nbit") {
		f.Add(v.Encoded, cdToBytes(v.CDValues), uint16(len(v.Decoded)))
	}
	f.Fuzz(func(t *testing.T, src, cdBytes []byte, limit uint16) {
		cd := bytesToCD(cdBytes)
		out, err := Nbit(nil, src, cd, int(limit))
		if err != nil {
			return
		}
		if len(out) > int(limit) || overlaps(out, src) {
			t.Fatalf("%d bytes for limit %d", len(out), limit)
		}
		again, err := Nbit(bytes.Repeat([]byte{0x5a}, len(out)), src, cd, int(limit))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("into a used buffer: %v", err)
		}
	})
}

func BenchmarkNbit(b *testing.B) {
	const n = 1 << 18
	vals := make([]uint64, 3*n)
	for i := range vals {
		vals[i] = uint64(i*7919) % 100000
	}
	for _, bc := range []struct {
		name string
		src  []byte
		cd   []uint32
	}{
		{"i4-17bits", packBits(vals[:n], 17), nbitCD(n, nbitAtomic, 4, 0, 17, 5)},
		{"f8be-51bits", packBits(vals[:n], 51), nbitCD(n, nbitAtomic, 8, 1, 51, 5)},
		// {i4 17 bits, u2 12 bits, f4 20 bits} in 10 bytes.
		{"compound", packBits(vals[:n], 49), nbitCD(n, nbitCompound, 10, 3,
			0, nbitAtomic, 4, 0, 17, 0, 4, nbitAtomic, 2, 1, 12, 2, 6, nbitAtomic, 4, 0, 20, 7)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			size := int(bc.cd[4]) * n
			dst := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Nbit(dst, bc.src, bc.cd, size); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
