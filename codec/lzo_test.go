package codec

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"slices"
	"sync"
	"testing"
)

// lzoVector is one stream of testdata/lzo.json.gz, written by liblzo2's
// compressors (see testdata/gen_lzo.py), and the bytes it decodes to.
type lzoVector struct {
	Name    string
	Format  string // "lzo1x" or "pytables-lzo"
	Encoded []byte
	Decoded []byte
}

var loadLZOVectors = sync.OnceValue(func() []lzoVector { return readVectors[lzoVector]("testdata/lzo.json.gz") })

func decodeLZOVector(v lzoVector, dst, src []byte, limit int) ([]byte, error) {
	if v.Format == "pytables-lzo" {
		return PyTablesLZO(dst, src, limit)
	}
	return LZO1X(dst, src, limit)
}

func TestLZOVectors(t *testing.T) {
	vectors := loadLZOVectors()
	// The generator's cases that must be there, so that a change to it
	// cannot quietly drop one.
	for _, name := range []string{
		"empty/lzo1x_1", "empty/pytables", "1byte/lzo1x_999", "random_5000/lzo1x_1", "zeros_100000/lzo1x_999",
		"distance_49000/lzo1x_999", "distance_2500/lzo1x_1", "short_repeats/lzo1x_1", "smooth_f8/pytables",
	} {
		found := false
		for _, v := range vectors {
			found = found || v.Name == name
		}
		if !found {
			t.Errorf("no vector %s", name)
		}
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			got, err := decodeLZOVector(v, nil, v.Encoded, len(v.Decoded))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, v.Decoded) {
				t.Fatalf("decoded %d bytes differ from the %d raw bytes (first difference at %d)", len(got), len(v.Decoded), firstDiff(got, v.Decoded))
			}
			if overlaps(got, v.Encoded) {
				t.Fatal("result shares storage with the input")
			}
			dst := make([]byte, 3, len(v.Decoded)+10)
			got, err = decodeLZOVector(v, dst, v.Encoded, len(v.Decoded))
			if err != nil || !bytes.Equal(got, v.Decoded) {
				t.Fatalf("into a buffer: %d bytes, %v", len(got), err)
			}
			if len(v.Decoded) > 0 && &got[0] != &dst[:1][0] {
				t.Error("a large enough dst was not used")
			}
			if len(v.Decoded) > 0 {
				if got, err := decodeLZOVector(v, nil, v.Encoded, len(v.Decoded)-1); err == nil {
					t.Errorf("limit %d: got %d bytes without an error", len(v.Decoded)-1, len(got))
				}
			}
			// Every truncation fails (a stream ends only at its end marker,
			// and the trailer's length and checksum cover the rest), but
			// for the stream without its trailer, which old PyTables files
			// hold.
			for n := range len(v.Encoded) {
				if n > 64 && n%97 != 0 && n != len(v.Encoded)-1 || v.Format == "pytables-lzo" && n == len(v.Encoded)-8 {
					continue
				}
				if got, err := decodeLZOVector(v, nil, v.Encoded[:n:n], len(v.Decoded)); err == nil {
					t.Fatalf("truncated to %d bytes: %d bytes without an error", n, len(got))
				}
			}
			// A flipped bit gives an error or other bytes (or the same
			// bytes, when it changes the distance of a match to a copy of
			// what it copied); with the PyTables trailer never other
			// bytes: its Adler-32 catches them.
			for i := 0; i < len(v.Encoded); i += 1 + len(v.Encoded)/200 {
				for _, bit := range []byte{0x01, 0x10, 0x80} {
					bad := bytes.Clone(v.Encoded)
					bad[i] ^= bit
					got, err := decodeLZOVector(v, nil, bad, len(v.Decoded))
					if v.Format == "pytables-lzo" && err == nil && !bytes.Equal(got, v.Decoded) {
						t.Fatalf("byte %d bit %#x flipped: decodes without an error to other bytes", i, bit)
					}
					if err == nil && len(got) > len(v.Decoded) {
						t.Fatalf("byte %d bit %#x flipped: %d bytes over the limit", i, bit, len(got))
					}
				}
			}
		})
	}
}

func TestLZO1X(t *testing.T) {
	runDecodeCases(t, LZO1X, []decodeCase{
		{name: "end marker only", src: []byte{0x11, 0, 0}, limit: 10, want: []byte{}},
		// First byte 17+3: three literals, then a 2-byte match 1 back
		// (state 3: 0000DDSS with D=0, H=0) and the end.
		{name: "short match after literals", src: []byte{20, 'a', 'b', 'c', 0, 0, 0x11, 0, 0}, limit: 10, want: []byte("abccc")},
		// A long literal run: 0000LLLL with L=0, one zero byte, then 1:
		// 3+15+255+1 = 274 literals.
		{name: "extended literal run", src: append(append([]byte{0, 0, 1}, bytes.Repeat([]byte{'z'}, 274)...), 0x11, 0, 0), limit: 274, want: bytes.Repeat([]byte{'z'}, 274)},
		// 4 literals, then 001LLLLL with L=3: 5 bytes from 4 back.
		{name: "match within 16 KiB", src: []byte{21, 'a', 'b', 'c', 'd', 0x23, 3 << 2, 0, 0x11, 0, 0}, limit: 20, want: []byte("abcdabcda")},
		{name: "empty", src: nil, limit: 10, wantErr: "empty stream"},
		{name: "no end marker", src: []byte{20, 'a', 'b', 'c'}, limit: 10, wantErr: "without an end marker"},
		{name: "bytes after the end", src: []byte{0x11, 0, 0, 7}, limit: 10, wantErr: "1 bytes after the end marker"},
		{name: "literals past the end", src: []byte{30, 'a'}, limit: 100, wantErr: "run past the end"},
		{name: "literals over the limit", src: []byte{21, 'a', 'b', 'c', 'd', 0x11, 0, 0}, limit: 3, wantErr: "more than 3 bytes"},
		{name: "match before the start", src: []byte{18, 'a', 0x40, 9, 0x11, 0, 0}, limit: 10, wantErr: "match 73 bytes behind the 1 decoded"},
		{name: "far match in an empty window", src: []byte{0x11, 4, 0}, limit: 10, wantErr: "behind the 0 decoded"},
		{name: "truncated match", src: []byte{21, 'a', 'b', 'c', 'd', 0x23, 3}, limit: 10, wantErr: "truncated match"},
		{name: "truncated length", src: []byte{0, 0, 0}, limit: 1000, wantErr: "truncated length"},
		{name: "zero run over the limit", src: append([]byte{0}, make([]byte, 100)...), limit: 1000, wantErr: "more than 1000 bytes"},
	})
}

func TestPyTablesLZOTrailer(t *testing.T) {
	stream := []byte{21, 'a', 'b', 'c', 'd', 0x23, 3 << 2, 0, 0x11, 0, 0}
	want := []byte("abcdabcda")
	trailer := func(sum uint32, n uint32) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(bytes.Clone(stream), sum), n)
	}
	sum := adler32.Checksum(want)
	runDecodeCases(t, PyTablesLZO, []decodeCase{
		{name: "with trailer", src: trailer(sum, uint32(len(want))), limit: 100, want: want},
		{name: "without trailer (PyTables' own Tables_lzo*.h5)", src: stream, limit: 100, want: want},
		{name: "wrong checksum", src: trailer(sum^1, uint32(len(want))), limit: 100, wantErr: "Adler-32"},
		{name: "wrong length", src: trailer(sum, uint32(len(want)-1)), limit: 100, wantErr: "more than 8 bytes"},
		{name: "length over the limit", src: trailer(sum, 1000), limit: 100, wantErr: "after the end marker"},
	})
}

func FuzzLZO(f *testing.F) {
	for _, v := range loadLZOVectors() {
		if len(v.Encoded) < 4096 {
			f.Add(v.Encoded)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, limit := range []int{0, 100, 1 << 16} {
			out, err := LZO1X(nil, src, limit)
			if err == nil && (len(out) > limit || len(out) > len(src)*lzoMaxExpansion || overlaps(out, src)) {
				t.Fatalf("%d bytes from %d, limit %d", len(out), len(src), limit)
			}
			out, err = PyTablesLZO(nil, src, limit)
			if err == nil && (len(out) > limit || len(out) > len(src)*lzoMaxExpansion || overlaps(out, src)) {
				t.Fatalf("PyTables: %d bytes from %d, limit %d", len(out), len(src), limit)
			}
		}
	})
}

// BenchmarkLZO decodes liblzo2's streams of compressible data (what
// PyTables chunks hold) and of random bytes (literal runs).
func BenchmarkLZO(b *testing.B) {
	for _, name := range []string{"smooth_f8/lzo1x_1", "smooth_f8/lzo1x_999", "repeated_i4/lzo1x_1", "zeros_100000/lzo1x_1", "random_5000/lzo1x_1", "near_far_mix/lzo1x_1"} {
		vectors := loadLZOVectors()
		i := slices.IndexFunc(vectors, func(v lzoVector) bool { return v.Name == name })
		if i < 0 {
			b.Fatalf("no vector %s", name)
		}
		v := vectors[i]
		b.Run(name, func(b *testing.B) {
			dst := make([]byte, len(v.Decoded))
			b.SetBytes(int64(len(v.Decoded)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := LZO1X(dst, v.Encoded, len(dst)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
