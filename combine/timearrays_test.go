package combine

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"gokerchunk/cftime"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// boundsInput is an input with a time coordinate naming time_bnds as its
// bounds (CF 7.1), and time_bnds(time, nv) without units of its own.
func boundsInput(name, units string, times []float64, bnds testArray) testInput {
	coord := timeCoord(units, "standard", "<f8", times...)
	coord.attrs["bounds"] = "time_bnds"
	bnds.dims = []string{"time", "nv"}
	bnds.shape = []int64{int64(len(times)), 2}
	bnds.chunks = []int64{1, 2}
	return testInput{name: name, arrays: map[string]testArray{"time": coord, "time_bnds": bnds}}
}

func TestTimeBounds(t *testing.T) {
	const d2000 = "days since 2000-01-01"
	inline := func(vals ...float64) testArray { return testArray{values: vals} }
	for _, tc := range []struct {
		name      string
		given     []testInput
		timeUnits string
		want      []float64 // nil: left as references
		wantUnits string
	}{
		{"coordinate units differ", []testInput{
			boundsInput("b", "hours since 2000-01-03", []float64{0, 24}, inline(-12, 12, 12, 36)),
			boundsInput("a", d2000, []float64{0, 1}, inline(-0.5, 0.5, 0.5, 1.5)),
		}, "", []float64{-0.5, 0.5, 0.5, 1.5, 1.5, 2.5, 2.5, 3.5}, d2000},
		{"--time-units differ from the inputs'", []testInput{
			boundsInput("a", d2000, []float64{0, 1}, inline(-0.5, 0.5, 0.5, 1.5)),
			boundsInput("b", d2000, []float64{2, 3}, inline(1.5, 2.5, 2.5, 3.5)),
		}, "hours since 2000-01-01", []float64{-12, 12, 12, 36, 36, 60, 60, 84}, "hours since 2000-01-01"},
		{"units the same everywhere", []testInput{
			boundsInput("a", d2000, []float64{0, 1}, testArray{ref: ranged("a.nc", 1)}),
			boundsInput("b", d2000, []float64{2, 3}, testArray{ref: ranged("b.nc", 2)}),
		}, "", nil, d2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := mustCombine(t, Options{TimeUnits: tc.timeUnits}, tc.given...)
			if attrs := outputAttrs(t, res.Set, "time"); attrs["units"] != tc.wantUnits || attrs["bounds"] != "time_bnds" {
				t.Errorf("time attributes %v, want units %q and bounds", attrs, tc.wantUnits)
			}
			// The bounds keep inheriting the coordinate's units.
			if attrs := outputAttrs(t, res.Set, "time_bnds"); attrs["units"] != nil {
				t.Errorf("time_bnds attributes %v, want no units", attrs)
			}
			m := res.Set.Arrays["time_bnds"]
			if tc.want == nil {
				// Chunk (i, 0) is chunk i of a, then of b.
				for i := range 4 {
					url, salt := "a.nc", int64(1)
					if i >= 2 {
						url, salt = "b.nc", 2
					}
					if got, _ := m.Chunk(i); !equalRef(got, ranged(url, salt)(i%2)) {
						t.Errorf("time_bnds chunk %d: %+v, want chunk %d of %s", i, got, i%2, url)
					}
				}
				return
			}
			if m.Len() != 1 || m.Target[0] != refs.InlineChunk {
				t.Errorf("time_bnds grid %v: want one inline chunk", m.Grid)
			}
			z, err := refs.ParseZArray(refstest.DocOf(t, res.Set, "time_bnds/.zarray"))
			if err != nil || !slices.Equal(z.Shape, []int64{4, 2}) || z.Compressor != nil || z.Filters != nil {
				t.Errorf("time_bnds .zarray %s, %v: want shape [4 2], no codecs", refstest.DocOf(t, res.Set, "time_bnds/.zarray"), err)
			}
			if dtype, got := outputValues(t, res.Set, "time_bnds"); !slices.Equal(got, tc.want) {
				t.Errorf("time_bnds %s %v, want %v", dtype, got, tc.want)
			}
			if !slices.ContainsFunc(res.Notices, func(n string) bool {
				return strings.HasPrefix(n, "time_bnds: times converted to "+`"`+tc.wantUnits+`"`)
			}) {
				t.Errorf("notices %q do not say time_bnds was converted", res.Notices)
			}
		})
	}
}

// TestTimeLikeArrays: an array along time with CF time units of its own is
// rewritten only when its units differ between inputs.
func TestTimeLikeArrays(t *testing.T) {
	in := func(name, coordUnits string, times []float64, valid testArray) testInput {
		ti := coordInput{name, coordUnits, "standard", "<i4", times}.testInput()
		valid.dims = []string{"time"}
		valid.shape = []int64{int64(len(times))}
		valid.chunks = []int64{1}
		ti.arrays["valid"] = valid
		return ti
	}
	timeVar := func(units, calendar, dtype string, vals ...float64) testArray {
		a := timeCoord(units, calendar, dtype, vals...)
		a.attrs["long_name"] = "valid time"
		return a
	}

	packedTime := func(units string, vals ...float64) testArray {
		a := timeVar(units, "standard", "<i2", vals...)
		a.attrs["scale_factor"] = 0.5
		return a
	}

	t.Run("own units the same everywhere", func(t *testing.T) {
		same := func(url string, salt int64) testArray {
			return testArray{dtype: "<i4", attrs: map[string]any{"units": "hours since 1990-01-01"}, ref: ranged(url, salt)}
		}
		res := mustCombine(t, Options{},
			in("b", "hours since 2000-01-03", []float64{0, 24}, same("b.nc", 2)),
			in("a", "days since 2000-01-01", []float64{0, 1}, same("a.nc", 1)))
		m := res.Set.Arrays["valid"]
		for i, want := range []refs.Ref{ranged("a.nc", 1)(0), ranged("a.nc", 1)(1), ranged("b.nc", 2)(0), ranged("b.nc", 2)(1)} {
			if got, _ := m.Chunk(i); !equalRef(got, want) {
				t.Errorf("valid chunk %d: %+v, want %+v", i, got, want)
			}
		}
		if attrs := outputAttrs(t, res.Set, "valid"); attrs["units"] != "hours since 1990-01-01" {
			t.Errorf("valid attributes %v, want its own units kept", attrs)
		}
	})

	t.Run("own units differ", func(t *testing.T) {
		res := mustCombine(t, Options{},
			in("b", "days since 2000-01-01", []float64{2, 3}, timeVar("days since 2000-01-01", "standard", "<i4", 2, 3)),
			in("a", "days since 2000-01-01", []float64{0, 1}, timeVar("hours since 2000-01-01", "standard", "<i4", 0, 24)))
		// Converted to the coordinate's units, which a's are not.
		if dtype, got := outputValues(t, res.Set, "valid"); dtype != "<i4" || !slices.Equal(got, []float64{0, 1, 2, 3}) {
			t.Errorf("valid %s %v, want <i4 [0 1 2 3]", dtype, got)
		}
		attrs := outputAttrs(t, res.Set, "valid")
		if attrs["units"] != "days since 2000-01-01" || attrs["long_name"] != "valid time" {
			t.Errorf("valid attributes %v, want the coordinate's units and a's other attributes", attrs)
		}
	})

	for _, tc := range []struct {
		name   string
		given  []testInput
		inputs []string
		reason string
	}{
		{"own calendar differs from the coordinate's", []testInput{
			in("a", "days since 2000-01-01", []float64{0}, timeVar("days since 2000-01-01", "standard", "<i4", 0)),
			in("b", "days since 2000-01-01", []float64{1}, timeVar("days since 2000-01-02", "noleap", "<i4", 0)),
		}, []string{"a", "b"}, "calendar noleap differs from the coordinate's standard"},
		{"the first input's calendar differs", []testInput{
			in("a", "days since 2000-01-01", []float64{0}, timeVar("days since 2000-01-01", "360_day", "<i4", 0)),
			in("b", "days since 2000-01-01", []float64{1}, timeVar("days since 2000-01-02", "360_day", "<i4", 0)),
		}, []string{"a"}, "calendar 360_day differs from the coordinate's standard"},
		{"own units unreadable", []testInput{
			in("a", "days since 2000-01-01", []float64{0}, timeVar("days since 2000-01-01", "standard", "<i4", 0)),
			in("b", "days since 2000-01-01", []float64{1}, timeVar("days since 2000-13-01", "standard", "<i4", 0)),
		}, []string{"b"}, `units "days since 2000-13-01"`},
		// Stored 0 is day 0 in a, day 8 in b; converting the stored
		// numbers would make b's day 4.
		{"packed", []testInput{
			in("a", "days since 2000-01-01", []float64{0}, packedTime("days since 2000-01-01", 0)),
			in("b", "days since 2000-01-01", []float64{8}, packedTime("days since 2000-01-09", 0)),
		}, []string{"a"}, "packed with scale_factor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, combineError(t, Options{}, tc.given...), tc.inputs, "valid", tc.reason)
		})
	}
}

func TestChooseEncoding(t *testing.T) {
	for _, tc := range []struct {
		name      string
		dtype     string
		fill      string
		allExact  bool
		vals      []float64
		wantDType string
		wantFill  string
		want      []float64 // decoded from the encoding; NaN compared as NaN
	}{
		{"f8 kept with its fill", "<f8", "-9999.0", false, []float64{0.1, math.NaN()}, "<f8", "-9999.0", []float64{0.1, math.NaN()}},
		{"big-endian f8 written little-endian", ">f8", "null", false, []float64{1.5}, "<f8", "null", []float64{1.5}},
		{"f4 that round-trips", "<f4", `"NaN"`, false, []float64{0.5, 1e10, math.NaN()}, "<f4", `"NaN"`, []float64{0.5, 1e10, math.NaN()}},
		{"f4 that would round", "<f4", `"NaN"`, false, []float64{0.5, 0.1}, "<f8", `"NaN"`, []float64{0.5, 0.1}},
		{"f4 without fill that would round", "<f4", "null", false, []float64{0.1}, "<f8", "null", []float64{0.1}},
		{"i4 exact", "<i4", "-1", true, []float64{0, -5, 2147483647}, "<i4", "-1", []float64{0, -5, 2147483647}},
		{"i4 NaN stored as its fill", "<i4", "-1", true, []float64{3, math.NaN()}, "<i4", "-1", []float64{3, -1}},
		{"i4 NaN without a fill", "<i4", "null", true, []float64{3, math.NaN()}, "<f8", "null", []float64{3, math.NaN()}},
		{"i4 not exact", "<i4", "-1", false, []float64{0.5}, "<f8", `"NaN"`, []float64{0.5}},
		{"i4 not exact without fill", "<i4", "null", false, []float64{0.5}, "<f8", "null", []float64{0.5}},
		{"i4 overflowed", "<i4", "null", true, []float64{2147483648}, "<f8", "null", []float64{2147483648}},
		{"i2 overflowed", "<i2", "0", true, []float64{-32769}, "<f8", `"NaN"`, []float64{-32769}},
		{"i2 at its limits", ">i2", "0", true, []float64{-32768, 32767}, "<i2", "0", []float64{-32768, 32767}},
		{"u2 negative", "<u2", "null", true, []float64{-1}, "<f8", "null", []float64{-1}},
		{"u2 at its limit", "<u2", "null", true, []float64{65535}, "<u2", "null", []float64{65535}},
		{"i8", "<i8", "null", true, []float64{-1 << 40}, "<i8", "null", []float64{-1 << 40}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dt, err := zarr.ParseDType(tc.dtype)
			if err != nil {
				t.Fatal(err)
			}
			// Two parts, as two inputs give.
			half := len(tc.vals) / 2
			enc := chooseEncoding(dt, json.RawMessage(tc.fill), tc.allExact, [][]float64{tc.vals[:half], tc.vals[half:]})
			if enc.dtype != tc.wantDType || string(enc.fill) != tc.wantFill {
				t.Errorf("dtype %s fill %s, want %s %s", enc.dtype, enc.fill, tc.wantDType, tc.wantFill)
			}
			var b []byte
			for _, v := range tc.vals {
				b = enc.append(b, v)
			}
			if len(b) != enc.size*len(tc.vals) {
				t.Fatalf("%d bytes for %d values of size %d", len(b), len(tc.vals), enc.size)
			}
			got := decodeElems(t, enc.dtype, b)
			if !slices.EqualFunc(got, tc.want, func(x, y float64) bool { return x == y || (x != x && y != y) }) {
				t.Errorf("encoded %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecodeNumbers(t *testing.T) {
	for _, tc := range []struct {
		dtype  string
		vals   []float64
		isInt  bool
		errMsg string
	}{
		{"<f8", []float64{1.5, -2, math.Inf(1)}, false, ""},
		{">f8", []float64{1.5, -2}, false, ""},
		{"<f4", []float64{0.25, -3}, false, ""},
		{">f4", []float64{0.25, -3}, false, ""},
		{"|i1", []float64{-128, 127}, true, ""},
		{"|u1", []float64{0, 255}, true, ""},
		{"<i2", []float64{-32768, 7}, true, ""},
		{">u2", []float64{65535, 1}, true, ""},
		{"<i4", []float64{-1, 1 << 30}, true, ""},
		{">u4", []float64{1 << 31, 3}, true, ""},
		{">i8", []float64{-1 << 50, 9}, true, ""},
		{"<u8", []float64{1 << 62, 9}, true, ""},
		{"<f2", nil, false, "dtype <f2 is not supported"},
		{"<c8", nil, false, "dtype <c8 is not a number"},
		{"|S4", nil, false, "dtype |S4 is not a number"},
		{"|b1", nil, false, "is not a number"},
	} {
		dt, err := zarr.ParseDType(tc.dtype)
		if err != nil {
			t.Fatal(err)
		}
		var raw []byte
		for _, v := range tc.vals {
			raw = append(raw, encodeNumber(t, tc.dtype, v)...)
		}
		if tc.errMsg != "" {
			raw = make([]byte, 2*dt.Size)
		}
		got, isInt, err := decodeNumbers(raw, dt)
		if tc.errMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errMsg) {
				t.Errorf("%s: %v, %v; want an error saying %q", tc.dtype, got, err, tc.errMsg)
			}
			continue
		}
		if err != nil || isInt != tc.isInt || !slices.Equal(got, tc.vals) {
			t.Errorf("%s: %v, %v, %v; want %v, %v", tc.dtype, got, isInt, err, tc.vals, tc.isInt)
		}
	}
	if _, _, err := decodeNumbers(make([]byte, 8), mustStructured(t)); err == nil {
		t.Error("a structured dtype decoded as numbers")
	}
}

// encodeNumber is encodeElem with the one-byte types ("|i1", "|u1").
func encodeNumber(t testing.TB, dtype string, v float64) []byte {
	if dtype[2] == '1' {
		return []byte{byte(int64(v))}
	}
	return encodeElem(t, dtype, v)
}

func mustStructured(t testing.TB) zarr.DType {
	dt, err := zarr.ParseDTypeJSON(json.RawMessage(`[["a", "<i4"], ["b", "<f4"]]`))
	if err != nil {
		t.Fatal(err)
	}
	return dt
}

func TestConvertValues(t *testing.T) {
	units := func(s, cal string) cftime.Units {
		u, err := cftime.ParseUnits(s, cal)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	hours := units("hours since 2000-01-01", "noleap")
	days := units("days since 2000-01-01", "noleap")
	for _, tc := range []struct {
		name     string
		vals     []float64
		isInt    bool
		from, to cftime.Units
		want     []float64
		exact    bool
	}{
		{"whole days from integers", []float64{0, 48}, true, hours, days, []float64{0, 2}, true},
		{"half a day", []float64{0, 12}, true, hours, days, []float64{0, 0.5}, false},
		{"whole days from floats", []float64{0, 48}, false, hours, days, []float64{0, 2}, false},
		{"NaN left alone", []float64{24, math.NaN()}, true, hours, days, []float64{1, math.NaN()}, false},
		{"same units", []float64{3, 4}, true, days, days, []float64{3, 4}, true},
		// 28 February 2000 to 1 March is one day in noleap.
		{"noleap epochs", []float64{0}, true, units("days since 2000-03-01", "noleap"), units("days since 2000-02-28", "noleap"), []float64{1}, true},
	} {
		vals := slices.Clone(tc.vals)
		exact, err := convertValues(vals, tc.isInt, tc.from, tc.to)
		if err != nil || exact != tc.exact || !slices.EqualFunc(vals, tc.want, func(x, y float64) bool { return x == y || (x != x && y != y) }) {
			t.Errorf("%s: %v, exact %v, %v; want %v, %v", tc.name, vals, exact, err, tc.want, tc.exact)
		}
	}
	if _, err := convertValues([]float64{math.Inf(1)}, false, hours, days); err == nil {
		t.Error("an infinite time converted")
	}
}

// TestInlineConvertedLayout: converted arrays along time in the middle of
// their dimensions are concatenated block by block.
func TestInlineConvertedLayout(t *testing.T) {
	in := func(name, units string, times []float64, vals ...float64) testInput {
		ti := coordInput{name, units, "standard", "<f8", times}.testInput()
		// x(2) × time × y(2): every time step holds 2 × 2 times.
		ti.arrays["t3"] = testArray{dims: []string{"x", "time", "y"}, shape: []int64{2, int64(len(times)), 2},
			chunks: []int64{1, 1, 2}, attrs: map[string]any{"units": units}, values: vals}
		return ti
	}
	// a in days, b in hours of 2000-01-03: element (x, t, y) is
	// 10x + t + y/10 days, an instant t days from 1 January.
	a := in("a", "days since 2000-01-01", []float64{0, 1},
		0, 0.1, 1, 1.1, // x=0: t=0 (y 0,1), t=1
		10, 10.1, 11, 11.1)
	b := in("b", "hours since 2000-01-03", []float64{0},
		(10*0+0.0)*24, (10*0+0.1)*24, // x=0, t=2: 2 days after b's epoch, less 2
		(10*1+0.0)*24, (10*1+0.1)*24)
	res := mustCombine(t, Options{}, b, a)
	want := []float64{
		0, 0.1, 1, 1.1, 2, 2.1,
		10, 10.1, 11, 11.1, 12, 12.1,
	}
	_, got := outputValues(t, res.Set, "t3")
	if len(got) != len(want) {
		t.Fatalf("t3 %v, want %v", got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("t3 %v, want %v", got, want)
		}
	}
	if z, _ := refs.ParseZArray(refstest.DocOf(t, res.Set, "t3/.zarray")); !slices.Equal(z.Shape, []int64{2, 3, 2}) || !slices.Equal(z.Chunks, []int64{2, 3, 2}) {
		t.Errorf(".zarray %s, want shape and chunks [2 3 2]", refstest.DocOf(t, res.Set, "t3/.zarray"))
	}
	if !bytes.Contains(refstest.DocOf(t, res.Set, "t3/.zattrs"), []byte(`"days since 2000-01-01"`)) {
		t.Errorf(".zattrs %s, want the output's units", refstest.DocOf(t, res.Set, "t3/.zattrs"))
	}
}
