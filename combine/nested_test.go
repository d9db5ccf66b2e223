package combine

import (
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// ensembleInput is member m's input for days: tas(time, x) with every
// chunk a range of its own file, and the member number as a global
// attribute.
func ensembleInput(m int, days ...float64) testInput {
	name := fmt.Sprintf("ens_m%02d_%03d", m, int(days[0]))
	return testInput{name: name + ".json", attrs: map[string]any{"member_id": m}, arrays: map[string]testArray{
		"time": timeCoord("days since 2000-01-01", "standard", "<i4", days...),
		"x":    {dims: []string{"x"}, shape: []int64{2}, values: []float64{10, 20}},
		"tas":  dataVar([]string{"time", "x"}, []int64{int64(len(days)), 2}, []int64{1, 1}, name+".nc", int64(m)),
	}}
}

// TestNewDim joins members x times, the member taken from the file name
// or from an attribute, and reads every chunk back where it belongs.
func TestNewDim(t *testing.T) {
	var given []testInput
	for _, m := range []int{3, 1, 2} {
		given = append(given, ensembleInput(m, 2, 3), ensembleInput(m, 0, 1))
	}
	for _, spec := range []CoordSpec{
		{Kind: CoordRegex, Regex: regexp.MustCompile(`_m(\d+)_`)},
		{Kind: CoordAttr, Attr: "member_id"},
	} {
		opts := Options{Dims: []Dim{{Name: "member", Coord: spec, New: true}, {Name: "time"}}}
		res := mustCombine(t, opts, given...)
		if res.Dim != "time" || res.Steps != 4 || len(res.Outer) != 1 || res.Outer[0].Dim != "member" || res.Outer[0].Steps != 3 {
			t.Fatalf("extents %+v, outer %+v", res.Extent, res.Outer)
		}
		if want := []string{"ens_m01_000.json", "ens_m01_002.json", "ens_m02_000.json", "ens_m02_002.json", "ens_m03_000.json", "ens_m03_002.json"}; !slices.Equal(res.Order, want) {
			t.Errorf("order %v, want %v", res.Order, want)
		}
		if _, vals := outputValues(t, res.Set, "member"); !slices.Equal(vals, []float64{1, 2, 3}) {
			t.Errorf("member %v", vals)
		}
		if _, vals := outputValues(t, res.Set, "time"); !slices.Equal(vals, []float64{0, 1, 2, 3}) {
			t.Errorf("time %v", vals)
		}
		if dims := outputAttrs(t, res.Set, "tas")["_ARRAY_DIMENSIONS"]; fmt.Sprint(dims) != "[member time x]" {
			t.Errorf("tas dims %v", dims)
		}
		if dims := outputAttrs(t, res.Set, "x")["_ARRAY_DIMENSIONS"]; fmt.Sprint(dims) != "[x]" {
			t.Errorf("x dims %v", dims)
		}
		tas := res.Set.Arrays["tas"]
		if !slices.Equal(tas.Grid, []int{3, 4, 2}) {
			t.Fatalf("tas grid %v", tas.Grid)
		}
		for m := range 3 {
			for day := range 4 {
				for x := range 2 {
					first := day / 2 * 2
					file := fmt.Sprintf("ens_m%02d_%03d.nc", m+1, first)
					want := ranged(file, int64(m+1))((day-first)*2 + x)
					got, _ := tas.Chunk(tas.Linear([]int{m, day, x}))
					if !equalRef(got, want) {
						t.Errorf("tas[%d,%d,%d] = %+v, want %+v", m, day, x, got, want)
					}
				}
			}
		}
	}
}

// TestNestedRefusals: a member missing a month, two inputs of one member
// and month, a new dim the inputs have.
func TestNestedRefusals(t *testing.T) {
	member := Dim{Name: "member", Coord: CoordSpec{Kind: CoordAttr, Attr: "member_id"}, New: true}
	opts := Options{Dims: []Dim{member, {Name: "time"}}}
	e := combineError(t, opts, ensembleInput(1, 0, 1), ensembleInput(1, 2, 3), ensembleInput(2, 0, 1))
	wantError(t, e, []string{"ens_m01_000.json .. ens_m01_002.json (2 inputs, one member)", "ens_m02_000.json"}, "time",
		"different steps along time: 4", "and 2", "missing")

	dup := ensembleInput(1, 0, 1)
	dup.name = "copy.json"
	e = combineError(t, opts, ensembleInput(1, 0, 1), dup)
	wantError(t, e, []string{"ens_m01_000.json", "copy.json"}, "time", "duplicate coordinate")

	opts = Options{Dims: []Dim{{Name: "time", Coord: CoordSpec{Kind: CoordIndex}, New: true}}}
	e = combineError(t, opts, ensembleInput(1, 0, 1))
	wantError(t, e, []string{"ens_m01_000.json"}, "time", "--concat-dim, not --new-dim")
}

// TestTwoDims joins inputs that have both dims (a member dim of one step
// with its coordinate variable) as the new-dim inputs are joined.
func TestTwoDims(t *testing.T) {
	member := func(m int, days ...float64) testInput {
		in := ensembleInput(m, days...)
		in.arrays["member"] = testArray{dims: []string{"member"}, shape: []int64{1}, dtype: "<i4", values: []float64{float64(m)}}
		tas := in.arrays["tas"]
		tas.dims = append([]string{"member"}, tas.dims...)
		tas.shape = append([]int64{1}, tas.shape...)
		tas.chunks = append([]int64{1}, tas.chunks...)
		in.arrays["tas"] = tas
		return in
	}
	var given []testInput
	for _, m := range []int{2, 1} {
		given = append(given, member(m, 2, 3), member(m, 0, 1))
	}
	res := mustCombine(t, Options{Dims: []Dim{{Name: "member"}, {Name: "time"}}}, given...)
	if _, vals := outputValues(t, res.Set, "member"); !slices.Equal(vals, []float64{1, 2}) {
		t.Errorf("member %v", vals)
	}
	tas := res.Set.Arrays["tas"]
	if !slices.Equal(tas.Grid, []int{2, 4, 2}) {
		t.Fatalf("tas grid %v", tas.Grid)
	}
	got, _ := tas.Chunk(tas.Linear([]int{1, 3, 1}))
	if want := ranged("ens_m02_002.nc", 2)(3); !equalRef(got, want) {
		t.Errorf("tas[1,3,1] = %+v, want %+v", got, want)
	}
	// A member dim the inputs have cannot be added again.
	e := combineError(t, Options{Dims: []Dim{{Name: "member", Coord: CoordSpec{Kind: CoordIndex}, New: true}, {Name: "time"}}}, given...)
	wantError(t, e, []string{"ens_m02_002.json"}, "member", "--concat-dim, not --new-dim")
}

// TestNewDimsOrder: several new dims come in front in the order given.
func TestNewDimsOrder(t *testing.T) {
	var given []testInput
	for _, m := range []int{2, 1} {
		given = append(given, ensembleInput(m, 0, 1))
	}
	opts := Options{Dims: []Dim{
		{Name: "member", Coord: CoordSpec{Kind: CoordRegex, Regex: regexp.MustCompile(`_m(\d+)_`)}, New: true},
		{Name: "run", Coord: CoordSpec{Kind: CoordRegex, Regex: regexp.MustCompile(`_(\d{3})\.json`)}, New: true},
		{Name: "time"},
	}}
	res := mustCombine(t, opts, given...)
	if dims := outputAttrs(t, res.Set, "tas")["_ARRAY_DIMENSIONS"]; fmt.Sprint(dims) != "[member run time x]" {
		t.Errorf("tas dims %v", dims)
	}
	if len(res.Outer) != 2 || res.Outer[0].Dim != "member" || res.Outer[1].Dim != "run" {
		t.Errorf("outer extents %+v", res.Outer)
	}
}
