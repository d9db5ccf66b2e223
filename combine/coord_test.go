package combine

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// coordInput is an input whose time coordinate has the given units,
// calendar, dtype and values, with a variable tas along time.
type coordInput struct {
	name, units, calendar, dtype string
	vals                         []float64
}

func (ci coordInput) testInput() testInput {
	return testInput{name: ci.name, arrays: map[string]testArray{
		"time": timeCoord(ci.units, ci.calendar, ci.dtype, ci.vals...),
		"tas":  dataVar([]string{"time"}, []int64{int64(len(ci.vals))}, []int64{1}, ci.name+".nc", 0),
	}}
}

func coordInputs(cis ...coordInput) []testInput {
	out := make([]testInput, len(cis))
	for i, ci := range cis {
		out[i] = ci.testInput()
	}
	return out
}

// daysSince counts days from epoch to t in the proleptic Gregorian
// calendar of package time, which is the standard calendar after 1582.
func daysSince(epoch, t string) float64 {
	const layout = "2006-01-02 15:04"
	e, err1 := time.Parse(layout, epoch)
	d, err2 := time.Parse(layout, t)
	if err1 != nil || err2 != nil {
		panic(fmt.Sprint(err1, err2))
	}
	return d.Sub(e).Hours() / 24
}

// TestCFTime: coordinates in different units of one calendar are put on
// one axis: the --time-units, or the units of the first input in
// coordinate order; integer times stay integers when every converted value
// is whole and fits.
func TestCFTime(t *testing.T) {
	const d2000 = "days since 2000-01-01"
	for _, tc := range []struct {
		name         string
		given        []coordInput
		timeUnits    string
		wantOrder    []string
		wantDType    string
		wantUnits    string
		wantCalendar any // nil: no calendar attribute
		want         []float64
		first, last  string
	}{
		{"days and hours, different epochs", []coordInput{
			{"b", "hours since 2000-01-03", "standard", "<i4", []float64{0, 24}},
			{"c", "days since 1999-12-01", "standard", "<i4", []float64{35}}, // 31 days of December + 4
			{"a", d2000, "standard", "<i4", []float64{0, 1}},
		}, "", []string{"a", "b", "c"}, "<i4", d2000, "standard", []float64{0, 1, 2, 3, 4},
			"2000-01-01 00:00:00", "2000-01-05 00:00:00"},
		// 28 February and 1 March are one day apart in noleap, two in
		// standard 2000 (a leap year), and 29 February is the 60th day.
		{"noleap: 1 March is day 59", []coordInput{
			{"mar", "days since 2000-03-01", "noleap", "<i4", []float64{0, 1}},
			{"feb", d2000, "noleap", "<i4", []float64{57, 58}},
		}, "", []string{"feb", "mar"}, "<i4", d2000, "noleap", []float64{57, 58, 59, 60},
			"2000-02-27 00:00:00", "2000-03-02 00:00:00"},
		{"standard: 1 March is day 60", []coordInput{
			{"mar", "days since 2000-03-01", "standard", "<i4", []float64{0, 1}},
			{"feb", d2000, "standard", "<i4", []float64{58, 59}},
		}, "", []string{"feb", "mar"}, "<i4", d2000, "standard", []float64{58, 59, 60, 61},
			"2000-02-28 00:00:00", "2000-03-02 00:00:00"},
		{"360_day: 30 February exists", []coordInput{
			{"mar", "days since 2000-03-01", "360_day", "<i4", []float64{0}},
			{"feb", d2000, "360_day", "<i4", []float64{59}},
		}, "", []string{"feb", "mar"}, "<i4", d2000, "360_day", []float64{59, 60},
			"2000-02-30 00:00:00", "2000-03-01 00:00:00"},
		{"calendar aliases and the default", []coordInput{
			{"c", "days since 2000-01-03", "", "<i4", []float64{0}},
			{"a", d2000, "gregorian", "<i4", []float64{0}},
			{"b", d2000, "standard", "<i4", []float64{1}},
		}, "", []string{"a", "b", "c"}, "<i4", d2000, "gregorian", []float64{0, 1, 2},
			"2000-01-01 00:00:00", "2000-01-03 00:00:00"},
		{"--time-units in hours", []coordInput{
			{"a", d2000, "standard", "<i4", []float64{0, 1}},
			{"b", "days since 2000-01-03", "standard", "<i4", []float64{0}},
		}, "hours since 2000-01-01", []string{"a", "b"}, "<i4", "hours since 2000-01-01", "standard", []float64{0, 24, 48},
			"2000-01-01 00:00:00", "2000-01-03 00:00:00"},
		{"--time-units of another epoch", []coordInput{
			{"a", d2000, "standard", "<i4", []float64{0, 31}},
		}, "days since 1970-01-01", []string{"a"}, "<i4", "days since 1970-01-01", "standard",
			[]float64{daysSince("1970-01-01 00:00", "2000-01-01 00:00"), daysSince("1970-01-01 00:00", "2000-02-01 00:00")},
			"2000-01-01 00:00:00", "2000-02-01 00:00:00"},
		{"half days make <i4 <f8", []coordInput{
			{"a", d2000, "standard", "<i4", []float64{0, 1}},
			{"b", "hours since 2000-01-02", "standard", "<i4", []float64{12}},
		}, "", []string{"a", "b"}, "<f8", d2000, "standard", []float64{0, 1, 1.5},
			"2000-01-01 00:00:00", "2000-01-02 12:00:00"},
		{"<i2 overflowed by seconds", []coordInput{
			{"a", d2000, "standard", "<i2", []float64{0}},
			{"b", d2000, "standard", "<i2", []float64{1}},
		}, "seconds since 2000-01-01", []string{"a", "b"}, "<f8", "seconds since 2000-01-01", "standard", []float64{0, 86400},
			"2000-01-01 00:00:00", "2000-01-02 00:00:00"},
		{"<i2 that fits", []coordInput{
			{"a", d2000, "standard", "<i2", []float64{0}},
			{"b", d2000, "standard", "<i2", []float64{1}},
		}, "hours since 2000-01-01", []string{"a", "b"}, "<i2", "hours since 2000-01-01", "standard", []float64{0, 24},
			"2000-01-01 00:00:00", "2000-01-02 00:00:00"},
		{"<u4 made negative", []coordInput{
			{"a", d2000, "standard", "<u4", []float64{0, 1}},
		}, "days since 2000-01-03", []string{"a"}, "<f8", "days since 2000-01-03", "standard", []float64{-2, -1},
			"2000-01-01 00:00:00", "2000-01-02 00:00:00"},
		{">i4 written little-endian", []coordInput{
			{"b", "days since 2000-01-02", "standard", ">i4", []float64{1}},
			{"a", d2000, "standard", ">i4", []float64{0, 1}},
		}, "", []string{"a", "b"}, "<i4", d2000, "standard", []float64{0, 1, 2},
			"2000-01-01 00:00:00", "2000-01-03 00:00:00"},
		{"<f4 that stays exact", []coordInput{
			{"a", d2000, "standard", "<f4", []float64{0, 0.5}},
			{"b", "hours since 2000-01-02", "standard", "<f4", []float64{12}},
		}, "", []string{"a", "b"}, "<f4", d2000, "standard", []float64{0, 0.5, 1.5},
			"2000-01-01 00:00:00", "2000-01-02 12:00:00"},
		{"<f4 that would round", []coordInput{
			{"a", d2000, "standard", "<f4", []float64{0}},
			{"b", "hours since 2000-01-01", "standard", "<f4", []float64{1}},
		}, "", []string{"a", "b"}, "<f8", d2000, "standard", []float64{0, 1.0 / 24},
			"2000-01-01 00:00:00", "2000-01-01 01:00:00"},
		{"integers and floats", []coordInput{
			{"a", d2000, "standard", "<i4", []float64{0}},
			{"b", d2000, "standard", "<f8", []float64{1}},
		}, "", []string{"a", "b"}, "<f8", d2000, "standard", []float64{0, 1},
			"2000-01-01 00:00:00", "2000-01-02 00:00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustCombine(t, Options{TimeUnits: tc.timeUnits}, coordInputs(tc.given...)...)
			if !slices.Equal(res.Order, tc.wantOrder) || res.First != tc.first || res.Last != tc.last {
				t.Errorf("order %v, %s .. %s; want %v, %s .. %s", res.Order, res.First, res.Last, tc.wantOrder, tc.first, tc.last)
			}
			dtype, got := outputValues(t, res.Set, "time")
			if dtype != tc.wantDType || !slices.Equal(got, tc.want) {
				t.Errorf("time %s %v, want %s %v", dtype, got, tc.wantDType, tc.want)
			}
			attrs := outputAttrs(t, res.Set, "time")
			if attrs["units"] != tc.wantUnits || attrs["calendar"] != tc.wantCalendar || attrs["standard_name"] != "time" {
				t.Errorf("time attributes %v, want units %q, calendar %v", attrs, tc.wantUnits, tc.wantCalendar)
			}
			if m := res.Set.Arrays["time"]; m.Len() != 1 || m.Stored() != 1 {
				t.Errorf("time: %d chunks, %d stored; want one inline chunk", m.Len(), m.Stored())
			}
			if res.Steps != len(tc.want) || res.Set.Arrays["tas"].Len() != len(tc.want) {
				t.Errorf("Steps %d, %d tas chunks; want %d", res.Steps, res.Set.Arrays["tas"].Len(), len(tc.want))
			}
		})
	}
}

// TestCFTimeGivenOrder: the output does not depend on the order the
// inputs are given in.
func TestCFTimeGivenOrder(t *testing.T) {
	inputs := coordInputs(
		coordInput{"a", "days since 2000-01-01", "standard", "<i4", []float64{0, 1}},
		coordInput{"b", "hours since 2000-01-03", "gregorian", "<i4", []float64{0, 24}},
		coordInput{"c", "days since 1999-12-01", "", "<f8", []float64{35.5}},
	)
	var want *Result
	for _, p := range permutations(len(inputs)) {
		given := make([]testInput, len(p))
		for i, k := range p {
			given[i] = inputs[k]
		}
		res := mustCombine(t, Options{}, given...)
		if want == nil {
			want = res
			continue
		}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("given in order %v: the result differs from the first order's:\n%s\n%s",
				p, refstest.DocOf(t, res.Set, "time/.zattrs"), refstest.DocOf(t, want.Set, "time/.zattrs"))
		}
	}
}

func TestCFTimeRefused(t *testing.T) {
	for _, tc := range []struct {
		name   string
		given  []coordInput
		opts   Options
		inputs []string
		reason string
	}{
		{"calendars differ", []coordInput{
			{"a", "days since 2000-01-01", "noleap", "<i4", []float64{0}},
			{"b", "days since 2000-01-01", "standard", "<i4", []float64{1}},
		}, Options{}, []string{"a", "b"}, "calendars noleap and standard differ"},
		{"calendars differ, one absent", []coordInput{
			{"a", "days since 2000-01-01", "", "<i4", []float64{0}},
			{"b", "days since 2000-01-01", "360_day", "<i4", []float64{1}},
		}, Options{}, []string{"a", "b"}, "calendars standard and 360_day differ"},
		// 59 days after 1 January is 1 March in noleap: b's first day.
		{"noleap duplicate", []coordInput{
			{"a", "days since 2000-01-01", "noleap", "<i4", []float64{59}},
			{"b", "days since 2000-03-01", "noleap", "<i4", []float64{0}},
		}, Options{}, []string{"a", "b"}, "duplicate coordinate 2000-03-01 00:00:00"},
		{"units of one input unreadable", []coordInput{
			{"a", "days since 2000-01-01", "", "<i4", []float64{0}},
			{"b", "days since", "", "<i4", []float64{1}},
		}, Options{}, []string{"b"}, "not a CF time"},
		{"cf asked for plain numbers", []coordInput{
			{"a", "m", "", "<i4", []float64{0}},
		}, Options{Coord: CoordSpec{Kind: CoordCF}}, []string{"a"}, "not a CF time"},
		{"values asked for, time units differ", []coordInput{
			{"a", "days since 2000-01-01", "", "<i4", []float64{0}},
			{"b", "days since 2000-01-02", "", "<i4", []float64{1}},
		}, Options{Coord: CoordSpec{Kind: CoordValues}}, []string{"a", "b"},
			`units "days since 2000-01-01" and "days since 2000-01-02" differ and the values are not CF times`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, combineError(t, tc.opts, coordInputs(tc.given...)...), tc.inputs, "time", tc.reason)
		})
	}

	// Packed times: the stored numbers are not times until scaled, so
	// converting them between units (or ordering them by date) without
	// unpacking would put the steps at the wrong dates. b holds days
	// 8 .. 9 after 1 January, stored as 0, 2.
	t.Run("packed times", func(t *testing.T) {
		for _, attr := range []string{"scale_factor", "add_offset"} {
			packed := coordInputs(
				coordInput{"a", "days since 2000-01-01", "", "<i2", []float64{0, 2}},
				coordInput{"b", "days since 2000-01-09", "", "<i2", []float64{0, 2}})
			for _, in := range packed {
				in.arrays["time"].attrs[attr] = 0.5
			}
			wantError(t, combineError(t, Options{}, packed...), []string{"a"}, "time", attr, "packed")
		}
	})
	t.Run("no coordinate variable", func(t *testing.T) {
		in := dayInput("a", 0)
		delete(in.arrays, "time")
		wantError(t, combineError(t, Options{}, in), []string{"a"}, "time",
			`no one-dimensional coordinate variable "time"`, "--coord time=regex:RE, attr:NAME or index")
	})
	t.Run("bad --time-units", func(t *testing.T) {
		_, err := Combine(context.Background(), build(t, dayInput("a", 0)), Options{ConcatDim: "time", TimeUnits: "fortnights since 2000-01-01"})
		if err == nil || !strings.Contains(err.Error(), `--time-units "fortnights since 2000-01-01"`) {
			t.Errorf("Combine: %v, want an error about --time-units", err)
		}
	})
}

// TestValuesCoordinate: a coordinate that is not a time is merged as
// numbers, which needs the same units everywhere.
func TestValuesCoordinate(t *testing.T) {
	level := func(name, units, dtype string, vals ...float64) testInput {
		return testInput{name: name, arrays: map[string]testArray{
			"level": {dims: []string{"level"}, shape: []int64{int64(len(vals))}, dtype: dtype,
				attrs: map[string]any{"units": units}, values: vals},
			"ta": dataVar([]string{"level", "x"}, []int64{int64(len(vals)), 2}, []int64{1, 2}, name+".nc", 0),
		}}
	}
	opts := Options{ConcatDim: "level"}

	res := mustCombine(t, opts, level("high", "hPa", "<i4", 500, 850), level("low", "hPa", "<i4", 100, 250))
	if dtype, got := outputValues(t, res.Set, "level"); dtype != "<i4" || !slices.Equal(got, []float64{100, 250, 500, 850}) {
		t.Errorf("level %s %v, want <i4 [100 250 500 850]", dtype, got)
	}
	if attrs := outputAttrs(t, res.Set, "level"); attrs["units"] != "hPa" || res.First != "100" || res.Last != "850" {
		t.Errorf("attributes %v, %s .. %s; want units hPa, 100 .. 850", attrs, res.First, res.Last)
	}
	res = mustCombine(t, opts, level("a", "m", "<f4", 0.5, 1.25), level("b", "m", "<f4", 2))
	if dtype, got := outputValues(t, res.Set, "level"); dtype != "<f4" || !slices.Equal(got, []float64{0.5, 1.25, 2}) {
		t.Errorf("level %s %v, want <f4 [0.5 1.25 2]", dtype, got)
	}

	e := combineError(t, opts, level("a", "m", "<f4", 1), level("b", "km", "<f4", 2))
	wantError(t, e, []string{"a", "b"}, "level", `units "m" and "km" differ`, "cannot be merged as raw numbers")

	// 64-bit integers beyond 2^53 have no exact float64: the coordinate
	// would be written back rounded (2^60+1 as 2^60), so it is refused.
	big := func(name string, vals ...int64) testInput {
		in := level(name, "1", "<i8")
		var data []byte
		for _, v := range vals {
			data = binary.LittleEndian.AppendUint64(data, uint64(v))
		}
		lv := in.arrays["level"]
		lv.shape = []int64{int64(len(vals))}
		lv.ref = func(int) refs.Ref { return refs.Ref{Data: data} }
		in.arrays["level"] = lv
		in.arrays["ta"] = dataVar([]string{"level", "x"}, []int64{int64(len(vals)), 2}, []int64{1, 2}, name+".nc", 0)
		return in
	}
	e = combineError(t, opts, big("a", 1<<60+1, 1<<60+1001), big("b", 1<<60+2001))
	wantError(t, e, []string{"a"}, "level", "1152921504606846977", "no exact float64")
}

func TestIndexCoordinate(t *testing.T) {
	// Steps are numbered in command-line order, whatever the times say.
	a, b := dayInput("a", 5, 6), dayInput("b", 0)
	res := mustCombine(t, Options{Coord: CoordSpec{Kind: CoordIndex}}, a, b)
	if !slices.Equal(res.Order, []string{"a", "b"}) || res.First != "0" || res.Last != "2" || res.Steps != 3 {
		t.Errorf("order %v, %s .. %s, %d steps; want [a b], 0 .. 2, 3", res.Order, res.First, res.Last, res.Steps)
	}
	if dtype, got := outputValues(t, res.Set, "time"); dtype != "<i8" || !slices.Equal(got, []float64{0, 1, 2}) {
		t.Errorf("time %s %v, want <i8 [0 1 2]", dtype, got)
	}
	if attrs := outputAttrs(t, res.Set, "time"); !reflect.DeepEqual(attrs, map[string]any{"_ARRAY_DIMENSIONS": []any{"time"}}) {
		t.Errorf("time attributes %v, want only _ARRAY_DIMENSIONS", attrs)
	}
	if r, _ := res.Set.Arrays["tas"].Chunk(2); r.URL != "b.nc" {
		t.Errorf("tas chunk 2 is %+v, want b's", r)
	}
	if !slices.ContainsFunc(res.Notices, func(n string) bool { return strings.Contains(n, "array time is replaced") }) {
		t.Errorf("notices %q do not say the inputs' time array is replaced", res.Notices)
	}
}

// stepInput is an input of one step without a time coordinate variable.
func stepInput(name string, global map[string]any) testInput {
	return testInput{name: name, attrs: global, arrays: map[string]testArray{
		"tas": dataVar([]string{"time", "x"}, []int64{1, 4}, []int64{1, 2}, "tas.nc", 0),
	}}
}

// TestPerInputCoordinate: --coord regex:RE and attr:NAME give one date or
// number per input.
func TestPerInputCoordinate(t *testing.T) {
	const since1970 = "1970-01-01 00:00"
	day := func(date string) float64 { return daysSince(since1970, date) }
	named := func(names ...string) []testInput {
		out := make([]testInput, len(names))
		for i, n := range names {
			out[i] = stepInput(n, nil)
		}
		return out
	}
	attr := func(values ...any) []testInput {
		out := make([]testInput, len(values))
		for i, v := range values {
			out[i] = stepInput(fmt.Sprintf("in%d", i), map[string]any{"start": v, "title": "x"})
		}
		return out
	}
	regex := func(re string) CoordSpec {
		s, err := ParseCoordSpec("regex:" + re)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	byAttr := CoordSpec{Kind: CoordAttr, Attr: "start"}
	for _, tc := range []struct {
		name        string
		spec        CoordSpec
		timeUnits   string
		given       []testInput
		wantOrder   []string
		want        []float64
		wantUnits   any // nil: a number, no units
		first, last string
	}{
		{"YYYYMMDD", regex(`_(\d{8})\.`), "", named("tas_20000301.json", "tas_20000229.json"),
			[]string{"tas_20000229.json", "tas_20000301.json"}, []float64{day("2000-02-29 00:00"), day("2000-03-01 00:00")},
			"days since 1970-01-01 00:00:00", "2000-02-29 00:00:00", "2000-03-01 00:00:00"},
		{"whole match", regex(`\d{8}`), "", named("19991231.json", "20000101.json"),
			[]string{"19991231.json", "20000101.json"}, []float64{day("1999-12-31 00:00"), day("2000-01-01 00:00")},
			"days since 1970-01-01 00:00:00", "1999-12-31 00:00:00", "2000-01-01 00:00:00"},
		{"ISO with time", regex(`_(\d{4}-\d\d-\d\dT[\d:]+)\.json`), "", named("r_2000-03-01T06:00:00.json", "r_2000-02-29T18:00:00.json"),
			[]string{"r_2000-02-29T18:00:00.json", "r_2000-03-01T06:00:00.json"}, []float64{day("2000-02-29 18:00"), day("2000-03-01 06:00")},
			"days since 1970-01-01 00:00:00", "2000-02-29 18:00:00", "2000-03-01 06:00:00"},
		{"YYYYMM and YYYYMMDDHH", regex(`_(\d+)\.`), "", named("m_200002.json", "h_2000012912.json"),
			[]string{"h_2000012912.json", "m_200002.json"}, []float64{day("2000-01-29 12:00"), day("2000-02-01 00:00")},
			"days since 1970-01-01 00:00:00", "2000-01-29 12:00:00", "2000-02-01 00:00:00"},
		{"YYYYMMDDHHMM and YYYYMMDDHHMMSS", regex(`_(\d+)\.`), "", named("a_20000101063015.json", "b_200001010630.json"),
			[]string{"b_200001010630.json", "a_20000101063015.json"}, []float64{day("2000-01-01 06:30"), day("2000-01-01 06:30") + 15.0/86400},
			"days since 1970-01-01 00:00:00", "2000-01-01 06:30:00", "2000-01-01 06:30:15"},
		{"in --time-units", regex(`_(\d{8})\.`), "hours since 2000-03-01", named("tas_20000301.json", "tas_20000229.json"),
			[]string{"tas_20000229.json", "tas_20000301.json"}, []float64{-24, 0},
			"hours since 2000-03-01", "2000-02-29 00:00:00", "2000-03-01 00:00:00"},
		{"base name only", regex(`(\d{8})`), "", named("run_20990101/t_20000102.json", "run_20980101/t_20000101.json"),
			[]string{"run_20980101/t_20000101.json", "run_20990101/t_20000102.json"}, []float64{day("2000-01-01 00:00"), day("2000-01-02 00:00")},
			"days since 1970-01-01 00:00:00", "2000-01-01 00:00:00", "2000-01-02 00:00:00"},
		{"numbers in names", regex(`member(\d+)`), "", named("member12.json", "member3.json"),
			[]string{"member3.json", "member12.json"}, []float64{3, 12}, nil, "3", "12"},
		{"date attributes in two forms", byAttr, "", attr("2000-03-01", "20000229", "2000-03-01 12:00:00"),
			[]string{"in1", "in0", "in2"}, []float64{day("2000-02-29 00:00"), day("2000-03-01 00:00"), day("2000-03-01 12:00")},
			"days since 1970-01-01 00:00:00", "2000-02-29 00:00:00", "2000-03-01 12:00:00"},
		{"number attributes", byAttr, "", attr(7, []int{5}, "6.5"),
			[]string{"in1", "in2", "in0"}, []float64{5, 6.5, 7}, nil, "5", "7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustCombine(t, Options{Coord: tc.spec, TimeUnits: tc.timeUnits}, tc.given...)
			if !slices.Equal(res.Order, tc.wantOrder) || res.First != tc.first || res.Last != tc.last {
				t.Errorf("order %v, %s .. %s; want %v, %s .. %s", res.Order, res.First, res.Last, tc.wantOrder, tc.first, tc.last)
			}
			dtype, got := outputValues(t, res.Set, "time")
			if dtype != "<f8" || len(got) != len(tc.want) {
				t.Fatalf("time %s %v, want <f8 %v", dtype, got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-9 {
					t.Errorf("time %v, want %v", got, tc.want)
					break
				}
			}
			attrs := outputAttrs(t, res.Set, "time")
			if attrs["units"] != tc.wantUnits || (tc.wantUnits != nil && attrs["calendar"] != "standard") {
				t.Errorf("time attributes %v, want units %v", attrs, tc.wantUnits)
			}
		})
	}
}

func TestPerInputCoordinateRefused(t *testing.T) {
	regex := CoordSpec{Kind: CoordRegex}
	regex.Regex = mustRegex(t, `_([-\w]+)\.json`)
	byAttr := CoordSpec{Kind: CoordAttr, Attr: "start"}
	withAttr := func(name string, v any) testInput { return stepInput(name, map[string]any{"start": v}) }
	twoSteps := stepInput("x_20000102.json", nil)
	twoSteps.arrays["tas"] = dataVar([]string{"time", "x"}, []int64{2, 4}, []int64{1, 2}, "tas.nc", 0)
	for _, tc := range []struct {
		name   string
		spec   CoordSpec
		given  []testInput
		inputs []string
		reason string
	}{
		{"two steps in one input", regex, []testInput{stepInput("x_20000101.json", nil), twoSteps},
			[]string{"x_20000102.json"}, "holds 2 steps along time, but --coord time gives one value per input"},
		{"no match", regex, []testInput{stepInput("x_20000101.json", nil), stepInput("x-20000102.json", nil)},
			[]string{"x-20000102.json"}, `name "x-20000102.json" does not match`},
		{"a date, then a number", regex, []testInput{stepInput("x_20000101.json", nil), stepInput("x_7.json", nil)},
			[]string{"x_20000101.json", "x_7.json"}, "one input gives a date, the other a number"},
		{"a number, then a date", regex, []testInput{stepInput("x_7.json", nil), stepInput("x_20000101.json", nil)},
			[]string{"x_7.json", "x_20000101.json"}, "one input gives a date, the other a number"},
		{"no such date", regex, []testInput{stepInput("x_20001345.json", nil)},
			[]string{"x_20001345.json"}, `date "20001345"`},
		{"neither date nor number", regex, []testInput{stepInput("x_abc.json", nil)},
			[]string{"x_abc.json"}, `"abc" is neither a date nor a number`},
		{"attribute missing", byAttr, []testInput{withAttr("a", "2000-01-01"), stepInput("b", map[string]any{"other": 1})},
			[]string{"b"}, `no global attribute "start"`},
		{"attribute an object", byAttr, []testInput{withAttr("a", map[string]any{"y": 2000})},
			[]string{"a"}, "global attribute start = {\"y\":2000} is neither a date nor a number"},
		{"attribute a list of two", byAttr, []testInput{withAttr("a", []int{1, 2})},
			[]string{"a"}, "is neither a date nor a number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, combineError(t, Options{Coord: tc.spec}, tc.given...), tc.inputs, "", tc.reason)
		})
	}
	t.Run("the same date twice", func(t *testing.T) {
		e := combineError(t, Options{Coord: regex}, stepInput("y_2000-01-01.json", nil), stepInput("x_20000101.json", nil))
		wantError(t, e, []string{"y_2000-01-01.json", "x_20000101.json"}, "time", "duplicate coordinate 2000-01-01 00:00:00")
	})
}

func TestParseCoordSpec(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		kind    CoordKind
		attr    string
		regex   string
		wantErr string
	}{
		{"", CoordAuto, "", "", ""},
		{"auto", CoordAuto, "", "", ""},
		{"values", CoordValues, "", "", ""},
		{"cf", CoordCF, "", "", ""},
		{"index", CoordIndex, "", "", ""},
		{"attr:start_date", CoordAttr, "start_date", "", ""},
		{"attr:a:b", CoordAttr, "a:b", "", ""},
		{`regex:_(\d{8})\.nc`, CoordRegex, "", `_(\d{8})\.nc`, ""},
		{"regex:a:b", CoordRegex, "", "a:b", ""},
		{"attr", 0, "", "", "attr needs a name"},
		{"attr:", 0, "", "", "attr needs a name"},
		{"regex", 0, "", "", "regex needs an expression"},
		{"regex:", 0, "", "", "regex needs an expression"},
		{"regex:(", 0, "", "", "missing closing )"},
		{"index:3", 0, "", "", `coord spec "index:3": index takes no argument`},
		{"values:m", 0, "", "", "values takes no argument"},
		{"cf:noleap", 0, "", "", "cf takes no argument"},
		{"auto:", 0, "", "", "auto takes no argument"},
		{"Values", 0, "", "", "want values, cf"},
		{"time", 0, "", "", `coord spec "time"`},
	} {
		s, err := ParseCoordSpec(tc.spec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseCoordSpec(%q) = %+v, %v; want an error saying %q", tc.spec, s, err, tc.wantErr)
			}
			continue
		}
		re := ""
		if s.Regex != nil {
			re = s.Regex.String()
		}
		if err != nil || s.Kind != tc.kind || s.Attr != tc.attr || re != tc.regex {
			t.Errorf("ParseCoordSpec(%q) = %+v (regex %q), %v; want kind %d attr %q regex %q", tc.spec, s, re, err, tc.kind, tc.attr, tc.regex)
		}
	}
}

func TestNormalizeDate(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		isDate   bool
	}{
		{"20000301", "2000-03-01", true},
		{" 20000301 ", "2000-03-01", true},
		{"200003", "2000-03-01", true},
		{"2000030112", "2000-03-01 12:00:00", true},
		{"200003011230", "2000-03-01 12:30:00", true},
		{"20000301123045", "2000-03-01 12:30:45", true},
		{"2000-03-01", "2000-03-01", true},
		{"2000-03-01T06:00:00Z", "2000-03-01T06:00:00Z", true},
		{"2000-3-1 6:00", "2000-3-1 6:00", true},
		// Digit runs of other lengths are numbers, as are decimals.
		{"2000", "", false},
		{"2000030", "", false},
		{"200003011", "", false},
		{"7", "", false},
		{"12.5", "", false},
		{"2000-03", "", false},
		{"", "", false},
		{"abc", "", false},
	} {
		got, ok := normalizeDate(tc.in)
		if got != tc.want || ok != tc.isDate {
			t.Errorf("normalizeDate(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.isDate)
		}
	}
}

func mustRegex(t testing.TB, re string) *regexp.Regexp {
	t.Helper()
	r, err := regexp.Compile(re)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTimeUnitsNeedCFTime: --time-units on a coordinate that is not a CF
// time would do nothing; it is refused instead.
func TestTimeUnitsNeedCFTime(t *testing.T) {
	step := func(name string, v float64) testInput {
		return testInput{name: name, arrays: map[string]testArray{
			"time": timeCoord("1", "", "<f8", v),
			"tas":  dataVar([]string{"time"}, []int64{1}, []int64{1}, name+".nc", 0),
		}}
	}
	e := combineError(t, Options{TimeUnits: "days since 2000-01-01"}, step("a", 0), step("b", 1))
	wantError(t, e, []string{"a"}, "time", "--time-units applies to CF times", `"1"`)
}

// TestGroupAttributesOnlyNoted: a group's attributes carry no numbers, so
// even "units" differing there is a note, not a refusal.
func TestGroupAttributesOnlyNoted(t *testing.T) {
	a, b := dayInput("a", 0), dayInput("b", 1)
	a.groups = map[string]map[string]any{"g": {"units": "m"}}
	b.groups = map[string]map[string]any{"g": {"units": "km"}}
	res := mustCombine(t, Options{}, a, b)
	found := false
	for _, n := range res.Notices {
		found = found || strings.Contains(n, "attribute units of g differs")
	}
	if !found {
		t.Errorf("no note on g's units: %q", res.Notices)
	}
}
