package codec

import (
	"bytes"
	"testing"
)

func TestLZF(t *testing.T) {
	runDecodeCases(t, LZF, []decodeCase{
		{name: "literals", src: []byte{2, 'a', 'b', 'c'}, limit: 10, want: []byte("abc")},
		// "ab", a back reference of 1+2 bytes from 2 back, then "Z".
		{name: "overlapping reference", src: []byte{1, 'a', 'b', 1 << 5, 1, 0, 'Z'}, limit: 10, want: []byte("ababaZ")},
		// length 7+200+2 = 209 from 1 back.
		{name: "long reference", src: []byte{0, 'x', 7 << 5, 200, 0}, limit: 210, want: bytes.Repeat([]byte{'x'}, 210)},
		{name: "empty", src: nil, limit: 10, wantErr: "empty stream"},
		{name: "literals past the end", src: []byte{3, 'a'}, limit: 10, wantErr: "run past the end"},
		{name: "literals over the limit", src: []byte{3, 'a', 'b', 'c', 'd'}, limit: 3, wantErr: "more than 3 bytes"},
		{name: "reference cut", src: []byte{0, 'a', 1 << 5}, limit: 10, wantErr: "truncated back reference"},
		{name: "length byte cut", src: []byte{0, 'a', 7 << 5, 1}, limit: 100, wantErr: "truncated back reference"},
		{name: "reference before the start", src: []byte{0, 'a', 1 << 5, 1}, limit: 10, wantErr: "2 bytes behind the 1 decoded"},
		{name: "reference over the limit", src: []byte{0, 'a', 1 << 5, 0}, limit: 3, wantErr: "more than 3 bytes"},
	})
}

func FuzzLZF(f *testing.F) {
	vs, _ := vectorsOf("lzf")
	for _, v := range vs {
		f.Add(v.Encoded)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, limit := range []int{0, 100, 1 << 16} {
			out, err := LZF(nil, src, limit)
			if err == nil && (len(out) > limit || len(out) > len(src)*lzfMaxExpansion || overlaps(out, src)) {
				t.Fatalf("%d bytes from %d, limit %d", len(out), len(src), limit)
			}
		}
	})
}

func BenchmarkLZF(b *testing.B) {
	vs, raws := vectorsOf("lzf")
	for i, v := range vs {
		if v.FilterMask != 0 {
			continue
		}
		b.Run(v.Name, func(b *testing.B) {
			dst := make([]byte, len(raws[i]))
			b.SetBytes(int64(len(raws[i])))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := LZF(dst, v.Encoded, len(dst)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
