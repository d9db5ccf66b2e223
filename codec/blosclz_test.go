package codec

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeBlosclz(t *testing.T) {
	// 10000 bytes of a period-4 pattern and a 9, then the first 8 bytes
	// again, 10001 back: beyond the 13-bit distance, so the distance field
	// is all ones, the next byte 255, then 16 bits of 10001-1-8191 = 1809.
	far := append(bytes.Repeat([]byte{1, 2, 3, 4}, 2500), 9)
	far = append(far, far[:8]...)
	farStream := []byte{1<<5 | 3, 1, 2, 3, 4} // the marker and 4 literals
	farStream = append(farStream, runMatch(9996, 4)...)
	farStream = append(farStream, 0, 9) // one literal
	farStream = append(farStream, 6<<5|31, 255, byte(1809>>8), byte(1809&255))
	farStream = append(farStream, 0, 0) // a final literal 0
	farWant := append(bytes.Clone(far), 0)

	tests := []struct {
		name    string
		src     []byte
		size    int
		want    []byte
		wantErr string
	}{
		{name: "literals", src: []byte{1<<5 | 2, 'a', 'b', 'c'}, size: 3, want: []byte("abc")},
		// "ab", a match of 3 bytes (length field 1) from 2 back, then "Z".
		{name: "overlapping match", src: []byte{1<<5 | 1, 'a', 'b', 1 << 5, 1, 0, 'Z'}, size: 6, want: []byte("ababaZ")},
		{name: "run of one byte", src: append(append([]byte{1 << 5, 'x'}, runMatch(20, 1)...), 0, 'y'), size: 22, want: append(bytes.Repeat([]byte{'x'}, 21), 'y')},
		{name: "far match", src: farStream, size: len(farWant), want: farWant},
		// A stream ending right after a match decodes without the match, as
		// blosclz_decompress does (only a far match can end the stream).
		{name: "trailing far match dropped", src: farStream[:len(farStream)-2], size: len(far), want: far[:len(far)-8]},
		{name: "empty", src: nil, size: 1, wantErr: "empty stream"},
		{name: "literals past the end", src: []byte{1<<5 | 3, 'a'}, size: 4, wantErr: "run past the end"},
		{name: "literals past the output", src: []byte{1<<5 | 3, 'a', 'b', 'c', 'd'}, size: 3, wantErr: "more than 3 bytes"},
		{name: "match past the output", src: []byte{1 << 5, 'a', 1 << 5, 0, 0, 'b'}, size: 3, wantErr: "more than 3 bytes"},
		{name: "distance before the start", src: []byte{1 << 5, 'a', 1 << 5, 1, 0, 'b'}, size: 10, wantErr: "match distance 2 outside the 1 bytes"},
		{name: "match cut", src: []byte{1 << 5, 'a', 1 << 5, 0}, size: 10, wantErr: "truncated match"},
		{name: "length cut", src: []byte{1 << 5, 'a', 7 << 5, 255}, size: 1000, wantErr: "truncated match length"},
		{name: "far distance cut", src: []byte{1 << 5, 'a', 1<<5 | 31, 255, 0}, size: 1000, wantErr: "truncated far match distance"},
		{name: "match without a following byte", src: []byte{1 << 5, 'a', 1 << 5, 0}, size: 4, wantErr: "truncated match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]byte, tt.size)
			n, err := decodeBlosclz(dst, tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %d bytes, %v; want an error containing %q", n, err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(dst[:n], tt.want) {
				t.Fatalf("got %d bytes, %v", n, err)
			}
		})
	}
}

// runMatch encodes a blosclz match of n bytes from dist back, followed by
// nothing: the caller appends the next control byte.
func runMatch(n, dist int) []byte {
	d := dist - 1
	if n-2 < 7 {
		return []byte{byte((n-2)<<5 | d>>8), byte(d)}
	}
	out := []byte{byte(7<<5 | d>>8)}
	for rest := n - 2 - 7; ; rest -= 255 {
		if rest < 255 {
			out = append(out, byte(rest))
			break
		}
		out = append(out, 255)
	}
	return append(out, byte(d))
}

func FuzzBlosclz(f *testing.F) {
	f.Add([]byte{1<<5 | 2, 'a', 'b', 'c'}, uint16(3))
	f.Add([]byte{1<<5 | 1, 'a', 'b', 1 << 5, 1, 0, 'Z'}, uint16(6))
	f.Add([]byte{1 << 5, 'a', 1<<5 | 31, 255, 0, 0, 0, 0}, uint16(1000))
	f.Fuzz(func(t *testing.T, src []byte, size uint16) {
		dst := make([]byte, size)
		n, err := decodeBlosclz(dst, src)
		if n < 0 || n > len(dst) || err == nil && n == 0 && len(src) > 1 {
			t.Fatalf("%d bytes, %v", n, err)
		}
	})
}
