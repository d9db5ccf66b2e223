package combine

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
)

func TestResult(t *testing.T) {
	a := coordInput{"a.json", "days since 2000-01-01", "noleap", "<i4", []float64{58, 59}}.testInput()
	b := coordInput{"b.json", "hours since 2000-03-02", "noleap", "<i4", []float64{0, 6}}.testInput()
	b.arrays["tas"].attrs["long_name"] = "b's name"
	res := mustCombine(t, Options{}, b, a)

	if !slices.Equal(res.Order, []string{"a.json", "b.json"}) {
		t.Errorf("Order %v, want [a.json b.json]", res.Order)
	}
	if res.Steps != 4 {
		t.Errorf("Steps %d, want 4", res.Steps)
	}
	// Day 58 of noleap 2000 is 28 February; b ends 6 hours into 2 March.
	if res.First != "2000-02-28 00:00:00" || res.Last != "2000-03-02 06:00:00" {
		t.Errorf("First %q, Last %q; want 2000-02-28 00:00:00, 2000-03-02 06:00:00", res.First, res.Last)
	}
	want := []string{
		"attribute long_name of tas differs between inputs: kept the value of a.json (the first); b.json differ",
		`time: times converted to "days since 2000-01-01" (inline); b.json had "hours since 2000-03-02 00:00:00"`,
	}
	if !slices.Equal(res.Notices, want) {
		t.Errorf("Notices:\n%s\nwant:\n%s", strings.Join(res.Notices, "\n"), strings.Join(want, "\n"))
	}
	if _, got := outputValues(t, res.Set, "time"); !slices.Equal(got, []float64{58, 59, 60, 60.25}) {
		t.Errorf("time %v, want [58 59 60 60.25]", got)
	}

	// Nothing converted, nothing differing: no notices.
	res = mustCombine(t, Options{}, dayInput("x", 1), dayInput("y", 2))
	if len(res.Notices) != 0 {
		t.Errorf("Notices %q, want none", res.Notices)
	}
}

func TestCombineArguments(t *testing.T) {
	ctx := context.Background()
	if _, err := Combine(ctx, build(t, dayInput("a", 0)), Options{}); err == nil || !strings.Contains(err.Error(), "no concat dimension") {
		t.Errorf("no ConcatDim: %v", err)
	}
	if _, err := Combine(ctx, nil, Options{ConcatDim: "time"}); err == nil || !strings.Contains(err.Error(), "no inputs") {
		t.Errorf("no inputs: %v", err)
	}
	// The parse errors of several inputs: the first in command-line order.
	bad := func(name string) testInput {
		in := dayInput(name, 0)
		in.arrays["tas"] = testArray{dims: []string{"x"}, shape: []int64{1}}
		delete(in.arrays, "time")
		return in
	}
	e := combineError(t, Options{Workers: 4}, dayInput("a", 0), bad("b"), bad("c"))
	wantError(t, e, []string{"b"}, "", `no variable has the dimension "time"`)

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Combine(cancelled, build(t, dayInput("a", 0), dayInput("b", 1)), Options{ConcatDim: "time"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestCombineNoOpener: a coordinate in a file cannot be read without an
// Opener; the error says so and names the input.
func TestCombineNoOpener(t *testing.T) {
	in := dayInput("a", 0)
	coord := in.arrays["time"]
	coord.values, coord.ref = nil, ranged("a.nc", 0)
	in.arrays["time"] = coord
	e := combineError(t, Options{}, dayInput("b", 1), in)
	wantError(t, e, []string{"a"}, "time", "refers to a.nc, but the store has no opener")
}

// TestCombineLeavesInputs: Combine reads its inputs and never changes
// them, so callers may combine the same sets again.
// TestCombineReadFailure: a coordinate whose file cannot be read is a
// combine.Error naming the input, and the read's own error (here the
// fs.PathError of a missing file) stays reachable for the caller to tell
// a failed read from a conflict.
func TestCombineReadFailure(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.nc")
	in := dayInput("a", 0)
	coord := in.arrays["time"]
	coord.values, coord.ref = nil, ranged(missing, 0)
	in.arrays["time"] = coord
	opener := blob.NewOpener()
	defer opener.Close()
	_, err := Combine(context.Background(), build(t, dayInput("b", 1), in), Options{ConcatDim: "time", Opener: opener})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a combine.Error", err)
	}
	wantError(t, e, []string{"a"}, "time", missing)
	var pe *fs.PathError
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not reach the fs.PathError of the read", err)
	}
}

func TestCombineLeavesInputs(t *testing.T) {
	inputs := []testInput{
		boundsInput("b", "hours since 2000-01-03", []float64{0, 24}, testArray{values: []float64{-12, 12, 12, 36}}),
		boundsInput("a", "days since 2000-01-01", []float64{0, 1}, testArray{values: []float64{-0.5, 0.5, 0.5, 1.5}}),
	}
	for _, in := range inputs {
		in.arrays["tas"] = dataVar([]string{"time", "x"}, []int64{2, 3}, []int64{1, 2}, in.name+".nc", 0)
		in.arrays["lat"] = testArray{dims: []string{"lat"}, shape: []int64{2}, values: []float64{1, 2}}
	}
	given, pristine := build(t, inputs...), build(t, inputs...)
	first, err := Combine(context.Background(), given, Options{ConcatDim: "time"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(given, pristine) {
		t.Fatal("Combine changed its inputs")
	}
	again, err := Combine(context.Background(), given, Options{ConcatDim: "time"})
	if err != nil || !reflect.DeepEqual(again, first) {
		t.Errorf("combining the same inputs again gave another result (%v)", err)
	}
}

// TestCombineWorkers: reading inputs concurrently gives the result of
// reading them one by one (run with -race).
func TestCombineWorkers(t *testing.T) {
	var inputs []testInput
	for k := range 12 {
		units := "days since 2000-01-01"
		if k%2 == 1 {
			units = "hours since 2000-01-01"
		}
		v := float64(k)
		if k%2 == 1 {
			v *= 24
		}
		in := coordInput{string(rune('a' + k)), units, "standard", "<i4", []float64{v}}.testInput()
		in.arrays["lat"] = testArray{dims: []string{"lat"}, shape: []int64{3}, chunks: []int64{2}, values: []float64{1, 2, 3}}
		inputs = append(inputs, in)
	}
	slices.Reverse(inputs)
	one := mustCombine(t, Options{Workers: 1}, inputs...)
	many := mustCombine(t, Options{Workers: 5}, inputs...)
	if !reflect.DeepEqual(one, many) {
		t.Error("Workers: 5 gives another result than Workers: 1")
	}
}

func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Reason: "no inputs"}, "no inputs"},
		{Error{Inputs: []string{"a.json"}, Reason: "bad"}, "bad (in a.json)"},
		{Error{Inputs: []string{"a.json", "b.json"}, Variable: "tas", Reason: "differ"}, "tas: differ (inputs a.json and b.json)"},
		{Error{Variable: "g/h", Reason: "group missing"}, "g/h: group missing"},
		{Error{Inputs: []string{"a.json"}, Variable: "time", Err: errors.New("EOF")}, "time: EOF (in a.json)"},
		{Error{Inputs: []string{"a.json"}, Variable: "time", Reason: "not a CF time", Err: errors.New("no since")}, "time: not a CF time: no since (in a.json)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
