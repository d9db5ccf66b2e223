package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestLZ4Block(t *testing.T) {
	abc := []byte("abcabcabcabcabcabcabcabcabcXYZ")
	long := bytes.Repeat([]byte{7}, 300)
	tests := []struct {
		name    string
		src     []byte
		size    int
		want    []byte
		wantErr string
	}{
		{name: "literals only", src: append([]byte{5 << 4}, "hello"...), size: 5, want: []byte("hello")},
		{name: "empty block", src: []byte{0}, size: 0, want: []byte{}},
		// "abc", then a match 3 back of 24 bytes (token low nibble 15, one
		// extension byte of 5: 15+4+5), then literals "XYZ".
		{name: "overlapping match", src: []byte{3<<4 | 15, 'a', 'b', 'c', 3, 0, 5, 3 << 4, 'X', 'Y', 'Z'}, size: len(abc), want: abc},
		// one literal, a run of 299 from offset 1, no final literals.
		{name: "run from offset 1", src: []byte{1<<4 | 15, 7, 1, 0, 255, 25, 0}, size: 300, want: long},
		{name: "literal length extension", src: append([]byte{15 << 4, 255, 30}, long...), size: 300, want: long},
		{name: "no token", src: nil, size: 0, wantErr: "missing sequence token"},
		{name: "literals past the end", src: []byte{5 << 4, 'a'}, size: 5, wantErr: "run past the end"},
		{name: "literal length cut", src: []byte{15 << 4, 255}, size: 300, wantErr: "truncated literal length"},
		{name: "offset cut", src: []byte{1 << 4, 'a', 1}, size: 5, wantErr: "truncated match offset"},
		{name: "offset 0", src: []byte{1 << 4, 'a', 0, 0, 0}, size: 5, wantErr: "match offset 0"},
		{name: "offset before the start", src: []byte{1 << 4, 'a', 2, 0, 0}, size: 5, wantErr: "match offset 2 outside the 1 bytes"},
		{name: "match length cut", src: []byte{1<<4 | 15, 'a', 1, 0, 255}, size: 300, wantErr: "truncated match length"},
		{name: "match longer than the output", src: []byte{1<<4 | 15, 'a', 1, 0, 0, 0}, size: 10, wantErr: "more than 10 bytes"},
		{name: "literals longer than the output", src: append([]byte{5 << 4}, "hello"...), size: 4, wantErr: "more than 4 bytes"},
		{name: "shorter than the size", src: append([]byte{5 << 4}, "hello"...), size: 6, wantErr: "decodes to 5 bytes, want 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := LZ4Block(nil, tt.src, tt.size)
			if tt.wantErr != "" {
				var fe *FormatError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want a FormatError containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestLZ4RoundTrip decodes blocks from an independent encoder.
func TestLZ4RoundTrip(t *testing.T) {
	for _, n := range []int{0, 1, 13, 100, 4096, 65536 + 17, 300000} {
		data := signal(n, uint64(n))
		got, err := LZ4Block(nil, lz4Encode(t, data), n)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: %v", n, err)
		}
		got, err = LZ4Block(nil, lz4Literals(data), n)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d bytes as literals: %v", n, err)
		}
	}
}

func TestNumcodecsLZ4(t *testing.T) {
	data := signal(1000, 1)
	enc := binary.LittleEndian.AppendUint32(nil, 1000)
	enc = append(enc, lz4Encode(t, data)...)
	if got, err := NumcodecsLZ4(nil, enc, 1000); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
	for _, tt := range []struct {
		name    string
		src     []byte
		limit   int
		wantErr string
	}{
		{"no size", enc[:3], 1000, "cannot hold the 4-byte size"},
		{"size over the limit", enc, 999, "declared size 1000 is more than 999"},
		{"size beyond int32", []byte{0xff, 0xff, 0xff, 0xff, 0}, 1000, "declared size 4294967295"},
		{"size larger than the block", append([]byte{2, 0, 0, 0}, lz4Literals([]byte{1})...), 1000, "decodes to 1 bytes, want 2"},
		// Offsets in the error are counted from the start of the buffer.
		{"corrupt block", []byte{5, 0, 0, 0, 1 << 4, 'a', 0, 0}, 1000, "match offset 0 outside the 1 bytes decoded at byte 6"},
	} {
		if _, err := NumcodecsLZ4(nil, tt.src, tt.limit); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
}

// hdf5LZ4Encode writes a chunk of HDF5 filter 32004 as H5Zlz4.c does.
func hdf5LZ4Encode(t testing.TB, data []byte, blockSize int) []byte {
	out := binary.BigEndian.AppendUint64(nil, uint64(len(data)))
	out = binary.BigEndian.AppendUint32(out, uint32(blockSize))
	for pos := 0; pos < len(data); pos += blockSize {
		block := data[pos:min(pos+blockSize, len(data))]
		enc := lz4Encode(t, block)
		if len(enc) >= len(block) {
			enc = block
		}
		out = binary.BigEndian.AppendUint32(out, uint32(len(enc)))
		out = append(out, enc...)
	}
	return out
}

func TestHDF5LZ4(t *testing.T) {
	data := append(signal(3000, 2), bytes.Repeat([]byte{0}, 1000)...)
	for _, bs := range []int{1, 100, 1024, 4000, 1 << 30} {
		enc := hdf5LZ4Encode(t, data, min(bs, len(data)))
		binary.BigEndian.PutUint32(enc[8:], uint32(bs)) // larger than the data: one block
		got, err := HDF5LZ4(nil, enc, len(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("block size %d: %d bytes, %v", bs, len(got), err)
		}
	}
	empty := make([]byte, 12)
	if got, err := HDF5LZ4(nil, empty, 10); err != nil || len(got) != 0 {
		t.Fatalf("empty chunk: %d bytes, %v", len(got), err)
	}
	enc := hdf5LZ4Encode(t, data, 1024)
	zeroBlock := bytes.Clone(enc)
	binary.BigEndian.PutUint32(zeroBlock[8:], 0)
	tooLong := bytes.Clone(enc)
	binary.BigEndian.PutUint32(tooLong[12:], 1<<31)
	for _, tt := range []struct {
		name    string
		src     []byte
		limit   int
		wantErr string
	}{
		{"short header", enc[:11], 4000, "cannot hold the 12-byte header"},
		{"size over the limit", enc, 3999, "declared size 4000 is more than 3999"},
		{"block size 0", zeroBlock, 4000, "block size 0"},
		{"block past the end", tooLong, 4000, "runs past"},
		{"missing block", enc[:len(enc)-5], 4000, ""},
	} {
		if _, err := HDF5LZ4(nil, tt.src, tt.limit); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func FuzzLZ4(f *testing.F) {
	vs, _ := vectorsOf("lz4", "hdf5-lz4")
	for _, v := range vs {
		f.Add(v.Encoded)
	}
	f.Add(lz4Literals([]byte("hello")))
	f.Fuzz(func(t *testing.T, src []byte) {
		const limit = 1 << 16
		for name, decode := range map[string]func(dst, src []byte, limit int) ([]byte, error){
			"numcodecs": NumcodecsLZ4, "hdf5": HDF5LZ4,
			"block": func(dst, src []byte, limit int) ([]byte, error) { return LZ4Block(dst, src, len(src)*3) },
		} {
			out, err := decode(nil, src, limit)
			if err == nil && (len(out) > limit || overlaps(out, src)) {
				t.Fatalf("%s: %d bytes", name, len(out))
			}
		}
		// Whatever the input, it round-trips as data.
		if got, err := LZ4Block(nil, lz4Encode(t, src), len(src)); err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip: %v", err)
		}
	})
}

func BenchmarkLZ4(b *testing.B) {
	data := signal(1<<20, 3)
	enc := lz4Encode(b, data)
	dst := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LZ4Block(dst, enc, len(data)); err != nil {
			b.Fatal(err)
		}
	}
}
