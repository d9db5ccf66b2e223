package combine

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// gridInput is an input with a time coordinate (day) and tas(time, x).
func gridInput(name string, day float64) testInput {
	return testInput{name: name, arrays: map[string]testArray{
		"time": timeCoord("days since 2000-01-01", "standard", "<i4", day),
		"tas": {dims: []string{"time", "x"}, shape: []int64{1, 4}, chunks: []int64{1, 2}, dtype: "<f4", fill: `"NaN"`,
			compressor: refs.Codec{"id": "zlib", "level": 4}, filters: []refs.Codec{{"id": "shuffle", "elementsize": 4}},
			attrs: map[string]any{"units": "K", "long_name": "air temperature"}, ref: ranged(name+".nc", 0)},
	}}
}

// withTas changes tas of an input.
func withTas(in testInput, change func(*testArray)) testInput {
	tas := in.arrays["tas"]
	tas.attrs = maps.Clone(tas.attrs)
	change(&tas)
	in.arrays["tas"] = tas
	return in
}

func TestPresenceAndDims(t *testing.T) {
	a, b := gridInput("a", 0), gridInput("b", 1)
	withPr := func(in testInput) testInput {
		in.arrays["pr"] = dataVar([]string{"time"}, []int64{1}, nil, in.name+".nc", 5)
		return in
	}
	for _, tc := range []struct {
		name     string
		given    []testInput
		variable string
		reason   string
	}{
		// The inputs are named first in coordinate order.
		{"missing in the other", []testInput{gridInput("b", 1), withPr(gridInput("a", 0))}, "pr",
			"present in the first input, missing in the other"},
		{"missing in the first", []testInput{withPr(gridInput("b", 1)), gridInput("a", 0)}, "pr",
			"missing in the first input, present in the other"},
		{"dimensions differ", []testInput{withTas(b, func(a *testArray) { a.dims = []string{"time", "y"} }), a}, "tas",
			"dimensions [time x] and [time y] differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, combineError(t, Options{}, tc.given...), []string{"a", "b"}, tc.variable, tc.reason)
		})
	}
}

func TestZArrayDiffers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*testArray)
		reason string
	}{
		{"dtype", func(a *testArray) { a.dtype = "<f8" }, `.zarray dtype: "<f4" and "<f8" differ`},
		// A netCDF-3 input among netCDF-4 ones: the reason says why and
		// what to do.
		{"byte order", func(a *testArray) { a.dtype = ">f4" }, `.zarray dtype: "<f4" and ">f4" differ: the inputs store it in different byte orders`},
		{"fill_value", func(a *testArray) { a.fill = "0" }, `.zarray fill_value: "NaN" and 0 differ`},
		{"compressor level", func(a *testArray) { a.compressor = refs.Codec{"id": "zlib", "level": 1} },
			`.zarray compressor: {"id": "zlib", "level": 4} and {"id": "zlib", "level": 1} differ`},
		{"no compressor", func(a *testArray) { a.compressor = nil }, `.zarray compressor: {"id": "zlib", "level": 4} and null differ`},
		{"filters", func(a *testArray) { a.filters = nil }, `.zarray filters: [{"elementsize": 4, "id": "shuffle"}] and null differ`},
		{"filter parameter", func(a *testArray) { a.filters = []refs.Codec{{"id": "shuffle", "elementsize": 8}} }, ".zarray filters: "},
		{"chunks", func(a *testArray) { a.chunks = []int64{1, 4} }, ".zarray chunks: [1 2] and [1 4] differ: one Zarr array has one chunk shape"},
		{"shape across time", func(a *testArray) { a.shape = []int64{1, 6} }, ".zarray shape: [1 4] and [1 6] differ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := combineError(t, Options{}, withTas(gridInput("b", 1), tc.change), gridInput("a", 0))
			wantError(t, e, []string{"a", "b"}, "tas", tc.reason)
		})
	}

	// Without _ARRAY_DIMENSIONS nothing else tells the ranks apart.
	t.Run("rank of an array without dimension names", func(t *testing.T) {
		withS := func(in testInput, shape []int64) testInput {
			in.arrays["s"] = testArray{shape: shape, dtype: "<f4", ref: ranged(in.name+".nc", 9)}
			return in
		}
		e := combineError(t, Options{}, withS(gridInput("b", 1), []int64{2}), withS(gridInput("a", 0), []int64{2, 2}))
		wantError(t, e, []string{"a", "b"}, "s", ".zarray shape: [2 2] and [2] differ")
	})

	t.Run("dimension_separator", func(t *testing.T) {
		b := gridInput("b", 1).build(t)
		z, err := b.Set.ZArray("tas")
		if err != nil {
			t.Fatal(err)
		}
		z.DimensionSeparator = "/"
		_, err = Combine(t.Context(), []Input{b, gridInput("a", 0).build(t)}, Options{ConcatDim: "time"})
		if err == nil || !strings.Contains(err.Error(), ".zarray order or dimension_separator") {
			t.Errorf("Combine: %v, want an error about dimension_separator", err)
		}
	})

	// A converted time array need only have the same shape: it is
	// decoded and written anew.
	t.Run("converted arrays may differ in dtype", func(t *testing.T) {
		b := gridInput("b", 1)
		b.arrays["time"] = timeCoord("hours since 2000-01-01", "standard", "<f8", 24)
		res := mustCombine(t, Options{}, b, gridInput("a", 0))
		if dtype, got := outputValues(t, res.Set, "time"); dtype != "<f8" || !slices.Equal(got, []float64{0, 1}) {
			t.Errorf("time %s %v, want <f8 [0 1]", dtype, got)
		}
	})
}

func TestMeaningAttributes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		a, b   any // nil: absent
		reason string
	}{
		{"scale_factor", 0.1, 0.2, "attribute scale_factor differs (0.1 and 0.2); it changes what the stored numbers mean"},
		{"add_offset", nil, 273.15, "attribute add_offset differs (absent and 273.15)"},
		{"_FillValue", -999, -9999, "attribute _FillValue differs (-999 and -9999)"},
		{"missing_value", 1e20, nil, "attribute missing_value differs (100000000000000000000 and absent)"},
		{"units", "K", "degC", `attribute units differs ("K" and "degC")`},
		{"calendar", "noleap", "standard", "attribute calendar differs"},
		{"valid_min", 0, 1, "attribute valid_min differs"},
		{"valid_max", 0, 1, "attribute valid_max differs"},
		{"valid_range", []int{0, 1}, []int{0, 2}, "attribute valid_range differs ([0,1] and [0,2])"},
		{"_Unsigned", "true", nil, "attribute _Unsigned differs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := func(v any) func(*testArray) {
				return func(a *testArray) {
					delete(a.attrs, tc.name)
					if v != nil {
						a.attrs[tc.name] = v
					}
				}
			}
			e := combineError(t, Options{}, withTas(gridInput("b", 1), set(tc.b)), withTas(gridInput("a", 0), set(tc.a)))
			wantError(t, e, []string{"a", "b"}, "tas", tc.reason)
		})
	}

	// Only units and calendar may differ on a converted time array.
	// (A packed time coordinate is refused before: TestCFTimeRefused.)
	t.Run("valid_min of the time coordinate", func(t *testing.T) {
		b := gridInput("b", 1)
		b.arrays["time"].attrs["valid_min"] = 2
		wantError(t, combineError(t, Options{}, b, gridInput("a", 0)), []string{"a", "b"}, "time",
			"attribute valid_min differs (absent and 2)")
	})
}

func TestAttributeNotices(t *testing.T) {
	in := func(name string, day float64, longName, history string) testInput {
		ti := withTas(gridInput(name, day), func(a *testArray) { a.attrs["long_name"] = longName })
		ti.attrs = map[string]any{"history": history, "units": name, "Conventions": "CF-1.8"}
		ti.groups = map[string]map[string]any{"g2": {"title": name}, "g1": {"title": name, "same": 1}}
		ti.extra = map[string]refs.Ref{"notes.txt": {Data: []byte(history)}}
		return ti
	}
	// Given in reverse: the first in coordinate order (a) is kept.
	res := mustCombine(t, Options{},
		in("c", 2, "T", "made c"), in("b", 1, "temperature", "made b"), in("a", 0, "T", "made a"))
	if got := outputAttrs(t, res.Set, "tas")["long_name"]; got != "T" {
		t.Errorf("tas long_name %v, want a's", got)
	}
	global := outputAttrs(t, res.Set, "")
	if global["history"] != "made a" || global["units"] != "a" || global["Conventions"] != "CF-1.8" {
		t.Errorf("global attributes %v, want a's", global)
	}
	for g, want := range map[string]string{"g1": "a", "g2": "a"} {
		if got := outputAttrs(t, res.Set, g)["title"]; got != want {
			t.Errorf("%s title %v, want %s", g, got, want)
		}
	}
	if r := res.Set.Extra["notes.txt"]; string(r.Data) != "made a" {
		t.Errorf("extra key notes.txt %q, want a's", r.Data)
	}
	// Notices in a stable order: groups (the root first), then arrays,
	// then other keys; attributes by name.
	want := []string{
		"global attribute history differs between inputs: kept the value of a (the first); b and 1 more differ",
		"global attribute units differs between inputs: kept the value of a (the first); b and 1 more differ",
		"attribute title of g1 differs between inputs: kept the value of a (the first); b and 1 more differ",
		"attribute title of g2 differs between inputs: kept the value of a (the first); b and 1 more differ",
		// c holds a's value: only b differs.
		"attribute long_name of tas differs between inputs: kept the value of a (the first); b differ",
		"key notes.txt is not metadata nor a chunk of an array and differs between inputs: kept a's",
	}
	if !slices.Equal(res.Notices, want) {
		t.Errorf("notices:\n%s\nwant:\n%s", strings.Join(res.Notices, "\n"), strings.Join(want, "\n"))
	}
	for range 20 {
		again := mustCombine(t, Options{},
			in("c", 2, "T", "made c"), in("b", 1, "temperature", "made b"), in("a", 0, "T", "made a"))
		if !slices.Equal(again.Notices, res.Notices) {
			t.Fatalf("notices in another order:\n%s\nthen:\n%s", strings.Join(res.Notices, "\n"), strings.Join(again.Notices, "\n"))
		}
	}
}

func TestGroups(t *testing.T) {
	in := func(name string, day float64, groups ...string) testInput {
		ti := gridInput(name, day)
		ti.groups = map[string]map[string]any{}
		for _, g := range groups {
			ti.groups[g] = map[string]any{"title": "same"}
		}
		return ti
	}
	res := mustCombine(t, Options{}, in("b", 1, "g", "g/h"), in("a", 0, "g", "g/h"))
	if len(res.Notices) != 0 {
		t.Errorf("notices %q for equal groups", res.Notices)
	}
	for _, g := range []string{"g", "g/h"} {
		if _, ok := res.Set.Groups[g]; !ok || outputAttrs(t, res.Set, g)["title"] != "same" {
			t.Errorf("group %s lost", g)
		}
	}
	e := combineError(t, Options{}, in("b", 1, "g"), in("a", 0, "g", "g/h"))
	wantError(t, e, []string{"b"}, "g/h", "group missing")
	e = combineError(t, Options{}, in("b", 1, "g", "g/h"), in("a", 0, "g"))
	wantError(t, e, []string{"a"}, "g/h", "group missing")
}

// TestArraysInGroups: arrays below the root are concatenated by path.
func TestArraysInGroups(t *testing.T) {
	in := func(name string, day float64) testInput {
		ti := gridInput(name, day)
		ti.groups = map[string]map[string]any{"obs": {}}
		ti.arrays["obs/count"] = testArray{dims: []string{"time"}, shape: []int64{1}, dtype: "<i4", ref: ranged(name+"-obs.nc", 3)}
		return ti
	}
	res := mustCombine(t, Options{}, in("b", 1), in("a", 0))
	m := res.Set.Arrays["obs/count"]
	for i, url := range []string{"a-obs.nc", "b-obs.nc"} {
		if got, _ := m.Chunk(i); !equalRef(got, ranged(url, 3)(0)) {
			t.Errorf("obs/count chunk %d: %+v, want %s's", i, got, url)
		}
	}
	var z map[string]any
	if err := json.Unmarshal(refstest.DocOf(t, res.Set, "obs/count/.zarray"), &z); err != nil || fmt.Sprint(z["shape"]) != "[2]" {
		t.Errorf("obs/count .zarray %s", refstest.DocOf(t, res.Set, "obs/count/.zarray"))
	}
}
