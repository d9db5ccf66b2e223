package zarr

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// storage is where a fixture keeps a chunk's encoded bytes.
type storage int

const (
	inline    storage = iota // in the manifest
	inFile                   // a byte range of one shared file
	wholeFile                // a file of its own, referenced as [url]
)

// fixture is a test array: metadata, random content, and how its chunks are
// encoded (with the test's own encoders) and stored.
type fixture struct {
	shape, chunks []int64
	dtype         string
	fill          string // JSON fill_value
	compressor    refs.Codec
	filters       []refs.Codec
	missing       func(i int) bool // chunks left out of the manifest
	storage       storage
}

// built is a fixture turned into a reference set.
type built struct {
	set     *refs.Set
	store   *Store
	full    []byte // the logical array, C order
	item    int
	missing map[int]bool
	fill    []byte
}

func (f fixture) zarray() *refs.ZArray {
	fill := json.RawMessage(f.fill)
	if f.fill == "" {
		fill = nil
	}
	dt, _ := json.Marshal(f.dtype)
	return &refs.ZArray{
		ZarrFormat: 2, Shape: f.shape, Chunks: f.chunks, DType: dt,
		FillValue: fill, Order: "C", Filters: f.filters, Compressor: f.compressor,
	}
}

func (f fixture) build(t testing.TB, seed uint64) *built {
	t.Helper()
	z := f.zarray()
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	dt, err := ParseDType(f.dtype)
	if err != nil {
		t.Fatal(err)
	}
	b := &built{set: refs.NewSet(), item: dt.Size, missing: map[int]bool{}}
	refstest.PutDoc(t, b.set, ".zgroup", []byte(`{"zarr_format": 2}`))
	refstest.PutDoc(t, b.set, "v/.zarray", doc)
	if b.fill, err = ParseFill(z.FillValue, dt); err != nil {
		t.Fatal(err)
	}
	n := int64(dt.Size)
	for _, s := range f.shape {
		n *= s
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	b.full = make([]byte, n)
	for i := range b.full {
		b.full[i] = byte(rng.Uint32())
	}

	m := refs.NewManifest(z.Grid())
	b.set.Arrays["v"].Manifest = m
	dir := t.TempDir()
	shared := filepath.Join(dir, "chunks.bin")
	var sharedData []byte
	for i := range m.Len() {
		if f.missing != nil && f.missing(i) {
			b.missing[i] = true
			continue
		}
		enc := f.encode(t, f.chunkBytes(b, m.Coords(i)))
		switch f.storage {
		case inline:
			m.SetInline(i, enc)
		case inFile:
			// A gap before each chunk, so offsets matter.
			sharedData = append(sharedData, "gap"...)
			m.SetRange(i, "file://"+shared, int64(len(sharedData)), int64(len(enc)))
			sharedData = append(sharedData, enc...)
		case wholeFile:
			path := filepath.Join(dir, "chunk"+string(rune('a'+i%26))+string(rune('a'+i/26)))
			if err := os.WriteFile(path, enc, 0o644); err != nil {
				t.Fatal(err)
			}
			m.SetRange(i, path, 0, -1)
		}
	}
	if err := os.WriteFile(shared, sharedData, 0o644); err != nil {
		t.Fatal(err)
	}
	o := blob.NewOpener()
	t.Cleanup(func() { o.Close() })
	b.store = Open(b.set, o)
	return b
}

// chunkBytes cuts chunk coords out of the logical array at full chunk size,
// padding the part beyond the array's edge with 0xEE as garbage a writer
// may leave there.
func (f fixture) chunkBytes(b *built, coords []int) []byte {
	n := int64(b.item)
	for _, c := range f.chunks {
		n *= c
	}
	out := make([]byte, n)
	for i := range out {
		out[i] = 0xEE
	}
	eachIndex(f.chunks, func(idx []int64) {
		src := int64(0)
		dst := int64(0)
		for d := range idx {
			x := int64(coords[d])*f.chunks[d] + idx[d]
			if x >= f.shape[d] {
				return
			}
			src = src*f.shape[d] + x
			dst = dst*f.chunks[d] + idx[d]
		}
		copy(out[dst*int64(b.item):], b.full[src*int64(b.item):(src+1)*int64(b.item)])
	})
	return out
}

// encode applies the filters in order, then the compressor.
func (f fixture) encode(t testing.TB, data []byte) []byte {
	for _, c := range f.filters {
		data = encodeWith(t, c, data)
	}
	if f.compressor != nil {
		data = encodeWith(t, f.compressor, data)
	}
	return data
}

func encodeWith(t testing.TB, c refs.Codec, data []byte) []byte {
	switch c.ID() {
	case "zlib":
		return zlibEncode(t, data)
	case "gzip":
		return gzipEncode(t, data)
	case "shuffle":
		n, _ := c.Int("elementsize")
		return shuffleEncode(data, n)
	case "fletcher32":
		return fletcher32Encode(data)
	}
	t.Fatalf("no test encoder for %s", c.ID())
	return nil
}

// eachIndex calls f with every index of shape in C order.
func eachIndex(shape []int64, f func(idx []int64)) {
	for _, s := range shape {
		if s == 0 {
			return
		}
	}
	idx := make([]int64, len(shape))
	for {
		f(idx)
		d := len(shape) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// naiveRead is the reference for Array.Read: element by element, the value
// from the logical array, or the fill value when its chunk is missing.
func (b *built) naiveRead(f fixture, start, count []int64) []byte {
	var out []byte
	grid := f.zarray().Grid()
	eachIndex(count, func(idx []int64) {
		lin, chunk := int64(0), 0
		for d := range idx {
			x := start[d] + idx[d]
			lin = lin*f.shape[d] + x
			chunk = chunk*grid[d] + int(x/f.chunks[d])
		}
		switch {
		case !b.missing[chunk]:
			out = append(out, b.full[lin*int64(b.item):(lin+1)*int64(b.item)]...)
		case b.fill != nil:
			out = append(out, b.fill...)
		default:
			out = append(out, make([]byte, b.item)...)
		}
	})
	if out == nil {
		out = []byte{}
	}
	return out
}
