package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestBloscRoundTrip decodes containers of shapes the golden vectors do
// not reach: odd type sizes, split and unsplit blocks, stored splits.
func TestBloscRoundTrip(t *testing.T) {
	for _, typesize := range []int{1, 2, 3, 4, 8, 16, 17} {
		for _, shuffle := range []byte{0, bloscDoShuffle, bloscDoBitshuffle} {
			for _, o := range []bloscOptions{
				{blocksize: 64 * typesize * 8},
				{blocksize: 1000},
				{blocksize: 3 * typesize, dontSplit: true},
				{blocksize: 4096, stored: true},
			} {
				o.typesize, o.shuffle = typesize, shuffle
				for _, n := range []int{1, typesize * 8, 5000, 5003} {
					data := signal(n, uint64(n*typesize))
					name := fmt.Sprintf("%+v/%d", o, n)
					got, err := Blosc(nil, bloscEncode(t, data, o), n)
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("%s: %d bytes, %v", name, len(got), err)
					}
				}
			}
		}
	}
}

func TestBloscErrors(t *testing.T) {
	data := signal(4096, 5)
	good := bloscEncode(t, data, bloscOptions{typesize: 4, blocksize: 1024, shuffle: bloscDoShuffle})
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	put32 := func(off int, v uint32) []byte {
		return edit(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b })
	}
	set := func(off int, v byte) []byte { return edit(func(b []byte) []byte { b[off] = v; return b }) }
	firstSplit := int(binary.LittleEndian.Uint32(good[16:]))
	memcpyed := append([]byte{2, 1, bloscMemcpyed, 1, 4, 0, 0, 0, 4, 0, 0, 0, 20, 0, 0, 0}, "abcd"...)

	tests := []struct {
		name        string
		src         []byte
		limit       int
		wantErr     string
		unsupported bool
	}{
		{name: "short header", src: good[:15], limit: 4096, wantErr: "cannot hold the 16-byte header"},
		{name: "format version 1", src: set(0, 1), limit: 4096, wantErr: "format version 1", unsupported: true},
		{name: "future flag", src: set(2, good[2]|0x08), limit: 4096, wantErr: "flag 0x08", unsupported: true},
		{name: "snappy", src: set(2, good[2]&0x1f|bloscSnappy<<5), limit: 4096, wantErr: "snappy", unsupported: true},
		{name: "compressor 6", src: set(2, good[2]&0x1f|6<<5), limit: 4096, wantErr: "compressor format 6", unsupported: true},
		{name: "cbytes past the buffer", src: good[:len(good)-1], limit: 4096, wantErr: "header gives a size of"},
		{name: "cbytes under the header", src: put32(12, 3), limit: 4096, wantErr: "header gives a size of 3"},
		{name: "over the limit", src: good, limit: 4095, wantErr: "decoded size 4096 is more than 4095"},
		{name: "typesize 0", src: set(3, 0), limit: 4096, wantErr: "type size 0"},
		{name: "block size 0", src: put32(8, 0), limit: 4096, wantErr: "block size 0"},
		{name: "block larger than the buffer", src: put32(8, 4097), limit: 1 << 20, wantErr: "block size 4097"},
		{name: "offsets do not fit", src: put32(8, 1), limit: 4096, wantErr: "4096 block offsets do not fit"},
		{name: "block start outside", src: put32(16, uint32(len(good))), limit: 4096, wantErr: "block 0"},
		{name: "negative block start", src: put32(16, 0xffffffff), limit: 4096, wantErr: "split 0 starts outside"},
		{name: "negative split size", src: put32(firstSplit, 0x80000000), limit: 4096, wantErr: "split 0 of -2147483648 bytes"},
		{name: "split past the end", src: put32(firstSplit, uint32(len(good))), limit: 4096, wantErr: "runs past"},
		{name: "corrupt split", src: set(firstSplit+4, 0xff), limit: 4096, wantErr: "block 0"},
		{name: "memcpyed with type size 0", src: append([]byte{2, 1, bloscMemcpyed, 0}, memcpyed[4:]...), limit: 4096, wantErr: "type size 0"},
		{name: "memcpyed size mismatch", src: memcpyed[:19], limit: 4096, wantErr: "header gives a size of 20"},
		{name: "memcpyed with a wrong cbytes", src: append(bytes.Clone(memcpyed[:12]), 19, 0, 0, 0, 'a', 'b', 'c'), limit: 4096, wantErr: "a copied buffer of 4 bytes in a 19-byte container"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Blosc(nil, tt.src, tt.limit)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %d bytes, %v; want an error containing %q", len(got), err, tt.wantErr)
			}
			var ue *UnsupportedError
			var fe *FormatError
			if tt.unsupported != errors.As(err, &ue) || !tt.unsupported && !errors.As(err, &fe) {
				t.Fatalf("%T: want unsupported %v", err, tt.unsupported)
			}
		})
	}

	// Trailing bytes after cbytes are not Blosc's and are ignored.
	if got, err := Blosc(nil, append(bytes.Clone(good), 1, 2, 3), 4096); err != nil || !bytes.Equal(got, data) {
		t.Errorf("trailing bytes: %v", err)
	}
	if got, err := Blosc(nil, memcpyed, 4); err != nil || string(got) != "abcd" {
		t.Errorf("memcpyed: %q, %v", got, err)
	}
	empty := []byte{2, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0}
	if got, err := Blosc(nil, empty, 0); err != nil || len(got) != 0 {
		t.Errorf("empty: %q, %v", got, err)
	}
	// An error in a nested stream says where it is and keeps the cause.
	_, err := Blosc(nil, set(firstSplit+4, 0xff), 4096)
	if !strings.Contains(err.Error(), "blosc: block 0 at byte 16: blosc: split 0 at byte") {
		t.Errorf("nested error: %v", err)
	}
}

func FuzzBlosc(f *testing.F) {
	vs, _ := vectorsOf("blosc")
	for _, v := range vs {
		f.Add(v.Encoded, uint16(0))
	}
	f.Fuzz(func(t *testing.T, src []byte, limit uint16) {
		out, err := Blosc(nil, src, int(limit))
		if err == nil && (len(out) > int(limit) || overlaps(out, src)) {
			t.Fatalf("%d bytes, limit %d", len(out), limit)
		}
		// As data, the input round-trips through the test encoder.
		if len(src) > 0 {
			ts := int(limit%20) + 1
			o := bloscOptions{typesize: ts, blocksize: max(len(src)/3, 1), shuffle: [...]byte{0, bloscDoShuffle, bloscDoBitshuffle}[limit>>5%3], dontSplit: limit&0x100 != 0}
			got, err := Blosc(nil, bloscEncode(t, src, o), len(src))
			if err != nil || !bytes.Equal(got, src) {
				t.Fatalf("round trip %+v: %v", o, err)
			}
		}
	})
}

func BenchmarkBlosc(b *testing.B) {
	const n = 1 << 20
	data := signal(n, 4)
	for _, bc := range []struct {
		name string
		src  []byte
	}{
		{"lz4/shuffle", bloscEncode(b, data, bloscOptions{typesize: 4, blocksize: 256 << 10, shuffle: bloscDoShuffle})},
		{"lz4/bitshuffle", bloscEncode(b, data, bloscOptions{typesize: 4, blocksize: 256 << 10, shuffle: bloscDoBitshuffle})},
		{"lz4/noshuffle", bloscEncode(b, data, bloscOptions{typesize: 4, blocksize: 256 << 10})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]byte, n)
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Blosc(dst, bc.src, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// The golden vectors' largest buffers, to compare the compressors.
	vs, raws := vectorsOf("blosc")
	for i, v := range vs {
		if len(raws[i]) < 60000 {
			continue
		}
		b.Run(v.Name, func(b *testing.B) {
			dst := make([]byte, len(raws[i]))
			b.SetBytes(int64(len(raws[i])))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Blosc(dst, v.Encoded, len(dst)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
