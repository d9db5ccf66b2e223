package codec

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func zlibEncode(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w := zlib.NewWriter(&buf)
	w.Write(b)
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

// zstdStream compresses with the streaming writer, whose frames carry no
// content size.
func zstdStream(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstdEncode(t testing.TB, b []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	return w.EncodeAll(b, nil)
}

func TestStreams(t *testing.T) {
	data := signal(100000, 9)
	zeros := make([]byte, 1<<20)
	bz2, bz2raw := vectorsOf("bz2")
	twoStreams := append(bytes.Clone(bz2[0].Encoded), bz2[0].Encoded...)
	twoRaws := append(bytes.Clone(bz2raw[0]), bz2raw[0]...)
	type decoder func(dst, src []byte, limit int) ([]byte, error)
	tests := []struct {
		name    string
		decode  decoder
		src     []byte
		limit   int
		want    []byte
		wantErr string
	}{
		{name: "zlib", decode: Zlib, src: zlibEncode(t, data), limit: len(data), want: data},
		{name: "zlib trailing bytes ignored", decode: Zlib, src: append(zlibEncode(t, data), 1, 2, 3), limit: len(data), want: data},
		{name: "zlib over the limit", decode: Zlib, src: zlibEncode(t, data), limit: len(data) - 1, wantErr: "decodes to more than 99999 bytes"},
		{name: "zlib truncated", decode: Zlib, src: zlibEncode(t, data)[:100], limit: len(data), wantErr: "truncated stream"},
		{name: "zlib no header", decode: Zlib, src: data, limit: len(data), wantErr: "zlib: invalid header"},
		{name: "gzip", decode: Gzip, src: gzipEncode(t, data), limit: len(data), want: data},
		{name: "gzip two members", decode: Gzip, src: append(gzipEncode(t, data[:500]), gzipEncode(t, data[500:])...), limit: len(data), want: data},
		{name: "gzip given zlib", decode: Gzip, src: zlibEncode(t, data), limit: len(data), wantErr: "gzip: invalid header"},
		{name: "zstd", decode: Zstd, src: zstdEncode(t, data), limit: len(data), want: data},
		{name: "zstd without content size", decode: Zstd, src: zstdStream(t, data), limit: len(data), want: data},
		{name: "zstd two frames", decode: Zstd, src: append(zstdEncode(t, data[:500]), zstdEncode(t, data[500:])...), limit: len(data), want: data},
		{name: "zstd content size over the limit", decode: Zstd, src: zstdEncode(t, data), limit: len(data) - 1, wantErr: "decodes to more than 99999 bytes"},
		{name: "zstd bomb without content size", decode: Zstd, src: zstdStream(t, zeros), limit: 1000, wantErr: "decodes to more than 1000 bytes"},
		{name: "zstd empty", decode: Zstd, src: nil, limit: 10, wantErr: "no frame"},
		{name: "zstd garbage", decode: Zstd, src: data[:100], limit: len(data), wantErr: "zstd: corrupt stream"},
		{name: "bz2 two streams", decode: Bzip2, src: twoStreams, limit: len(twoRaws), want: twoRaws},
		{name: "bz2 empty", decode: Bzip2, src: nil, limit: 10, wantErr: "no stream"},
		{name: "bz2 garbage", decode: Bzip2, src: data[:100], limit: len(data), wantErr: "bz2: corrupt stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Twice, so the second run uses pooled state and a reused dst.
			var dst []byte
			for range 2 {
				got, err := tt.decode(dst, tt.src, tt.limit)
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
						t.Fatalf("got %d bytes, %v; want an error containing %q", len(got), err, tt.wantErr)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, tt.want) {
					t.Fatalf("got %d bytes, %v", len(got), err)
				}
				dst = got
			}
		})
	}
}

func FuzzZstd(f *testing.F) {
	vs, _ := vectorsOf("zstd")
	for _, v := range vs {
		f.Add(v.Encoded, uint16(100))
	}
	f.Fuzz(func(t *testing.T, src []byte, limit uint16) {
		out, err := Zstd(nil, src, int(limit))
		if err == nil && (len(out) > int(limit) || overlaps(out, src)) {
			t.Fatalf("%d bytes, limit %d", len(out), limit)
		}
	})
}

func BenchmarkZstd(b *testing.B) {
	data := signal(1<<20, 10)
	enc := zstdEncode(b, data)
	dst := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Zstd(dst, enc, len(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBzip2(b *testing.B) {
	vs, raws := vectorsOf("bz2")
	v, raw := vs[0], raws[0]
	dst := make([]byte, len(raw))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bzip2(dst, v.Encoded, len(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkZlib(b *testing.B) {
	data := signal(1<<20, 11)
	enc := zlibEncode(b, data)
	dst := make([]byte, len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Zlib(dst, enc, len(data)); err != nil {
			b.Fatal(err)
		}
	}
}
