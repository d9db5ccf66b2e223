package combine

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// The tests build their inputs in memory: testInput describes one
// reference set, testArray one of its arrays. Coordinates and other arrays
// combine reads are stored inline, so no test needs files (Options.Opener
// stays nil).

// testArray describes one array of a test input.
type testArray struct {
	dims          []string
	shape, chunks []int64 // chunks nil: one chunk holding the whole array
	dtype         string  // "" is "<f8"
	fill          string  // the .zarray fill_value as JSON; "" is null
	attrs         map[string]any
	compressor    refs.Codec
	filters       []refs.Codec
	// values, when not nil, are the elements in C order, stored inline
	// chunk by chunk; edge chunks are padded with zeros as Zarr stores
	// them.
	values []float64
	// strings, when not nil, are the elements of a "|O" array stored
	// inline as numcodecs VLenUTF8 (one chunk).
	strings []string
	// ref, when values and strings are nil, gives chunk i's reference: a
	// range of a URL, inline Data, or the zero Ref for a missing chunk.
	// nil leaves every chunk missing.
	ref func(i int) refs.Ref
}

// testInput describes one input reference set.
type testInput struct {
	name   string
	attrs  map[string]any            // global attributes
	groups map[string]map[string]any // group path: its attributes
	arrays map[string]testArray
	extra  map[string]refs.Ref
}

// build makes the input's refs.Set.
func (ti testInput) build(t testing.TB) Input {
	t.Helper()
	s := refs.NewSet()
	refstest.PutDoc(t, s, ".zgroup", []byte(`{"zarr_format": 2}`))
	refstest.PutDoc(t, s, ".zattrs", mustJSON(t, orEmpty(ti.attrs)))
	for g, attrs := range ti.groups {
		refstest.PutDoc(t, s, refs.MetaKey(g, ".zgroup"), []byte(`{"zarr_format": 2}`))
		refstest.PutDoc(t, s, refs.MetaKey(g, ".zattrs"), mustJSON(t, orEmpty(attrs)))
	}
	for path, a := range ti.arrays {
		z := a.zarray()
		doc, err := z.Marshal()
		if err != nil {
			t.Fatalf("%s %s: %v", ti.name, path, err)
		}
		refstest.PutDoc(t, s, refs.MetaKey(path, ".zarray"), doc)
		attrs := map[string]any{}
		for k, v := range a.attrs {
			attrs[k] = v
		}
		if a.dims != nil {
			attrs["_ARRAY_DIMENSIONS"] = a.dims
		}
		refstest.PutDoc(t, s, refs.MetaKey(path, ".zattrs"), mustJSON(t, attrs))
		m := refs.NewManifest(z.Grid())
		switch {
		case a.values != nil:
			for i := range m.Len() {
				m.SetInline(i, encodeChunk(t, z, a.values, i))
			}
		case a.strings != nil:
			data := binary.LittleEndian.AppendUint32(nil, uint32(len(a.strings)))
			for _, v := range a.strings {
				data = binary.LittleEndian.AppendUint32(data, uint32(len(v)))
				data = append(data, v...)
			}
			m.SetInline(0, data)
		case a.ref != nil:
			for i := range m.Len() {
				switch r := a.ref(i); {
				case r.URL != "":
					m.SetRange(i, r.URL, r.Offset, r.Length)
				case r.Data != nil:
					m.SetInline(i, r.Data)
				}
			}
		}
		s.Arrays[path].Manifest = m
	}
	for k, v := range ti.extra {
		s.Extra[k] = v
	}
	return Input{Name: ti.name, Set: s}
}

func (a testArray) zarray() *refs.ZArray {
	z := &refs.ZArray{ZarrFormat: 2, Shape: a.shape, Chunks: a.chunks, Order: "C",
		DType: json.RawMessage(strconv.Quote(cmp.Or(a.dtype, "<f8"))), FillValue: json.RawMessage(cmp.Or(a.fill, "null")),
		Compressor: a.compressor, Filters: a.filters}
	if a.strings != nil {
		z.DType = json.RawMessage(`"|O"`)
		z.Filters = []refs.Codec{{"id": "vlen-utf8"}}
	}
	if z.Chunks == nil {
		z.Chunks = make([]int64, len(a.shape))
		for d, n := range a.shape {
			z.Chunks[d] = max(n, 1)
		}
	}
	return z
}

// encodeChunk encodes chunk i of an array whose elements are vals.
func encodeChunk(t testing.TB, z *refs.ZArray, vals []float64, i int) []byte {
	t.Helper()
	var dtype string
	if err := json.Unmarshal(z.DType, &dtype); err != nil {
		t.Fatal(err)
	}
	grid := z.Grid()
	chunkCoords := gridCoords(grid, i)
	var out []byte
	elem := make([]int64, len(z.Chunks))
	n := int64(1)
	for _, c := range z.Chunks {
		n *= c
	}
	for e := range n {
		// e's position inside the chunk, then in the array.
		rest, inside, lin := e, true, int64(0)
		for d := len(z.Chunks) - 1; d >= 0; d-- {
			elem[d] = rest % z.Chunks[d]
			rest /= z.Chunks[d]
		}
		for d := range elem {
			g := int64(chunkCoords[d])*z.Chunks[d] + elem[d]
			inside = inside && g < z.Shape[d]
			lin = lin*z.Shape[d] + g
		}
		v := 0.0
		if inside {
			v = vals[lin]
		}
		out = append(out, encodeElem(t, dtype, v)...)
	}
	return out
}

// encodeElem encodes one number as a numpy type string says.
func encodeElem(t testing.TB, dtype string, v float64) []byte {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if dtype[0] == '>' {
		order = binary.BigEndian
	}
	size, err := strconv.Atoi(dtype[2:])
	if err != nil {
		t.Fatalf("dtype %q", dtype)
	}
	b := make([]byte, size)
	switch kind := dtype[1]; {
	case kind == 'f' && size == 8:
		order.PutUint64(b, math.Float64bits(v))
	case kind == 'f' && size == 4:
		order.PutUint32(b, math.Float32bits(float32(v)))
	case kind == 'i' || kind == 'u':
		n := uint64(int64(v))
		switch size {
		case 1:
			b[0] = byte(n)
		case 2:
			order.PutUint16(b, uint16(n))
		case 4:
			order.PutUint32(b, uint32(n))
		case 8:
			order.PutUint64(b, n)
		}
	default:
		t.Fatalf("dtype %q not supported by the test encoder", dtype)
	}
	return b
}

// decodeElems decodes little- or big-endian numbers of a numpy type
// string, independently of the package's decodeNumbers.
func decodeElems(t testing.TB, dtype string, raw []byte) []float64 {
	t.Helper()
	var order binary.ByteOrder = binary.LittleEndian
	if dtype[0] == '>' {
		order = binary.BigEndian
	}
	size, err := strconv.Atoi(dtype[2:])
	if err != nil || len(raw)%size != 0 {
		t.Fatalf("dtype %q, %d bytes", dtype, len(raw))
	}
	out := make([]float64, len(raw)/size)
	for i := range out {
		b := raw[i*size : (i+1)*size]
		switch {
		case dtype[1:] == "f8":
			out[i] = math.Float64frombits(order.Uint64(b))
		case dtype[1:] == "f4":
			out[i] = float64(math.Float32frombits(order.Uint32(b)))
		case dtype[1:] == "i2":
			out[i] = float64(int16(order.Uint16(b)))
		case dtype[1:] == "i4":
			out[i] = float64(int32(order.Uint32(b)))
		case dtype[1:] == "i8":
			out[i] = float64(int64(order.Uint64(b)))
		case dtype[1:] == "u2":
			out[i] = float64(order.Uint16(b))
		case dtype[1:] == "u4":
			out[i] = float64(order.Uint32(b))
		default:
			t.Fatalf("dtype %q not supported by the test decoder", dtype)
		}
	}
	return out
}

// outputValues reads a whole array of a combined set (its chunks must be
// inline) and returns its dtype and values.
func outputValues(t testing.TB, s *refs.Set, path string) (string, []float64) {
	t.Helper()
	arr, err := zarr.Open(s, nil).Array(path)
	if err != nil {
		t.Fatalf("output %s: %v", path, err)
	}
	raw, err := arr.ReadAll(context.Background())
	if err != nil {
		t.Fatalf("output %s: %v", path, err)
	}
	return arr.DType.Str, decodeElems(t, arr.DType.Str, raw)
}

// outputAttrs parses an output node's .zattrs.
func outputAttrs(t testing.TB, s *refs.Set, path string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(refstest.DocOf(t, s, refs.MetaKey(path, ".zattrs")), &m); err != nil {
		t.Fatalf("output %s .zattrs: %v", path, err)
	}
	return m
}

// gridCoords is the grid position of linear chunk i, C order.
func gridCoords(grid []int, i int) []int {
	idx := make([]int, len(grid))
	for d := len(grid) - 1; d >= 0; d-- {
		idx[d] = i % grid[d]
		i /= grid[d]
	}
	return idx
}

// linear is the C-order position of grid coordinates idx.
func linear(grid, idx []int) int {
	n := 0
	for d := range grid {
		n = n*grid[d] + idx[d]
	}
	return n
}

// timeCoord is a time coordinate variable of the given units, calendar
// ("" leaves the attribute out) and dtype, stored inline.
func timeCoord(units, calendar, dtype string, vals ...float64) testArray {
	attrs := map[string]any{"units": units, "standard_name": "time"}
	if calendar != "" {
		attrs["calendar"] = calendar
	}
	return testArray{dims: []string{"time"}, shape: []int64{int64(len(vals))}, dtype: dtype, attrs: attrs, values: vals}
}

// ranged points every chunk at a range of url that identifies the chunk
// (the offset encodes salt and i), so that a chunk moved to the wrong place
// is seen.
func ranged(url string, salt int64) func(int) refs.Ref {
	return func(i int) refs.Ref {
		return refs.Ref{URL: url, Offset: salt*1_000_000 + int64(i)*100, Length: 10 + int64(i)}
	}
}

// dataVar is a float variable along dims with every chunk a range of url.
func dataVar(dims []string, shape, chunks []int64, url string, salt int64) testArray {
	return testArray{dims: dims, shape: shape, chunks: chunks, dtype: "<f4", fill: `"NaN"`,
		attrs: map[string]any{"units": "K"}, ref: ranged(url, salt)}
}

// dayInput is an input with a time coordinate in days since 2000-01-01 and
// a variable tas(time) whose chunks are ranges of name+".nc".
func dayInput(name string, days ...float64) testInput {
	return testInput{name: name, arrays: map[string]testArray{
		"time": timeCoord("days since 2000-01-01", "standard", "<f8", days...),
		"tas":  dataVar([]string{"time"}, []int64{int64(len(days))}, []int64{1}, name+".nc", 0),
	}}
}

func build(t testing.TB, inputs ...testInput) []Input {
	t.Helper()
	out := make([]Input, len(inputs))
	for i, ti := range inputs {
		out[i] = ti.build(t)
	}
	return out
}

func mustCombine(t testing.TB, opts Options, inputs ...testInput) *Result {
	t.Helper()
	if opts.ConcatDim == "" {
		opts.ConcatDim = "time"
	}
	res, err := Combine(context.Background(), build(t, inputs...), opts)
	if err != nil {
		t.Fatalf("Combine: %v", err)
	}
	// The same inputs held in a spill must give the same output.
	spill, err := NewSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer spill.Close()
	var held []Input
	for _, in := range build(t, inputs...) {
		h, err := spill.Hold(in)
		if err != nil {
			t.Fatalf("Hold %s: %v", in.Name, err)
		}
		held = append(held, h)
	}
	again, err := Combine(context.Background(), held, opts)
	if err != nil {
		t.Fatalf("Combine of spilled inputs: %v", err)
	}
	want, got := jsonOf(t, res.Set), jsonOf(t, again.Set)
	if !bytes.Equal(want, got) || !slices.Equal(res.Notices, again.Notices) {
		t.Fatalf("spilled inputs combine to\n%s\nnotices %q\nin memory to\n%s\nnotices %q", got, again.Notices, want, res.Notices)
	}
	materialize(t, res.Set)
	return res
}

// jsonOf writes a set as JSON.
func jsonOf(t testing.TB, s *refs.Set) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := refs.WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// materialize reads every array that has a Source into a Manifest, for
// tests that look at chunks.
func materialize(t testing.TB, s *refs.Set) {
	t.Helper()
	if err := s.Materialize(); err != nil {
		t.Fatal(err)
	}
}

// combineError combines inputs that must fail and returns the *Error.
func combineError(t testing.TB, opts Options, inputs ...testInput) *Error {
	t.Helper()
	if opts.ConcatDim == "" {
		opts.ConcatDim = "time"
	}
	res, err := Combine(context.Background(), build(t, inputs...), opts)
	if err == nil {
		t.Fatalf("Combine succeeded (order %v), want an error", res.Order)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Combine: %v (%T), want a *combine.Error", err, err)
	}
	return e
}

// wantError checks an error's inputs, variable and that its message holds
// every fragment.
func wantError(t testing.TB, e *Error, inputs []string, variable string, fragments ...string) {
	t.Helper()
	if !slices.Equal(e.Inputs, inputs) || e.Variable != variable {
		t.Errorf("error %q names inputs %q, variable %q; want %q, %q", e, e.Inputs, e.Variable, inputs, variable)
	}
	for _, f := range fragments {
		if !strings.Contains(e.Error(), f) {
			t.Errorf("error %q does not say %q", e, f)
		}
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func TestParseInput(t *testing.T) {
	tas := func(shape ...int64) testArray {
		return dataVar([]string{"time"}, shape, nil, "a.nc", 0)
	}
	for _, tc := range []struct {
		name     string
		in       testInput
		variable string
		reason   string
	}{
		{"no variable along the dim", testInput{name: "a", arrays: map[string]testArray{
			"lat": {dims: []string{"lat"}, shape: []int64{3}, values: []float64{1, 2, 3}},
		}}, "", `no variable has the dimension "time"`},
		{"zero steps", testInput{name: "a", arrays: map[string]testArray{
			"tas": tas(0),
		}}, "", `dimension "time" has length 0`},
		{"steps differ between arrays", testInput{name: "a", arrays: map[string]testArray{
			"time": timeCoord("days since 2000-01-01", "", "<f8", 0, 1),
			"tas":  tas(3),
		}}, "time", "has 2 steps along time, but tas has 3"},
		{"_ARRAY_DIMENSIONS of the wrong rank", testInput{name: "a", arrays: map[string]testArray{
			"tas": {dims: []string{"time", "lat"}, shape: []int64{3}},
		}}, "tas", "does not name one dimension per axis"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseInput(tc.in.build(t), 0, "time")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("parseInput: %v, want a *Error", err)
			}
			wantError(t, e, []string{"a"}, tc.variable, tc.reason)
		})
	}

	t.Run("dims and axis", func(t *testing.T) {
		in := testInput{name: "a", arrays: map[string]testArray{
			"t3":   dataVar([]string{"x", "time", "y"}, []int64{2, 5, 3}, nil, "a.nc", 0),
			"bare": {shape: []int64{4}}, // no _ARRAY_DIMENSIONS: no dim at all
		}}.build(t)
		info, err := parseInput(in, 7, "time")
		if err != nil {
			t.Fatal(err)
		}
		if info.steps != 5 || info.index != 7 {
			t.Errorf("steps %d, index %d; want 5, 7", info.steps, info.index)
		}
		if a := info.arrays["t3"]; a.axis != 1 || fmt.Sprint(a.dims) != "[x time y]" {
			t.Errorf("t3: axis %d dims %v; want 1 [x time y]", a.axis, a.dims)
		}
		if a := info.arrays["bare"]; a.axis != -1 || a.dims != nil {
			t.Errorf("bare: axis %d dims %v; want -1 []", a.axis, a.dims)
		}
	})
}

// equalRef compares two chunk references.
func equalRef(a, b refs.Ref) bool {
	return a.URL == b.URL && a.Offset == b.Offset && a.Length == b.Length && string(a.Data) == string(b.Data)
}

// TestParseInputManifest: a manifest that does not fit its .zarray is an
// error naming the input, not an index out of range while concatenating.
func TestParseInputManifest(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(m *refs.Manifest) *refs.Manifest
		reason string
	}{
		{"grid", func(*refs.Manifest) *refs.Manifest { return refs.NewManifest([]int{1, 1}) },
			"manifest of grid [1 1] (1 chunks) does not fit the chunk grid [1 2] of its .zarray"},
		{"short slices", func(m *refs.Manifest) *refs.Manifest { m.Offset = m.Offset[:1]; return m },
			"does not fit the chunk grid"},
		{"target beyond the URL table", func(m *refs.Manifest) *refs.Manifest { m.Target[1] = 1; return m },
			"chunk 1 points at target 1; the URL table has 1"},
		{"negative target", func(m *refs.Manifest) *refs.Manifest { m.Target[0] = -3; return m },
			"chunk 0 points at target -3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := gridInput("b", 1).build(t)
			b.Set.Arrays["tas"].Manifest = tc.change(b.Set.Arrays["tas"].Manifest)
			_, err := Combine(context.Background(), []Input{gridInput("a", 0).build(t), b}, Options{ConcatDim: "time"})
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Combine: %v, want a *Error", err)
			}
			wantError(t, e, []string{"b"}, "tas", tc.reason)
		})
	}
}
