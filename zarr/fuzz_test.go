package zarr

import (
	"strings"
	"testing"

	"gokerchunk/refs"
)

// FuzzDecodeChunk feeds arbitrary stored bytes to several pipelines: each
// must decode to exactly one chunk or fail, never panic or over-allocate.
func FuzzDecodeChunk(f *testing.F) {
	pipelines := []fixture{
		{shape: []int64{5, 3}, chunks: []int64{4, 3}, dtype: "<f4",
			filters:    []refs.Codec{{"id": "shuffle", "elementsize": 4}, {"id": "fletcher32"}},
			compressor: refs.Codec{"id": "zlib", "level": 1}},
		// No compressor, so random input reaches the filters.
		{shape: []int64{6}, chunks: []int64{6}, dtype: ">i2",
			filters: []refs.Codec{{"id": "fletcher32"}, {"id": "shuffle", "elementsize": 2}}},
		{shape: []int64{7}, chunks: []int64{8}, dtype: "|u1",
			compressor: refs.Codec{"id": "gzip", "level": 1}},
	}
	var arrays []*Array
	for k, p := range pipelines {
		b := p.build(f, uint64(k))
		a, err := b.store.Array("v")
		if err != nil {
			f.Fatal(err)
		}
		arrays = append(arrays, a)
		for i := range a.NumChunks() {
			if ref, ok := b.set.Arrays["v"].Chunk(i); ok {
				f.Add(ref.Data)
			}
		}
	}
	// Chunks numcodecs compressed with Blosc (every compressor and
	// shuffle) and LZ4, read as arrays of their own.
	for _, id := range []string{"blosc", "lz4"} {
		for _, v := range numcodecsVectors(f, id) {
			if len(v.raw)%4 == 0 && (id == "lz4" || strings.Contains(v.name, "/f4x512/")) {
				arrays = append(arrays, vectorArray(f, refs.Codec{"id": id}, nil, v))
			}
			f.Add(v.encoded)
		}
	}
	f.Add([]byte{})
	f.Add([]byte{0x78, 0x9c, 0x03, 0x00})
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, a := range arrays {
			out, err := a.DecodeChunk(raw)
			if err == nil && len(out) != a.ChunkBytes() {
				t.Fatalf("%v: %d bytes without an error, want %d", a.Meta.Filters, len(out), a.ChunkBytes())
			}
		}
	})
}
