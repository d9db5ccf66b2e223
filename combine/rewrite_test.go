package combine

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// layoutInput is an input of steps days from day0 with tas(time, x=3)
// stored in the given dtype and chunks, values day*10 + x, and lat(x)
// in the same dtype; nan lists the steps whose tas is all missing.
func layoutInput(name string, day0, steps int, dtype string, chunks []int64, nan ...int) testInput {
	days := make([]float64, steps)
	var vals []float64
	for s := range steps {
		days[s] = float64(day0 + s)
		for x := range 3 {
			v := float64((day0+s)*10 + x)
			if slices.Contains(nan, s) {
				v = math.NaN()
			}
			vals = append(vals, v)
		}
	}
	return testInput{name: name, arrays: map[string]testArray{
		"time": timeCoord("days since 2000-01-01", "standard", "<f8", days...),
		"tas": {dims: []string{"time", "x"}, shape: []int64{int64(steps), 3}, chunks: chunks, dtype: dtype, fill: `"NaN"`,
			attrs: map[string]any{"units": "K"}, values: vals},
		"lat": {dims: []string{"x"}, shape: []int64{3}, dtype: dtype, values: []float64{-10, 0, 10}},
	}}
}

// tasValues is what the inputs' tas join to.
func tasValues(inputs ...testInput) []float64 {
	var out []float64
	for _, in := range inputs {
		out = append(out, in.arrays["tas"].values...)
	}
	return out
}

func TestRewriteMismatched(t *testing.T) {
	rewrite := Options{RewriteMismatched: true}
	for _, tc := range []struct {
		name       string
		inputs     []testInput
		dtype      string
		chunks     []int64
		notice     string
		storedTas  int // chunks stored in the output's tas
		positions  int // chunk positions of the output's tas
		rewrittenN string
	}{
		// The netCDF-3-like input (big-endian, a step a chunk) holds more
		// values: the other is rewritten into its layout.
		{name: "majority kept",
			inputs: []testInput{layoutInput("a", 0, 4, ">f4", []int64{1, 3}), layoutInput("b", 4, 2, "<f4", []int64{2, 2})},
			dtype:  ">f4", chunks: []int64{1, 3}, storedTas: 6, positions: 6,
			notice: `tas: 1 of 2 inputs store it otherwise ("<f4", chunks [2 2], no codecs); their values were decoded and written inline in the layout of the other 1 (">f4", chunks [1 3], no codecs): 2 chunks`},
		// The other way round: the first input is rewritten, its partial
		// edge chunk along x padded.
		{name: "minority first",
			inputs: []testInput{layoutInput("a", 0, 2, ">f4", []int64{1, 3}), layoutInput("b", 2, 4, "<f4", []int64{2, 2})},
			dtype:  "<f4", chunks: []int64{2, 2}, storedTas: 6, positions: 6,
			notice: `tas: 1 of 2 inputs store it otherwise (">f4", chunks [1 3], no codecs); their values were decoded and written inline in the layout of the other 1 ("<f4", chunks [2 2], no codecs): 2 chunks`},
		// The majority's chunks of 2 steps cannot hold the first input's
		// 3: the minority's layout is kept.
		{name: "majority misaligned",
			inputs: []testInput{layoutInput("a", 0, 3, ">f4", []int64{1, 3}), layoutInput("b", 3, 4, "<f4", []int64{2, 2})},
			dtype:  ">f4", chunks: []int64{1, 3}, storedTas: 7, positions: 7,
			notice: "tas: 1 of 2 inputs store it otherwise"},
		// Chunks of 4 steps cut into chunks of 2: read in slabs of 4
		// steps (the last one partial), each input chunk decoded once.
		{name: "other chunk lengths",
			inputs: []testInput{layoutInput("a", 0, 6, ">f4", []int64{4, 3}), layoutInput("b", 6, 8, "<f4", []int64{2, 2})},
			dtype:  "<f4", chunks: []int64{2, 2}, storedTas: 14, positions: 14,
			notice: "tas: 1 of 2 inputs store it otherwise"},
		// A step of nothing but the fill value is left out.
		{name: "missing step left out",
			inputs: []testInput{layoutInput("a", 0, 4, ">f4", []int64{1, 3}), layoutInput("b", 4, 2, "<f4", []int64{2, 2}, 1)},
			dtype:  ">f4", chunks: []int64{1, 3}, storedTas: 5, positions: 6,
			notice: "tas: 1 of 2 inputs store it otherwise"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Given in reverse: combine orders them by time first.
			res := mustCombine(t, rewrite, tc.inputs[1], tc.inputs[0])
			z, err := res.Set.ZArray("tas")
			if err != nil {
				t.Fatal(err)
			}
			if dtype, got := outputValues(t, res.Set, "tas"); dtype != tc.dtype || !sameFloats(got, tasValues(tc.inputs...)) {
				t.Errorf("tas %s %v, want %s %v", dtype, got, tc.dtype, tasValues(tc.inputs...))
			}
			if !slices.Equal(z.Chunks, tc.chunks) {
				t.Errorf("tas chunks %v, want %v", z.Chunks, tc.chunks)
			}
			m, err := refs.ReadManifest(res.Set.Arrays["tas"].Chunks())
			if err != nil {
				t.Fatal(err)
			}
			if stored := m.Stored(); m.Len() != tc.positions || stored != tc.storedTas {
				t.Errorf("tas: %d of %d chunks stored, want %d of %d", stored, m.Len(), tc.storedTas, tc.positions)
			}
			// lat has no time dimension: compared by value across byte
			// orders and taken from the first input.
			if dtype, got := outputValues(t, res.Set, "lat"); dtype != tc.inputs[0].arrays["lat"].dtype || !slices.Equal(got, []float64{-10, 0, 10}) {
				t.Errorf("lat %s %v", dtype, got)
			}
			if !slices.ContainsFunc(res.Notices, func(n string) bool { return strings.HasPrefix(n, tc.notice) }) {
				t.Errorf("notices %q lack %q", res.Notices, tc.notice)
			}
		})
	}
}

func TestRewriteMismatchedRefuses(t *testing.T) {
	// withTas changes its input's map: each case makes its own b.
	a := layoutInput("a", 0, 2, ">f4", []int64{1, 3})
	b := func() testInput { return layoutInput("b", 2, 2, "<f4", []int64{1, 3}) }
	rewrite := Options{RewriteMismatched: true}
	t.Run("without the option", func(t *testing.T) {
		wantError(t, combineError(t, Options{}, a, b()), []string{"a", "b"}, "lat", "different byte orders", "--rewrite-mismatched")
	})
	t.Run("other values", func(t *testing.T) {
		wide := withTas(b(), func(a *testArray) { a.dtype = "<f8" })
		wantError(t, combineError(t, rewrite, a, wide), []string{"a", "b"}, "tas", `dtypes >f4 and <f8 hold different values`)
	})
	t.Run("other fill value", func(t *testing.T) {
		zero := withTas(b(), func(a *testArray) { a.fill = "0" })
		wantError(t, combineError(t, rewrite, a, zero), []string{"a", "b"}, "tas", `.zarray fill_value: "NaN" and 0 differ`)
	})
	t.Run("static values differ", func(t *testing.T) {
		other := b()
		lat := other.arrays["lat"]
		lat.values = []float64{-10, 0, 11}
		other.arrays["lat"] = lat
		wantError(t, combineError(t, rewrite, a, other), []string{"a", "b"}, "lat", "values differ between inputs")
	})
	t.Run("strings", func(t *testing.T) {
		withNames := func(in testInput, chunks []int64) testInput {
			in.arrays["name"] = testArray{dims: []string{"time"}, shape: []int64{2}, chunks: chunks, strings: []string{"a", "b"}}
			return in
		}
		e := combineError(t, rewrite, withNames(layoutInput("a", 0, 2, "<f4", []int64{1, 3}), []int64{2}),
			withNames(layoutInput("b", 2, 2, "<f4", []int64{1, 3}), []int64{1}))
		wantError(t, e, []string{"a"}, "name", "variable-length strings (|O) are not rewritten")
	})
	t.Run("no layout holds every input", func(t *testing.T) {
		// a's chunks of 2 steps cannot hold c's 3 steps, and c's layout
		// has a codec combine does not write.
		a := layoutInput("a", 0, 3, "<f4", []int64{1, 3})
		a = withTas(a, func(arr *testArray) {
			arr.compressor = refs.Codec{"id": "blosc"}
			arr.values = nil
			arr.ref = ranged("a.nc", 0)
		})
		c := layoutInput("c", 3, 2, "<f4", []int64{2, 3})
		wantError(t, combineError(t, rewrite, a, c), []string{"a"}, "tas", "stored in 2 layouts, and no one of them can hold every input",
			`codec "blosc" has no encoder here`, "a holds 3 steps along time, not a whole number of chunks of 2")
	})
}

// sameFloats compares values with NaN equal to NaN.
func sameFloats(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) })
}

func TestChunkOf(t *testing.T) {
	// A 3x3 slab of 2-byte elements numbered 1..9 (both bytes); the
	// region [1:3, 2:3] goes to the start of a 3x2 chunk.
	slab := make([]byte, 18)
	for i := range 9 {
		slab[2*i], slab[2*i+1] = byte(i+1), byte(i+1)
	}
	got := chunkOf(slab, []int64{3, 3}, []int64{1, 2}, []int64{2, 1}, []int64{3, 2}, 2, []byte{0xff, 0xff})
	want := []byte{6, 6, 0xff, 0xff, 9, 9, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if !slices.Equal(got, want) {
		t.Errorf("chunkOf = %v, want %v", got, want)
	}
	// A whole chunk, and without a fill value the padding is zero bytes.
	if got := chunkOf([]byte{1, 2, 3}, []int64{3}, []int64{1}, []int64{2}, []int64{2}, 1, nil); !slices.Equal(got, []byte{2, 3}) {
		t.Errorf("chunkOf of a whole chunk = %v", got)
	}
	if got := chunkOf([]byte{1, 2, 3}, []int64{3}, []int64{2}, []int64{1}, []int64{3}, 1, nil); !slices.Equal(got, []byte{3, 0, 0}) {
		t.Errorf("chunkOf without fill = %v", got)
	}
	if lcm(4, 6) != 12 || lcm(1, 7) != 7 || lcm(5, 5) != 5 {
		t.Errorf("lcm: %d %d %d", lcm(4, 6), lcm(1, 7), lcm(5, 5))
	}
}
