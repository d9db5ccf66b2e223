package zarr

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// numcodecsVector is a chunk numcodecs 0.11 encoded, from the codec
// package's golden vectors (codec/testdata/gen.py).
type numcodecsVector struct {
	name, id string
	encoded  []byte
	raw      []byte
}

var loadNumcodecsVectors = sync.OnceValues(func() ([]numcodecsVector, error) {
	f, err := os.Open("../codec/testdata/vectors.json.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Raw     map[string][]byte
		Vectors []struct {
			Name, Format, Raw string
			Encoded           []byte
			Unsupported       bool
		}
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		return nil, err
	}
	var out []numcodecsVector
	for _, v := range doc.Vectors {
		if !strings.HasPrefix(v.Name, "numcodecs/") || v.Unsupported {
			continue
		}
		out = append(out, numcodecsVector{name: v.Name, id: v.Format, encoded: v.Encoded, raw: doc.Raw[v.Raw]})
	}
	return out, nil
})

func numcodecsVectors(t testing.TB, id string) []numcodecsVector {
	t.Helper()
	all, err := loadNumcodecsVectors()
	if err != nil {
		t.Fatal(err)
	}
	var out []numcodecsVector
	for _, v := range all {
		if v.id == id {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s vectors", id)
	}
	return out
}

// TestNumcodecsCompressors decodes chunks numcodecs wrote with each
// compressor, through the codec registry, and reads some of them as the
// one chunk of an array.
func TestNumcodecsCompressors(t *testing.T) {
	configs := map[string]refs.Codec{
		"blosc": {"id": "blosc", "cname": "lz4", "clevel": 5.0, "shuffle": 1.0, "blocksize": 0.0},
		"zstd":  {"id": "zstd", "level": 1.0},
		"bz2":   {"id": "bz2", "level": 9.0},
		"lz4":   {"id": "lz4", "acceleration": 1.0},
	}
	for id, cfg := range configs {
		c := mustCodec(t, cfg)
		for _, v := range numcodecsVectors(t, id) {
			t.Run(v.name, func(t *testing.T) {
				got, err := c.Decode(nil, v.encoded, len(v.raw))
				if err != nil || !bytes.Equal(got, v.raw) {
					t.Fatalf("got %d bytes, %v; want %d bytes", len(got), err, len(v.raw))
				}
				if _, err := c.Decode(nil, v.encoded, len(v.raw)-1); err == nil {
					t.Error("decoded past a limit one byte short")
				}
				if _, err := c.Decode(nil, v.encoded[:len(v.encoded)/2], len(v.raw)); err == nil {
					t.Error("decoded half of the chunk without an error")
				}
				if len(v.raw)%4 == 0 {
					readOneChunk(t, cfg, v)
				}
			})
		}
	}
}

// readOneChunk reads v as the only chunk of a 1-D "<u4" array.
func readOneChunk(t *testing.T, compressor refs.Codec, v numcodecsVector) {
	t.Helper()
	got, err := vectorArray(t, compressor, nil, v).ReadChunk(context.Background(), 0)
	if err != nil || !bytes.Equal(got, v.raw) {
		t.Fatalf("ReadChunk: %d bytes, %v", len(got), err)
	}
}

// vectorArray is a 1-D "<u4" array whose one chunk is v.
func vectorArray(t testing.TB, compressor refs.Codec, filters []refs.Codec, v numcodecsVector) *Array {
	t.Helper()
	n := int64(len(v.raw) / 4)
	z := &refs.ZArray{ZarrFormat: 2, Shape: []int64{n}, Chunks: []int64{n}, DType: json.RawMessage(`"<u4"`),
		Order: "C", Compressor: compressor, Filters: filters}
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	set := refs.NewSet()
	refstest.PutDoc(t, set, ".zgroup", []byte(`{"zarr_format": 2}`))
	refstest.PutDoc(t, set, "v/.zarray", doc)
	m := refs.NewManifest(z.Grid())
	m.SetInline(0, v.encoded)
	set.Arrays["v"].Manifest = m
	o := blob.NewOpener()
	t.Cleanup(func() { o.Close() })
	a, err := Open(set, o).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNumcodecsCompressorErrors(t *testing.T) {
	for _, tt := range []struct {
		id      string
		src     []byte
		wantErr string
	}{
		{"blosc", []byte{2, 1, 0x41, 4, 0, 4, 0, 0, 0, 4, 0, 0, 16, 0, 0, 0}, "blosc: the snappy compressor is not supported"},
		{"blosc", []byte("short"), "cannot hold the 16-byte header"},
		{"zstd", []byte("not a zstd frame"), "zstd: corrupt stream"},
		{"bz2", []byte("BZh9 not bzip2"), "bz2: corrupt stream"},
		{"lz4", []byte{0, 0, 1, 0, 0x10, 'a'}, "declared size 65536 is more than"},
	} {
		_, err := mustCodec(t, refs.Codec{"id": tt.id}).Decode(nil, tt.src, 1024)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s %q: %v, want an error containing %q", tt.id, tt.src, err, tt.wantErr)
		}
	}
}

func ExampleNewCodec_blosc() {
	c, _ := NewCodec(refs.Codec{"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 2})
	// A Blosc buffer of 4 bytes stored as they are (the "memcpyed" flag).
	chunk := []byte{2, 1, 0x02, 4, 4, 0, 0, 0, 4, 0, 0, 0, 20, 0, 0, 0, 'z', 'a', 'r', 'r'}
	out, err := c.Decode(nil, chunk, 4)
	fmt.Println(string(out), err)
	// Output: zarr <nil>
}

// TestZfpy decodes what zfpy.compress_numpy (numcodecs' ZFPY.encode)
// wrote, from the codec package's zfp vectors (codec/testdata/gen_zfp.py),
// and reads 1-d ones as the one chunk of a "<u4" array: zfpy as a filter,
// as the HDF5 scanner writes it.
func TestZfpy(t *testing.T) {
	f, err := os.Open("../codec/testdata/zfp.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Vectors []struct {
			Name             string
			Encoded, Decoded []byte
		}
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	cfg := refs.Codec{"id": "zfpy", "mode": 4.0, "tolerance": -1.0, "rate": -1.0, "precision": -1.0}
	c := mustCodec(t, cfg)
	n := 0
	for _, v := range doc.Vectors {
		if !strings.HasPrefix(v.Name, "zfpy/") {
			continue
		}
		n++
		got, err := c.Decode(nil, v.Encoded, len(v.Decoded))
		if err != nil || !bytes.Equal(got, v.Decoded) {
			t.Fatalf("%s: got %d bytes, %v; want %d bytes", v.Name, len(got), err, len(v.Decoded))
		}
		if strings.HasPrefix(v.Name, "zfpy/i4_37_") {
			a := vectorArray(t, nil, []refs.Codec{cfg}, numcodecsVector{name: v.Name, id: "zfpy", encoded: v.Encoded, raw: v.Decoded})
			got, err := a.ReadChunk(context.Background(), 0)
			if err != nil || !bytes.Equal(got, v.Decoded) {
				t.Fatalf("%s: ReadChunk: %d bytes, %v", v.Name, len(got), err)
			}
		}
	}
	if n < 100 {
		t.Fatalf("%d zfpy vectors", n)
	}
}
