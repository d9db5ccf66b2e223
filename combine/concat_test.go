package combine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// concatRef is the reference of chunk i of the variable of input k in
// TestConcat: missing chunks, inline chunks, ranges of the input's own file
// and ranges of a file every input shares, so that missing and inline
// chunks are seen to be carried over and the URL table to be merged.
func concatRef(k, i int) refs.Ref {
	switch {
	case (i+k)%5 == 3:
		return refs.Ref{}
	case (i+k)%5 == 4:
		return refs.Ref{Data: fmt.Appendf(nil, "input %d chunk %d", k, i)}
	case i%2 == 0:
		return refs.Ref{URL: fmt.Sprintf("in%d.nc", k), Offset: int64(1000*k + 10*i), Length: int64(7 + i)}
	}
	return refs.Ref{URL: "shared.nc", Offset: int64(100_000*k + 10*i), Length: int64(3 + i)}
}

func TestConcat(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dims   []string
		shape  []int64 // the input's shape; the length along time is steps[k]
		chunks []int64
		steps  []int64 // steps of each input, in coordinate order
		given  []int   // command-line order, as positions in steps
	}{
		// The last input may end in a partial chunk (3 steps of chunks of 2).
		{"axis first", []string{"time", "y", "x"}, []int64{0, 4, 5}, []int64{2, 2, 3}, []int64{4, 2, 3}, []int{2, 0, 1}},
		{"axis in the middle", []string{"x", "time", "y"}, []int64{3, 0, 4}, []int64{2, 2, 3}, []int64{2, 4, 1}, []int{1, 2, 0}},
		{"axis last", []string{"y", "time"}, []int64{3, 0}, []int64{2, 3}, []int64{6, 3, 2}, []int{0, 2, 1}},
		{"one chunk per input", []string{"time", "x"}, []int64{0, 5}, []int64{3, 2}, []int64{3, 3, 3, 3}, []int{3, 1, 0, 2}},
		{"one input", []string{"x", "time"}, []int64{2, 0}, []int64{1, 4}, []int64{7}, []int{0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ax := slices.Index(tc.dims, "time")
			var inputs []testInput
			var day int64
			for k, steps := range tc.steps {
				days := make([]float64, steps)
				for i := range days {
					days[i] = float64(day)
					day++
				}
				shape := slices.Clone(tc.shape)
				shape[ax] = steps
				inputs = append(inputs, testInput{name: fmt.Sprintf("in%d", k), arrays: map[string]testArray{
					"time": timeCoord("days since 2000-01-01", "standard", "<f8", days...),
					"v": {dims: tc.dims, shape: shape, chunks: tc.chunks, dtype: "<i2", fill: "-99",
						attrs: map[string]any{"long_name": "v"}, ref: func(i int) refs.Ref { return concatRef(k, i) }},
				}})
			}
			given := make([]testInput, len(tc.given))
			for i, k := range tc.given {
				given[i] = inputs[k]
			}
			res := mustCombine(t, Options{}, given...)

			// The .zarray: the inputs' but for the length along time.
			z, err := refs.ParseZArray(refstest.DocOf(t, res.Set, "v/.zarray"))
			if err != nil {
				t.Fatal(err)
			}
			wantShape := slices.Clone(tc.shape)
			wantShape[ax] = day
			if !slices.Equal(z.Shape, wantShape) || !slices.Equal(z.Chunks, tc.chunks) ||
				string(z.DType) != `"<i2"` || string(z.FillValue) != "-99" {
				t.Errorf(".zarray %s; want shape %v chunks %v dtype <i2 fill -99", refstest.DocOf(t, res.Set, "v/.zarray"), wantShape, tc.chunks)
			}

			// Every output chunk is the chunk of the input that holds its
			// steps, at the same position across the other dimensions.
			m := res.Set.Arrays["v"]
			grid := z.Grid()
			if !slices.Equal(m.Grid, grid) {
				t.Fatalf("manifest grid %v, want %v", m.Grid, grid)
			}
			inputOf := make([]int, 0, grid[ax]) // output chunk along time: input
			firstChunk := make([]int, len(tc.steps))
			for k, steps := range tc.steps {
				firstChunk[k] = len(inputOf)
				for range (steps + tc.chunks[ax] - 1) / tc.chunks[ax] {
					inputOf = append(inputOf, k)
				}
			}
			if len(inputOf) != grid[ax] {
				t.Fatalf("the inputs hold %d chunks along time, the output grid %d", len(inputOf), grid[ax])
			}
			for i := range m.Len() {
				idx := gridCoords(grid, i)
				k := inputOf[idx[ax]]
				src := slices.Clone(idx)
				src[ax] -= firstChunk[k]
				srcGrid := slices.Clone(grid)
				srcGrid[ax] = int((tc.steps[k] + tc.chunks[ax] - 1) / tc.chunks[ax])
				want := concatRef(k, linear(srcGrid, src))
				got, ok := m.Chunk(i)
				wantOK := want.URL != "" || want.Data != nil
				if ok != wantOK || got.URL != want.URL || !bytes.Equal(got.Data, want.Data) ||
					(want.URL != "" && (got.Offset != want.Offset || got.Length != want.Length)) {
					t.Errorf("chunk %v: %+v (stored %v), want %+v of in%d chunk %v (stored %v)", idx, got, ok, want, k, src, wantOK)
				}
			}

			// One URL table without duplicates, holding every input's URLs.
			wantURLs := map[string]bool{}
			for _, in := range build(t, inputs...) {
				for _, u := range in.Set.Arrays["v"].URLs {
					wantURLs[u] = true
				}
			}
			seen := map[string]bool{}
			for _, u := range m.URLs {
				if seen[u] {
					t.Errorf("URL %s twice in the table %v", u, m.URLs)
				}
				seen[u] = true
			}
			if len(seen) != len(wantURLs) {
				t.Errorf("URL table %v, want the %d URLs of the inputs", m.URLs, len(wantURLs))
			}
			for u := range wantURLs {
				if !seen[u] {
					t.Errorf("URL table %v lacks %s", m.URLs, u)
				}
			}

			// The coordinate: every input's days, in order.
			_, got := outputValues(t, res.Set, "time")
			for i, v := range got {
				if v != float64(i) {
					t.Fatalf("time %v, want 0 .. %d", got, day-1)
				}
			}
			if len(got) != int(day) || res.Steps != int(day) {
				t.Errorf("%d times, Steps %d; want %d", len(got), res.Steps, day)
			}
		})
	}
}

// TestConcatPartialChunk: Zarr v2 has one chunk length per dimension, so
// only the last input (in coordinate order) may end in a partial chunk.
func TestConcatPartialChunk(t *testing.T) {
	in := func(name string, first, steps int) testInput {
		days := make([]float64, steps)
		for i := range days {
			days[i] = float64(first + i)
		}
		return testInput{name: name, arrays: map[string]testArray{
			"time": timeCoord("days since 2000-01-01", "", "<i4", days...),
			"tas":  dataVar([]string{"time", "x"}, []int64{int64(steps), 3}, []int64{2, 3}, name+".nc", 0),
		}}
	}
	a, b, c := in("a", 0, 4), in("b", 4, 3), in("c", 7, 3)

	// b ends in a partial chunk in the middle: refused, naming b and the
	// input after it, whatever the command-line order.
	for _, given := range [][]testInput{{a, b, c}, {c, b, a}, {b, a, c}} {
		e := combineError(t, Options{}, given...)
		wantError(t, e, []string{"b", "c"}, "tas", "3 steps along time are not a whole number of chunks of 2")
	}

	// The same b last is fine: its partial chunk is the array's edge.
	res := mustCombine(t, Options{}, b, in("a", 0, 2), in("c", 2, 2))
	if !slices.Equal(res.Order, []string{"a", "c", "b"}) {
		t.Fatalf("order %v, want [a c b]", res.Order)
	}
	if m := res.Set.Arrays["tas"]; !slices.Equal(m.Grid, []int{4, 1}) {
		t.Errorf("grid %v, want [4 1] (7 steps in chunks of 2)", m.Grid)
	}
}

func TestCheckStatic(t *testing.T) {
	f8 := func(vals ...float64) []byte {
		var b []byte
		for _, v := range vals {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
		}
		return b
	}
	// lat: 3 values in chunks of 2; the padding of the edge chunk is not a
	// value, so two inputs may store it differently.
	latPadded := func(pad float64) testArray {
		chunks := [][]byte{f8(10, 20), f8(30, pad)}
		return testArray{dims: []string{"lat"}, shape: []int64{3}, chunks: []int64{2},
			ref: func(i int) refs.Ref { return refs.Ref{Data: chunks[i]} }}
	}
	latValues := func(vals ...float64) testArray {
		return testArray{dims: []string{"lat"}, shape: []int64{3}, chunks: []int64{2}, values: vals}
	}
	latRanged := func(url string) testArray {
		return testArray{dims: []string{"lat"}, shape: []int64{3}, chunks: []int64{2}, ref: ranged(url, 0)}
	}
	station := func(trailing string, names ...string) testArray {
		data := binary.LittleEndian.AppendUint32(nil, uint32(len(names)))
		for _, v := range names {
			data = binary.LittleEndian.AppendUint32(data, uint32(len(v)))
			data = append(data, v...)
		}
		data = append(data, trailing...) // ignored by VLenUTF8
		return testArray{dims: []string{"station"}, shape: []int64{int64(len(names))}, dtype: "|O",
			filters: []refs.Codec{{"id": "vlen-utf8"}}, ref: func(int) refs.Ref { return refs.Ref{Data: data} }}
	}
	// A scalar without dims (grid []): one chunk.
	scalar := func(v float64) testArray { return testArray{shape: []int64{}, values: []float64{v}} }
	// A static array whose chunks were never written reads as its fill.
	allFill := func(stored bool) testArray {
		a := testArray{dims: []string{"lat"}, shape: []int64{3}, chunks: []int64{3}, fill: "7"}
		if stored {
			a.values = []float64{7, 7, 7}
		}
		return a
	}

	for _, tc := range []struct {
		name      string
		path      string
		arrays    []testArray // of inputs a, b, c (coordinate order)
		identical []string    // Options.IdenticalDims
		wantErr   []string    // inputs the error names; nil: accepted
		reason    string
	}{
		{"identical ranges", "lat", []testArray{latRanged("grid.nc"), latRanged("grid.nc"), latRanged("grid.nc")}, []string{}, nil, ""},
		{"identical inline", "lat", []testArray{latValues(1, 2, 3), latValues(1, 2, 3), latValues(1, 2, 3)}, []string{}, nil, ""},
		{"padding differs, compared by value", "lat", []testArray{latPadded(0), latPadded(-1), latPadded(5)}, nil, nil, ""},
		{"padding differs, listed", "lat", []testArray{latPadded(0), latPadded(-1), latPadded(5)}, []string{"lat"}, nil, ""},
		{"padding differs, not listed", "lat", []testArray{latPadded(0), latPadded(0), latPadded(5)}, []string{"lon"},
			[]string{"a", "c"}, "references differ; list it in --identical-dims"},
		{"padding differs, empty list", "lat", []testArray{latPadded(0), latPadded(1), latPadded(0)}, []string{},
			[]string{"a", "b"}, "references differ"},
		{"values differ", "lat", []testArray{latValues(1, 2, 3), latValues(1, 2, 3), latValues(1, 2, 4)}, nil,
			[]string{"a", "c"}, "has no time dimension and its values differ"},
		{"values differ, listed", "lat", []testArray{latValues(1, 2, 3), latValues(1, 5, 3), latValues(1, 2, 3)}, []string{"lat"},
			[]string{"a", "b"}, "values differ"},
		{"missing chunks equal to stored fill", "lat", []testArray{allFill(false), allFill(true), allFill(false)}, nil, nil, ""},
		{"strings equal", "station", []testArray{station("", "x", "yy"), station("junk", "x", "yy"), station("", "x", "yy")}, nil, nil, ""},
		{"strings differ", "station", []testArray{station("", "x", "yy"), station("", "x", "yy"), station("", "x", "yz")}, nil,
			[]string{"a", "c"}, "values differ"},
		{"scalar equal", "s", []testArray{scalar(1.5), scalar(1.5), scalar(1.5)}, nil, nil, ""},
		{"scalar differs", "s", []testArray{scalar(1.5), scalar(1.5), scalar(2)}, nil, []string{"a", "c"}, "values differ"},
		// Without an Opener a ranged chunk cannot be read to compare.
		{"ranges differ, no opener", "lat", []testArray{latRanged("a.nc"), latRanged("b.nc"), latRanged("a.nc")}, nil,
			[]string{"a"}, "no opener"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inputs []testInput
			for k, a := range tc.arrays {
				in := dayInput(string(rune('a'+k)), float64(k))
				in.arrays[tc.path] = a
				inputs = append(inputs, in)
			}
			// Given in reverse: the first in coordinate order is the reference.
			slices.Reverse(inputs)
			opts := Options{IdenticalDims: tc.identical}
			if tc.wantErr != nil {
				wantError(t, combineError(t, opts, inputs...), tc.wantErr, tc.path, tc.reason)
				return
			}
			res := mustCombine(t, opts, inputs...)
			// The first input's references are kept as they are.
			first := build(t, inputs[len(inputs)-1])[0]
			if got, want := res.Set.Arrays[tc.path], first.Set.Arrays[tc.path]; !reflect.DeepEqual(got, want) {
				t.Errorf("output %s is not the first input's", tc.path)
			}
			if !bytes.Equal(refstest.DocOf(t, res.Set, tc.path+"/.zarray"), refstest.DocOf(t, first.Set, tc.path+"/.zarray")) {
				t.Errorf(".zarray %s, want %s", refstest.DocOf(t, res.Set, tc.path+"/.zarray"), refstest.DocOf(t, first.Set, tc.path+"/.zarray"))
			}
		})
	}
}
