package zarr

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// The encoders below are the test's own, written from the numcodecs
// definitions, so decode results are checked against an independent path.

func zlibEncode(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipEncode(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func shuffleEncode(b []byte, size int) []byte {
	out := append([]byte(nil), b...)
	if size <= 1 {
		return out
	}
	count := len(b) / size
	for e := range count {
		for k := range size {
			out[k*count+e] = b[e*size+k]
		}
	}
	return out
}

func fletcher32Encode(b []byte) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), b...), codec.Fletcher32(b))
}

func mustCodec(t testing.TB, c refs.Codec) Codec {
	t.Helper()
	codec, err := NewCodec(c)
	if err != nil {
		t.Fatal(err)
	}
	return codec
}

func TestShuffleDecode(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + 1)
		}
		return b
	}
	// From numcodecs 0.11: Shuffle(4).encode(bytes(range(12))).hex().
	numcodecsEncoded, _ := hex.DecodeString("00040801050902060a03070b")
	tests := []struct {
		name        string
		elementsize any // nil: absent, numcodecs' default 4
		src         []byte
		want        []byte
		wantErr     string
	}{
		{name: "numcodecs vector", elementsize: 4, src: numcodecsEncoded, want: seq12()},
		{name: "default size 4", src: numcodecsEncoded, want: seq12()},
		{name: "3 elements of 4 bytes", elementsize: 4, src: shuffleEncode(seq(12), 4), want: seq(12)},
		{name: "7 elements of 3 bytes", elementsize: 3, src: shuffleEncode(seq(21), 3), want: seq(21)},
		{name: "one 8-byte element", elementsize: 8.0, src: seq(8), want: seq(8)},
		{name: "size 1 copies", elementsize: 1, src: seq(7), want: seq(7)},
		{name: "size 0 copies", elementsize: 0, src: seq(7), want: seq(7)},
		{name: "empty", elementsize: 2, src: nil, want: []byte{}},
		{name: "odd length", elementsize: 2, src: seq(7), wantErr: "7 bytes are not a whole number of 2-byte elements"},
		{name: "tail after elements", elementsize: 4, src: seq(14), wantErr: "not a whole number"},
		{name: "over the limit", elementsize: 4, src: seq(2048), wantErr: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := refs.Codec{"id": "shuffle"}
			if tt.elementsize != nil {
				cfg["elementsize"] = tt.elementsize
			}
			got, err := mustCodec(t, cfg).Decode(nil, tt.src, 1024)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %x, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("got %x, %v; want %x", got, err, tt.want)
			}
			if len(tt.src) > 0 && &got[0] == &tt.src[0] {
				t.Fatal("result shares storage with src")
			}
		})
	}
	if _, err := NewCodec(refs.Codec{"id": "shuffle", "elementsize": "4"}); err == nil {
		t.Error("a string elementsize was accepted")
	}
}

func seq12() []byte {
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func TestFletcher32(t *testing.T) {
	ramp := make([]byte, 2001)
	for i := range ramp {
		ramp[i] = byte(i * 7)
	}
	c := mustCodec(t, refs.Codec{"id": "fletcher32"})
	for _, data := range [][]byte{[]byte("abcde"), ramp, nil} {
		got, err := c.Decode(nil, fletcher32Encode(data), 4096)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Decode = %x, %v", got, err)
		}
	}
	// The checksum HDF5 1.12 wrote for ramp (h5py 3.7, fletcher32=True,
	// read back with read_direct_chunk).
	bad := fletcher32Encode(ramp)
	bad[100] ^= 1
	_, err := c.Decode(nil, bad, 4096)
	var ce *ChecksumError
	if !errors.As(err, &ce) || ce.Stored != 0xa2750bb1 {
		t.Fatalf("corrupt data: %v, want a ChecksumError", err)
	}
	if _, err := c.Decode(nil, []byte{1, 2, 3}, 4096); err == nil || !strings.Contains(err.Error(), "4-byte checksum") {
		t.Fatalf("3 bytes: %v", err)
	}
	if _, err := c.Decode(nil, fletcher32Encode(ramp), 2000); err == nil || !strings.Contains(err.Error(), "more than the 2000") {
		t.Fatalf("over the limit: %v", err)
	}
}

func TestZlibAndGzipDecode(t *testing.T) {
	data := bytes.Repeat([]byte("zarr chunk "), 100) // 1100 bytes
	enc := zlibEncode(t, data)
	flipped := append([]byte(nil), enc...)
	flipped[len(flipped)/2] ^= 0xff
	badSum := append([]byte(nil), enc...)
	badSum[len(badSum)-1] ^= 1
	tests := []struct {
		name    string
		id      string
		src     []byte
		limit   int
		wantErr string
	}{
		{name: "zlib", id: "zlib", src: enc, limit: 1100},
		{name: "zlib trailing bytes ignored", id: "zlib", src: append(append([]byte(nil), enc...), 1, 2, 3), limit: 1100},
		{name: "gzip", id: "gzip", src: gzipEncode(t, data), limit: 1100},
		{name: "gzip two members", id: "gzip", src: append(gzipEncode(t, data[:500]), gzipEncode(t, data[500:])...), limit: 1100},
		{name: "zlib over limit", id: "zlib", src: enc, limit: 1099, wantErr: "more than 1099 bytes"},
		{name: "gzip over limit", id: "gzip", src: gzipEncode(t, data), limit: 10, wantErr: "more than 10 bytes"},
		{name: "zlib truncated", id: "zlib", src: enc[:len(enc)-6], limit: 1100, wantErr: "EOF"},
		{name: "zlib no header", id: "zlib", src: data, limit: 1100, wantErr: "zlib"},
		{name: "zlib corrupt", id: "zlib", src: flipped, limit: 1100, wantErr: "flate"},
		{name: "zlib bad checksum", id: "zlib", src: badSum, limit: 1100, wantErr: "checksum"},
		{name: "zlib empty", id: "zlib", src: nil, limit: 1100, wantErr: "EOF"},
		{name: "gzip given zlib", id: "gzip", src: enc, limit: 1100, wantErr: "gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Twice, so the second run uses a pooled inflater and a reused dst.
			var dst []byte
			for range 2 {
				got, err := mustCodec(t, refs.Codec{"id": tt.id, "level": 4.0}).Decode(dst, tt.src, tt.limit)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("got %d bytes, %v; want error containing %q", len(got), err, tt.wantErr)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				dst = got
			}
		})
	}
}

func TestNewCodecErrors(t *testing.T) {
	_, err := NewCodec(refs.Codec{"id": "lzma", "preset": 6})
	var ue *UnsupportedCodecError
	if !errors.As(err, &ue) || ue.ID != "lzma" || !strings.Contains(err.Error(), `"lzma"`) {
		t.Fatalf("lzma: %v", err)
	}
	if _, err := NewCodec(refs.Codec{"level": 1.0}); err == nil || !strings.Contains(err.Error(), "no id") {
		t.Fatalf("no id: %v", err)
	}
	want := []string{"blosc", "bz2", "fletcher32", "gzip", "lz4", "shuffle", "vlen-utf8", "zfpy", "zlib", "zstd"}
	if got := CodecIDs(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("CodecIDs() = %v, want %v", got, want)
	}
}
