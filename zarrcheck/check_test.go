package zarrcheck

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// fixture is a source and a reference set that agree with each other.
type fixture struct {
	set    *refs.Set
	src    *memSource
	target string // a file some chunks point into
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{set: refs.NewSet(), src: &memSource{}}
	le, be, host := binary.LittleEndian, binary.BigEndian, binary.NativeEndian

	temp := make([]float32, 15)
	for i := range temp {
		temp[i] = float32(i) + 0.5
	}
	temp[4] = float32(math.NaN())
	addArray(t, f.set, "temp", "<f4", []int64{5, 3}, []int64{2, 2}, encode(t, le, temp))
	f.src.add("temp", ElemType{Kind: 'f', Size: 4, Name: "float"}, []int64{5, 3}, encode(t, host, temp))

	count := []int32{-1, 2, -3, 1 << 30}
	addArray(t, f.set, "grp/sub/count", ">i4", []int64{4}, []int64{3}, encode(t, be, count))
	f.src.add("grp/sub/count", ElemType{Kind: 'i', Size: 4, Name: "int"}, []int64{4}, encode(t, host, count))

	// Character strings: the source has char name(2, 4), the array |S4.
	addArray(t, f.set, "name", "|S4", []int64{2}, []int64{2}, []byte("abc\x00wxyz"))
	f.src.add("name", ElemType{Kind: 'S', Size: 1, Name: "char"}, []int64{2, 4}, []byte("abc\x00wxyz"))

	// Variable-length strings: an object array of vlen-utf8 chunks.
	names := []string{"α", "", "long name"}
	addStringArray(t, f.set, "names", []int64{3}, []int64{2}, names)
	f.src.addStrings("names", []int64{3}, names)

	addArray(t, f.set, "flag", "|u1", nil, nil, []byte{7})
	f.src.add("flag", ElemType{Kind: 'u', Size: 1, Name: "ubyte"}, nil, []byte{7})

	addArray(t, f.set, "empty", "<f8", []int64{0}, []int64{4}, nil)
	f.src.add("empty", ElemType{Kind: 'f', Size: 8, Name: "double"}, []int64{0}, nil)

	// "big" lives in a file: padding, then its values, then more padding.
	big := []int64{math.MinInt64, 0, math.MaxInt64}
	f.target = filepath.Join(t.TempDir(), "target.bin")
	content := append(append([]byte("0123456789"), encode(t, le, big)...), "tail"...)
	if err := os.WriteFile(f.target, content, 0o644); err != nil {
		t.Fatal(err)
	}
	addArray(t, f.set, "big", "<i8", []int64{3}, []int64{3}, encode(t, le, big))
	f.set.Arrays["big"].SetRange(0, f.target, 10, 24)
	f.src.add("big", ElemType{Kind: 'i', Size: 8, Name: "int64"}, []int64{3}, encode(t, host, big))
	return f
}

// inline returns the inline bytes of chunk i of the array at path.
func (f *fixture) inline(path string, i int) []byte { return f.set.Arrays[path].Inline[i] }

func (f *fixture) srcVar(path string) *Variable {
	for i := range f.src.vars {
		if f.src.vars[i].Path == path {
			return &f.src.vars[i]
		}
	}
	return nil
}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, f *fixture)
		opts   Options
		// want lists the entries expected to differ from ok: status and a
		// substring of the detail. Every other entry must be ok.
		want       map[string]Entry
		wantFailed bool
	}{
		{name: "agree", mutate: func(*testing.T, *fixture) {}},
		{name: "agree with workers", mutate: func(*testing.T, *fixture) {}, opts: Options{Workers: 4}},
		{
			name: "one value changed",
			mutate: func(t *testing.T, f *fixture) {
				// temp[3,1] is element 1 of chunk (1,0) row 1: offset (1*2+1)*4.
				binary.LittleEndian.PutUint32(f.inline("temp", 2)[12:], math.Float32bits(99))
			},
			want:       map[string]Entry{"temp": {Status: StatusMismatch, Detail: "1 of 15 elements differ; first at [3 1]: reference 99, source 10.5"}},
			wantFailed: true,
		},
		{
			name: "big-endian value changed",
			mutate: func(t *testing.T, f *fixture) {
				binary.BigEndian.PutUint32(f.inline("grp/sub/count", 1)[0:], 5)
			},
			want:       map[string]Entry{"grp/sub/count": {Status: StatusMismatch, Detail: "first at [3]: reference 5, source 1073741824"}},
			wantFailed: true,
		},
		{
			name: "NaN where the source has a number",
			mutate: func(t *testing.T, f *fixture) {
				binary.LittleEndian.PutUint32(f.inline("temp", 0)[0:], math.Float32bits(float32(math.NaN())))
			},
			want:       map[string]Entry{"temp": {Status: StatusMismatch, Detail: "first at [0 0]: reference NaN, source 0.5"}},
			wantFailed: true,
		},
		{
			name: "string changed",
			mutate: func(t *testing.T, f *fixture) {
				f.src.strings["names"][2] = "long name!"
			},
			want:       map[string]Entry{"names": {Status: StatusMismatch, Detail: `1 of 3 elements differ; first at [2]: reference "long name", source "long name!"`}},
			wantFailed: true,
		},
		{
			name:       "string shape differs",
			mutate:     func(t *testing.T, f *fixture) { f.srcVar("names").Shape = []int64{1, 3} },
			want:       map[string]Entry{"names": {Status: StatusMismatch, Detail: "shape [3], source shape [1 3]"}},
			wantFailed: true,
		},
		{
			name:       "strings against numbers",
			mutate:     func(t *testing.T, f *fixture) { f.srcVar("names").Type = ElemType{Kind: 'i', Size: 4, Name: "int"} },
			want:       map[string]Entry{"names": {Status: StatusMismatch, Detail: "dtype |O does not match source type int"}},
			wantFailed: true,
		},
		{
			name: "array missing",
			mutate: func(t *testing.T, f *fixture) {
				delete(f.set.Arrays, "grp/sub/count")
			},
			want:       map[string]Entry{"grp/sub/count": {Status: StatusMissing, Detail: "no array in the reference set"}},
			wantFailed: true,
		},
		{
			name:   "array the scanner leaves out on purpose",
			mutate: func(t *testing.T, f *fixture) { delete(f.set.Arrays, "grp/sub/count") },
			opts:   Options{Unreferenced: map[string]string{"grp/sub/count": "scan leaves it out: unsupported: vlen"}},
			want:   map[string]Entry{"grp/sub/count": {Status: StatusUnchecked, Detail: "not in the reference set: scan leaves it out: unsupported: vlen"}},
		},
		{
			// The reason covers only its absence: an array that is there
			// is compared as usual.
			name: "array the scanner would leave out is there and differs",
			mutate: func(t *testing.T, f *fixture) {
				binary.BigEndian.PutUint32(f.inline("grp/sub/count", 1)[0:], 5)
			},
			opts:       Options{Unreferenced: map[string]string{"grp/sub/count": "scan leaves it out: unsupported: vlen"}},
			want:       map[string]Entry{"grp/sub/count": {Status: StatusMismatch, Detail: "first at [3]"}},
			wantFailed: true,
		},
		{
			name: "extra array",
			mutate: func(t *testing.T, f *fixture) {
				addArray(t, f.set, "lon", "<f8", []int64{1}, []int64{1}, make([]byte, 8))
			},
			want:       map[string]Entry{"lon": {Status: StatusExtra, Detail: "no variable /lon", Chunks: 1}},
			wantFailed: true,
		},
		{
			name: "extra array allowed",
			mutate: func(t *testing.T, f *fixture) {
				addArray(t, f.set, "lon", "<f8", []int64{1}, []int64{1}, make([]byte, 8))
			},
			opts: Options{AllowExtra: true},
			want: map[string]Entry{"lon": {Status: StatusExtra, Detail: "no variable /lon", Chunks: 1}},
		},
		{
			name:       "reference past the end of its target",
			mutate:     func(t *testing.T, f *fixture) { f.set.Arrays["big"].SetRange(0, f.target, 20, 24) },
			want:       map[string]Entry{"big": {Status: StatusError, Detail: "chunk big/0: bytes [20, 44) lie outside", Chunks: 1}},
			wantFailed: true,
		},
		{
			name:       "reference to a missing target",
			mutate:     func(t *testing.T, f *fixture) { f.set.Arrays["big"].SetRange(0, f.target+".gone", 0, 24) },
			want:       map[string]Entry{"big": {Status: StatusError, Detail: "1 of 1 chunks broken; first: chunk big/0: open target", Chunks: 1}},
			wantFailed: true,
		},
		{
			name: "chunk of the wrong size",
			mutate: func(t *testing.T, f *fixture) {
				f.set.Arrays["temp"].SetInline(3, f.inline("temp", 3)[:8])
			},
			want:       map[string]Entry{"temp": {Status: StatusError, Detail: "1 of 6 chunks broken; first: chunk temp/1.1: decode 8 stored bytes", Chunks: 6}},
			wantFailed: true,
		},
		{
			name:       "type differs",
			mutate:     func(t *testing.T, f *fixture) { f.srcVar("temp").Type = ElemType{Kind: 'i', Size: 4, Name: "int"} },
			want:       map[string]Entry{"temp": {Status: StatusMismatch, Detail: "dtype <f4 (kind 'f', 4 bytes) does not match source type int", Chunks: 6}},
			wantFailed: true,
		},
		{
			name:       "shape differs",
			mutate:     func(t *testing.T, f *fixture) { f.srcVar("temp").Shape = []int64{3, 5} },
			want:       map[string]Entry{"temp": {Status: StatusMismatch, Detail: "shape [5 3], source shape [3 5]", Chunks: 6}},
			wantFailed: true,
		},
		{
			name: "source type unsupported",
			mutate: func(t *testing.T, f *fixture) {
				addArray(t, f.set, "label", "|O", []int64{1}, []int64{1}, make([]byte, 8))
				f.src.add("label", ElemType{Name: "string"}, []int64{1}, nil)
			},
			want:       map[string]Entry{"label": {Status: StatusError, Detail: "unsupported by check"}},
			wantFailed: true,
		},
	} {
		t.Run(tc.name, withSlabs(func(t *testing.T) {
			f := newFixture(t)
			tc.mutate(t, f)
			r, err := Check(context.Background(), f.set, newOpener(t), f.src, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, e := range r.Entries {
				seen[e.Path] = true
				want, special := tc.want[e.Path]
				if !special {
					if e.Status != StatusOK {
						t.Errorf("%s: %s %q, want ok", e.Path, e.Status, e.Detail)
					}
					continue
				}
				if e.Status != want.Status || !strings.Contains(e.Detail, want.Detail) {
					t.Errorf("%s: %s %q, want %s containing %q", e.Path, e.Status, e.Detail, want.Status, want.Detail)
				}
				if want.Chunks != 0 && e.Chunks != want.Chunks {
					t.Errorf("%s: %d chunks checked, want %d", e.Path, e.Chunks, want.Chunks)
				}
			}
			for p := range tc.want {
				if !seen[p] {
					t.Errorf("no entry for %s", p)
				}
			}
			if r.Failed() != tc.wantFailed {
				t.Errorf("Failed() = %v, want %v", r.Failed(), tc.wantFailed)
			}
		}))
	}
}

// TestCheckCounts pins what an agreeing check reports per array.
func TestCheckCounts(t *testing.T) {
	f := newFixture(t)
	r, err := Check(context.Background(), f.set, newOpener(t), f.src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Entry{
		"big":           {Chunks: 1, Elements: 3},
		"empty":         {Chunks: 0, Elements: 0},
		"flag":          {Chunks: 1, Elements: 1},
		"grp/sub/count": {Chunks: 2, Elements: 4},
		"name":          {Chunks: 1, Elements: 2},
		"names":         {Chunks: 2, Elements: 3},
		"temp":          {Chunks: 6, Elements: 15},
	}
	var paths []string
	for _, e := range r.Entries {
		paths = append(paths, e.Path)
		w := want[e.Path]
		if e.Status != StatusOK || e.Chunks != w.Chunks || e.Elements != w.Elements {
			t.Errorf("%s: %s, %d chunks, %d elements; want ok, %d, %d", e.Path, e.Status, e.Chunks, e.Elements, w.Chunks, w.Elements)
		}
	}
	if got := strings.Join(paths, " "); got != "big empty flag grp/sub/count name names temp" {
		t.Errorf("entries in order %s", got)
	}
}

// TestCheckProgress checks that Progress counts each array's stored chunks
// up to their total.
func TestCheckProgress(t *testing.T) {
	f := newFixture(t)
	var calls []string
	opts := Options{Progress: func(path string, done, total int) {
		calls = append(calls, fmt.Sprintf("%s %d/%d", path, done, total))
	}}
	if _, err := Check(context.Background(), f.set, newOpener(t), f.src, opts); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(calls, ", ")
	if !strings.Contains(got, "temp 1/6, temp 2/6, temp 3/6, temp 4/6, temp 5/6, temp 6/6") ||
		!strings.Contains(got, "grp/sub/count 1/2, grp/sub/count 2/2") {
		t.Errorf("progress calls: %s", got)
	}
}

func TestCheckCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Check(ctx, f.set, newOpener(t), f.src, Options{Workers: 2}); err == nil {
		t.Error("Check with a cancelled context succeeded")
	}
}

// attr is a source attribute of one number of type t, in host byte order.
func attr(t *testing.T, typ ElemType, v any) *Attribute {
	return &Attribute{Type: typ, Bytes: encode(t, binary.NativeEndian, v)}
}

// TestCheckMetadata checks the rules on what xarray makes of the metadata:
// fill_value (and a _FillValue in .zattrs) against the source's
// _FillValue, _ARRAY_DIMENSIONS against the source's dimensions.
func TestCheckMetadata(t *testing.T) {
	short := ElemType{Kind: 'i', Size: 2, Name: "short"}
	double := ElemType{Kind: 'f', Size: 8, Name: "double"}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, f *fixture)
		want   map[string]Entry
	}{
		{name: "no fill values anywhere", mutate: func(*testing.T, *fixture) {}},
		{
			name:   "fill_value without a source _FillValue",
			mutate: func(t *testing.T, f *fixture) { setFillValue(t, f.set, "flag", "255") },
			want:   map[string]Entry{"flag": {Status: StatusMetadata, Detail: "fill_value 255 is not the source's _FillValue (none): xarray would mask 255"}},
		},
		{
			name: "netCDF's default fill as fill_value",
			mutate: func(t *testing.T, f *fixture) {
				setFillValue(t, f.set, "temp", "9.969209968386869e+36")
			},
			want: map[string]Entry{"temp": {Status: StatusMetadata, Detail: "fill_value 9.96921e+36 is not the source's _FillValue (none)"}},
		},
		{
			name: "source _FillValue, fill_value null",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("grp/sub/count").FillValue = attr(t, ElemType{Kind: 'i', Size: 4, Name: "int"}, int32(-999))
			},
			want: map[string]Entry{"grp/sub/count": {Status: StatusMetadata, Detail: "fill_value null is not the source's _FillValue -999: xarray would not mask -999"}},
		},
		{
			name: "equal fill values",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("grp/sub/count").FillValue = attr(t, ElemType{Kind: 'i', Size: 4, Name: "int"}, int32(-999))
				setFillValue(t, f.set, "grp/sub/count", "-999")
				f.srcVar("big").FillValue = attr(t, ElemType{Kind: 'i', Size: 8, Name: "int64"}, int64(math.MinInt64+1))
				setFillValue(t, f.set, "big", "-9223372036854775807")
			},
		},
		{
			name: "fill values differ",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("grp/sub/count").FillValue = attr(t, ElemType{Kind: 'i', Size: 4, Name: "int"}, int32(-999))
				setFillValue(t, f.set, "grp/sub/count", "-2147483647")
				f.srcVar("big").FillValue = attr(t, ElemType{Kind: 'i', Size: 8, Name: "int64"}, int64(math.MinInt64+1))
				setFillValue(t, f.set, "big", "-9223372036854775806") // not equal, though equal as float64
			},
			want: map[string]Entry{
				"grp/sub/count": {Status: StatusMetadata, Detail: "fill_value -2147483647 is not the source's _FillValue -999: xarray would mask -2147483647 instead of -999"},
				"big":           {Status: StatusMetadata, Detail: "fill_value -9223372036854775806 is not the source's _FillValue -9223372036854775807"},
			},
		},
		{
			name: "NaN equals NaN",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("temp").FillValue = attr(t, hostF4, float32(math.NaN()))
				setFillValue(t, f.set, "temp", `"NaN"`)
			},
		},
		{
			name: "NaN is not a number",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("temp").FillValue = attr(t, hostF4, float32(math.NaN()))
				setFillValue(t, f.set, "temp", "0")
			},
			want: map[string]Entry{"temp": {Status: StatusMetadata, Detail: "fill_value 0 is not the source's _FillValue NaN"}},
		},
		{
			// numpy casts the attribute to the array's dtype: a short
			// -999 is the float -999, a double 0.1 the float32 0.1.
			name: "compared as the array's dtype",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("temp").FillValue = attr(t, double, 0.1)
				setFillValue(t, f.set, "temp", "0.10000000149011612")
				f.srcVar("big").FillValue = attr(t, short, int16(-999))
				setFillValue(t, f.set, "big", "-999.0")
			},
		},
		{
			name: "_FillValue left in .zattrs",
			mutate: func(t *testing.T, f *fixture) {
				// Python's json writes a NaN attribute as the bare word.
				refstest.PutDoc(t, f.set, "temp/.zattrs", []byte(`{"_ARRAY_DIMENSIONS": ["dim_0", "dim_1"], "_FillValue": NaN, "note": "NaN"}`))
				f.srcVar("big").FillValue = attr(t, ElemType{Kind: 'i', Size: 8, Name: "int64"}, int64(-1))
				setFillValue(t, f.set, "big", "-1")
				setAttr(t, f.set, "big", "_FillValue", "-2")
				f.srcVar("flag").FillValue = attr(t, ElemType{Kind: 'u', Size: 1, Name: "ubyte"}, uint8(9))
				setAttr(t, f.set, "flag", "_FillValue", "9")
			},
			want: map[string]Entry{
				"temp": {Status: StatusMetadata, Detail: ".zattrs has _FillValue NaN, the source none: xarray would mask NaN"},
				"big":  {Status: StatusMetadata, Detail: ".zattrs _FillValue -2 is not the source's _FillValue -1"},
				// fill_value null, the source's _FillValue in .zattrs: xarray
				// masks 9 as on the source.
				"flag": {Status: StatusOK},
			},
		},
		{
			name: "strings",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("names").FillValue = &Attribute{Type: ElemType{Kind: 'T', Name: "string"}, Strings: []string{"N/A"}}
				setFillValue(t, f.set, "names", `"N/A"`)
				f.srcVar("name").FillValue = &Attribute{Type: ElemType{Kind: 'S', Size: 1, Name: "char"}, Bytes: []byte("x")}
				setFillValue(t, f.set, "name", `"eAAAAA=="`) // base64 of "x\0\0\0"
			},
		},
		{
			name: "empty string fill_value",
			mutate: func(t *testing.T, f *fixture) {
				setFillValue(t, f.set, "names", `""`)
				setFillValue(t, f.set, "name", `""`)
			},
			want: map[string]Entry{
				"names": {Status: StatusMetadata, Detail: `fill_value "" is not the source's _FillValue (none): xarray would mask ""`},
				"name":  {Status: StatusMetadata, Detail: `fill_value "" is not the source's _FillValue (none)`},
			},
		},
		{
			name: "dimensions",
			mutate: func(t *testing.T, f *fixture) {
				f.srcVar("temp").Dims = []string{"lat", "lon"}
				setDims(t, f.set, "temp", []string{"lat", "lon"})
				f.srcVar("name").Dims = []string{"n", "strlen"} // char name(n, strlen) collapsed to |S4
				setDims(t, f.set, "name", []string{"n"})
				f.srcVar("grp/sub/count").Dims = []string{"t"}
				setDims(t, f.set, "big", nil)
				f.set.Arrays["flag"].Attrs = nil
			},
			want: map[string]Entry{
				"grp/sub/count": {Status: StatusMetadata, Detail: `_ARRAY_DIMENSIONS ["dim_0"], the source's dimensions ["t"]: xarray would name the dimensions dim_0`},
				"big":           {Status: StatusMetadata, Detail: `_ARRAY_DIMENSIONS [] names 0 dimensions for shape [3]`},
				"flag":          {Status: StatusMetadata, Detail: "no _ARRAY_DIMENSIONS in .zattrs: xarray cannot open the array"},
			},
		},
		{
			name: "metadata and values both differ",
			mutate: func(t *testing.T, f *fixture) {
				binary.LittleEndian.PutUint32(f.inline("temp", 0)[0:], math.Float32bits(9))
				setFillValue(t, f.set, "temp", "9")
			},
			want: map[string]Entry{"temp": {Status: StatusMismatch, Detail: "reference 9, source 0.5; metadata: fill_value 9 is not the source's _FillValue (none)"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			tc.mutate(t, f)
			r, err := Check(context.Background(), f.set, newOpener(t), f.src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Entries {
				want, special := tc.want[e.Path]
				if !special {
					want = Entry{Status: StatusOK}
				}
				if e.Status != want.Status || !strings.Contains(e.Detail, want.Detail) {
					t.Errorf("%s: %s %q, want %s containing %q", e.Path, e.Status, e.Detail, want.Status, want.Detail)
				}
			}
			if r.Failed() != (len(tc.want) > 0) {
				t.Errorf("Failed() = %v", r.Failed())
			}
		})
	}
}

// withSlabs runs a check test twice: with the default slab size, which
// compares the test's small variables whole, and with slabs of one step
// along the first axis, so that every comparison is also made slab by
// slab and must report the same.
func withSlabs(f func(t *testing.T)) func(t *testing.T) {
	return func(t *testing.T) {
		for _, size := range []int64{slabBytes, 1} {
			t.Run(fmt.Sprintf("slabs of %d bytes", size), func(t *testing.T) {
				defer func(old int64) { slabBytes = old }(slabBytes)
				slabBytes = size
				f(t)
			})
		}
	}
}
