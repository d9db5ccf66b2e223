package combine

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// permutations returns every order of n items.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := range n {
			q := append(append(slices.Clone(p[:i]), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestOrderAnyGivenOrder(t *testing.T) {
	inputs := []testInput{dayInput("a", 0, 1), dayInput("b", 2), dayInput("c", 5, 6, 9)}
	wantTimes := []float64{0, 1, 2, 5, 6, 9}
	// Output chunk i of tas (one step per chunk) is a range of the file of
	// the input holding step i.
	wantURLs := []string{"a.nc", "a.nc", "b.nc", "c.nc", "c.nc", "c.nc"}
	for _, p := range permutations(len(inputs)) {
		given := make([]testInput, len(p))
		for i, k := range p {
			given[i] = inputs[k]
		}
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			res := mustCombine(t, Options{}, given...)
			if !slices.Equal(res.Order, []string{"a", "b", "c"}) || res.Steps != 6 {
				t.Errorf("order %v, steps %d; want [a b c], 6", res.Order, res.Steps)
			}
			if _, got := outputValues(t, res.Set, "time"); !slices.Equal(got, wantTimes) {
				t.Errorf("time %v, want %v", got, wantTimes)
			}
			m := res.Set.Arrays["tas"]
			for i, url := range wantURLs {
				if r, ok := m.Chunk(i); !ok || r.URL != url {
					t.Errorf("tas chunk %d: %+v, want a range of %s", i, r, url)
				}
			}
		})
	}
}

func TestOrderRefused(t *testing.T) {
	// Coordinates in days since 2000-01-01 show as dates in messages.
	date := func(day int) string { return fmt.Sprintf("2000-01-%02d 00:00:00", day+1) }
	withFill := func(name, fill string, days ...float64) testInput {
		in := dayInput(name, days...)
		a := timeCoord("days since 2000-01-01", "", "<i4", days...)
		a.fill = fill
		in.arrays["time"] = a
		return in
	}
	for _, tc := range []struct {
		name   string
		given  []testInput
		inputs []string // named by the error, in command-line order
		reason string
	}{
		{"duplicate", []testInput{dayInput("x", 0, 1), dayInput("y", 1, 2)}, []string{"x", "y"},
			"duplicate coordinate " + date(1) + ": both inputs hold it"},
		{"duplicate, given the other way", []testInput{dayInput("y", 1, 2), dayInput("x", 0, 1)}, []string{"y", "x"},
			"duplicate coordinate " + date(1)},
		{"same first value", []testInput{dayInput("x", 3), dayInput("y", 3, 4)}, []string{"x", "y"},
			"duplicate coordinate " + date(3)},
		{"same first value, given the other way", []testInput{dayInput("y", 3, 4), dayInput("x", 3)}, []string{"y", "x"},
			"duplicate coordinate " + date(3)},
		{"duplicate among three", []testInput{dayInput("z", 7), dayInput("y", 4, 5), dayInput("x", 0, 5)}, []string{"y", "x"},
			"duplicate coordinate " + date(5)},
		{"overlap", []testInput{dayInput("x", 0, 2), dayInput("y", 1, 3)}, []string{"x", "y"},
			"coordinate ranges overlap: " + date(0) + " .. " + date(2) + " and " + date(1) + " .. " + date(3)},
		{"one range inside another", []testInput{dayInput("w", 20), dayInput("x", 0, 10), dayInput("y", 4)}, []string{"x", "y"},
			"coordinate ranges overlap: " + date(0) + " .. " + date(10) + " and " + date(4) + " .. " + date(4)},
		{"decreasing inside an input", []testInput{dayInput("x", 5, 6), dayInput("y", 0, 2, 1)}, []string{"y"},
			"coordinates are not strictly increasing: " + date(1) + " follows " + date(2)},
		{"repeated inside an input", []testInput{dayInput("x", 0, 0)}, []string{"x"},
			"not strictly increasing: " + date(0) + " follows " + date(0)},
		{"NaN", []testInput{dayInput("x", 0, 1), dayInput("y", 2, math.NaN(), 4)}, []string{"y"},
			"coordinate 1 is missing (fill value or NaN)"},
		{"fill value", []testInput{withFill("x", "-1", 0, 1), withFill("y", "-1", 2, 3, -1)}, []string{"y"},
			"coordinate 2 is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, combineError(t, Options{}, tc.given...), tc.inputs, "time", tc.reason)
		})
	}
}

// TestOrderPlainNumbers: coordinates that are not times are ordered and
// named as numbers.
func TestOrderPlainNumbers(t *testing.T) {
	depth := func(name string, vals ...float64) testInput {
		return testInput{name: name, arrays: map[string]testArray{
			"depth": {dims: []string{"depth"}, shape: []int64{int64(len(vals))}, dtype: "<f4",
				attrs: map[string]any{"units": "m", "positive": "down"}, values: vals},
			"temp": dataVar([]string{"depth"}, []int64{int64(len(vals))}, []int64{1}, name+".nc", 0),
		}}
	}
	res := mustCombine(t, Options{ConcatDim: "depth"}, depth("deep", 50, 100), depth("shallow", 0.5, 10))
	if !slices.Equal(res.Order, []string{"shallow", "deep"}) || res.First != "0.5" || res.Last != "100" {
		t.Errorf("order %v, first %q, last %q; want [shallow deep], 0.5, 100", res.Order, res.First, res.Last)
	}
	e := combineError(t, Options{ConcatDim: "depth"}, depth("deep", 10, 100), depth("shallow", 0.5, 10))
	wantError(t, e, []string{"deep", "shallow"}, "depth", "duplicate coordinate 10: both inputs hold it")
}
