package zarrcheck

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// newOpener returns an opener that is closed when the test ends.
func newOpener(t *testing.T) *blob.Opener {
	t.Helper()
	o := blob.NewOpener()
	t.Cleanup(func() {
		if err := o.Close(); err != nil {
			t.Error(err)
		}
	})
	return o
}

// addArray adds an uncompressed array to set whose chunks are inline
// slices of values (the whole array in C order, encoded as dtype says).
// Edge chunks are padded with zeros to full size, as Zarr v2 stores them.
// The array has no fill value and dimensions named dim_0, dim_1, ... (see
// setDims), as the scanner writes a variable without _FillValue.
func addArray(t *testing.T, set *refs.Set, path, dtype string, shape, chunks []int64, values []byte) {
	t.Helper()
	z := &refs.ZArray{
		ZarrFormat: 2, Shape: shape, Chunks: chunks, Order: "C",
		DType: json.RawMessage(fmt.Sprintf("%q", dtype)), FillValue: json.RawMessage("null"),
	}
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	refstest.PutDoc(t, set, refs.MetaKey(path, ".zarray"), doc)
	setDims(t, set, path, phonyDims(len(shape)))
	m := refs.NewManifest(z.Grid())
	set.Arrays[path].Manifest = m
	size := int64(len(values))
	for _, d := range shape {
		if d == 0 {
			return
		}
		size /= d
	}
	perChunk := size
	for _, c := range chunks {
		perChunk *= c
	}
	for i := range m.Len() {
		chunk := make([]byte, perChunk)
		origin := m.Coords(i)
		for e := int64(0); e < perChunk/size; e++ {
			// e's coordinates inside the chunk, then in the array.
			rem, global, inside := e, int64(0), true
			within := make([]int64, len(chunks))
			for d := len(chunks) - 1; d >= 0; d-- {
				within[d] = rem % chunks[d]
				rem /= chunks[d]
			}
			for d := range chunks {
				g := int64(origin[d])*chunks[d] + within[d]
				inside = inside && g < shape[d]
				global = global*shape[d] + g
			}
			if inside {
				copy(chunk[e*size:(e+1)*size], values[global*size:(global+1)*size])
			}
		}
		m.SetInline(i, chunk)
	}
}

// addStringArray adds an object array of vlen-utf8 strings to set, with
// inline chunks cut from vals (C order); edge chunks are padded with "" as
// zarr-python pads them.
func addStringArray(t *testing.T, set *refs.Set, path string, shape, chunks []int64, vals []string) {
	t.Helper()
	z := &refs.ZArray{
		ZarrFormat: 2, Shape: shape, Chunks: chunks, Order: "C",
		DType: json.RawMessage(`"|O"`), FillValue: json.RawMessage("null"),
		Filters: []refs.Codec{{"id": "vlen-utf8"}},
	}
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	refstest.PutDoc(t, set, refs.MetaKey(path, ".zarray"), doc)
	setDims(t, set, path, phonyDims(len(shape)))
	m := refs.NewManifest(z.Grid())
	set.Arrays[path].Manifest = m
	for i := range m.Len() {
		origin := m.Coords(i)
		var items []string
		eachIndex(chunks, func(within []int64) {
			global, inside := int64(0), true
			for d := range chunks {
				g := int64(origin[d])*chunks[d] + within[d]
				inside = inside && g < shape[d]
				global = global*shape[d] + g
			}
			if inside {
				items = append(items, vals[global])
			} else {
				items = append(items, "")
			}
		})
		enc := binary.LittleEndian.AppendUint32(nil, uint32(len(items)))
		for _, s := range items {
			enc = binary.LittleEndian.AppendUint32(enc, uint32(len(s)))
			enc = append(enc, s...)
		}
		m.SetInline(i, enc)
	}
}

// phonyDims names n dimensions dim_0, dim_1, ...
func phonyDims(n int) []string {
	dims := make([]string, n)
	for i := range dims {
		dims[i] = fmt.Sprintf("dim_%d", i)
	}
	return dims
}

// setAttr sets attribute name of the array at path in its .zattrs to the
// JSON value.
func setAttr(t *testing.T, set *refs.Set, path, name, value string) {
	t.Helper()
	a := set.Arrays[path]
	if a.Attrs == nil {
		a.Attrs = refs.Attrs{}
	}
	a.Attrs[name] = json.RawMessage(value)
}

// setDims sets the _ARRAY_DIMENSIONS of the array at path.
func setDims(t *testing.T, set *refs.Set, path string, dims []string) {
	t.Helper()
	doc, err := json.Marshal(dims)
	if err != nil {
		t.Fatal(err)
	}
	setAttr(t, set, path, "_ARRAY_DIMENSIONS", string(doc))
}

// setFillValue sets the .zarray fill_value of the array at path (JSON).
func setFillValue(t *testing.T, set *refs.Set, path, fill string) {
	t.Helper()
	z, err := set.ZArray(path)
	if err != nil {
		t.Fatal(err)
	}
	z.FillValue = json.RawMessage(fill)
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

// memSource is a Source held in memory: values in host byte order.
type memSource struct {
	vars    []Variable
	data    map[string][]byte
	strings map[string][]string
}

// addStrings adds a variable-length string variable.
func (s *memSource) addStrings(path string, shape []int64, vals []string) {
	s.vars = append(s.vars, Variable{Path: path, Shape: shape, Type: ElemType{Kind: 'T', Name: "string"}})
	if s.strings == nil {
		s.strings = map[string][]string{}
	}
	s.strings[path] = vals
}

func (s *memSource) ReadStrings(ctx context.Context, path string) ([]string, error) {
	d, ok := s.strings[path]
	if !ok {
		return nil, fmt.Errorf("no string variable %s", path)
	}
	return append([]string(nil), d...), nil
}

func (s *memSource) add(path string, typ ElemType, shape []int64, data []byte) {
	s.vars = append(s.vars, Variable{Path: path, Shape: shape, Type: typ})
	if s.data == nil {
		s.data = map[string][]byte{}
	}
	s.data[path] = data
}

func (s *memSource) Variables(ctx context.Context) ([]Variable, error) {
	return append([]Variable(nil), s.vars...), nil
}

func (s *memSource) Read(ctx context.Context, path string, start, count []int64) ([]byte, error) {
	d, ok := s.data[path]
	if !ok {
		return nil, fmt.Errorf("no variable %s", path)
	}
	for _, v := range s.vars {
		if v.Path == path && start != nil {
			r, _, err := regionOf(v.Shape, start, count, v.Type.Size)
			if err != nil {
				return nil, err
			}
			return extractRegion(append([]byte(nil), d...), v.Shape, r, v.Type.Size), nil
		}
	}
	return append([]byte(nil), d...), nil
}

func (s *memSource) Close() error { return nil }
