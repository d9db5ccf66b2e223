//go:build cgo

package zarrcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// allTypesCDL has a variable of every netCDF type the check reads, the ones
// it cannot (string), an enum, a scalar, an empty record variable and nested
// groups.
const allTypesCDL = `netcdf t {
types:
  byte enum cloud_t {clear = 0, cumulus = 1, stratus = 2} ;
dimensions:
  x = 3 ;
  y = 2 ;
  n = 4 ;
  t = UNLIMITED ;
variables:
  double d(x) ;
  float f(y, x) ;
  int i(x) ;
  short s(x) ;
  ushort us(x) ;
  uint ui(x) ;
  int64 i64(x) ;
  uint64 u64(x) ;
  byte b(x) ;
  ubyte ub(x) ;
  char c(y, n) ;
  int scalar ;
  float rec(t) ;
  string str(y) ;
  cloud_t cloud(x) ;
data:
  d = 1.5e300, -2.25e-300, 3.125e200 ;
  f = 1, NaN, 3, -0., 5, 6 ;
  i = -2147483648, 0, 2147483647 ;
  s = -32768, 1, 32767 ;
  us = 0, 1, 65534 ;
  ui = 0, 1, 4294967294 ;
  i64 = -9223372036854775808, 0, 9223372036854775807 ;
  u64 = 0, 1, 18446744073709551614 ;
  b = -128, 0, 127 ;
  ub = 0, 128, 254 ;
  c = "abcd", "xy" ;
  scalar = 42 ;
  str = "hello", "world" ;
  cloud = clear, stratus, cumulus ;

group: g1 {
  variables:
    int v(x) ;
  data:
    v = 7, 8, 9 ;

  group: g2 {
    variables:
      short w(x) ;
    data:
      w = -1, -2, -3 ;
  }
}
}
`

// ncgen writes cdl as a netCDF-4 file in a temporary directory.
func ncgen(t *testing.T, cdl string) string {
	t.Helper()
	if _, err := exec.LookPath("ncgen"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ncgen is not installed; CI must install netcdf-bin")
		}
		t.Skip("ncgen is not installed")
	}
	dir := t.TempDir()
	cdlPath, ncPath := filepath.Join(dir, "t.cdl"), filepath.Join(dir, "t.nc")
	if err := os.WriteFile(cdlPath, []byte(cdl), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ncgen", "-k", "nc4", "-o", ncPath, cdlPath).CombinedOutput(); err != nil {
		t.Fatalf("ncgen: %v\n%s", err, out)
	}
	return ncPath
}

func openNetCDF(t *testing.T, path string) Source {
	t.Helper()
	src, err := OpenNetCDF(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	})
	return src
}

// allTypesValues are the values of allTypesCDL's readable variables, as
// slices of the Go type of each netCDF type.
var allTypesValues = map[string]any{
	"d":       []float64{1.5e300, -2.25e-300, 3.125e200},
	"f":       []float32{1, float32(math.NaN()), 3, float32(math.Copysign(0, -1)), 5, 6},
	"i":       []int32{math.MinInt32, 0, math.MaxInt32},
	"s":       []int16{math.MinInt16, 1, math.MaxInt16},
	"us":      []uint16{0, 1, 65534},
	"ui":      []uint32{0, 1, 4294967294},
	"i64":     []int64{math.MinInt64, 0, math.MaxInt64},
	"u64":     []uint64{0, 1, 18446744073709551614},
	"b":       []int8{-128, 0, 127},
	"ub":      []uint8{0, 128, 254},
	"c":       []byte("abcdxy\x00\x00"),
	"scalar":  int32(42),
	"rec":     []float32{},
	"cloud":   []int8{0, 2, 1},
	"g1/v":    []int32{7, 8, 9},
	"g1/g2/w": []int16{-1, -2, -3},
}

func TestNetCDFVariables(t *testing.T) {
	src := openNetCDF(t, ncgen(t, allTypesCDL))
	vars, err := src.Variables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	x := []int64{3}
	want := []Variable{
		{Path: "b", Shape: x, Type: ElemType{Kind: 'i', Size: 1, Name: "byte"}, Dims: []string{"x"}},
		{Path: "c", Shape: []int64{2, 4}, Type: ElemType{Kind: 'S', Size: 1, Name: "char"}, Dims: []string{"y", "n"}},
		{Path: "cloud", Shape: x, Type: ElemType{Kind: 'i', Size: 1, Name: "enum cloud_t"}, Dims: []string{"x"}},
		{Path: "d", Shape: x, Type: ElemType{Kind: 'f', Size: 8, Name: "double"}, Dims: []string{"x"}},
		{Path: "f", Shape: []int64{2, 3}, Type: ElemType{Kind: 'f', Size: 4, Name: "float"}, Dims: []string{"y", "x"}},
		{Path: "g1/g2/w", Shape: x, Type: ElemType{Kind: 'i', Size: 2, Name: "short"}, Dims: []string{"x"}},
		{Path: "g1/v", Shape: x, Type: ElemType{Kind: 'i', Size: 4, Name: "int"}, Dims: []string{"x"}},
		{Path: "i", Shape: x, Type: ElemType{Kind: 'i', Size: 4, Name: "int"}, Dims: []string{"x"}},
		{Path: "i64", Shape: x, Type: ElemType{Kind: 'i', Size: 8, Name: "int64"}, Dims: []string{"x"}},
		{Path: "rec", Shape: []int64{0}, Type: ElemType{Kind: 'f', Size: 4, Name: "float"}, Dims: []string{"t"}},
		{Path: "s", Shape: x, Type: ElemType{Kind: 'i', Size: 2, Name: "short"}, Dims: []string{"x"}},
		{Path: "scalar", Shape: []int64{}, Type: ElemType{Kind: 'i', Size: 4, Name: "int"}, Dims: []string{}},
		{Path: "str", Shape: []int64{2}, Type: ElemType{Kind: 'T', Size: 0, Name: "string"}, Dims: []string{"y"}},
		{Path: "u64", Shape: x, Type: ElemType{Kind: 'u', Size: 8, Name: "uint64"}, Dims: []string{"x"}},
		{Path: "ub", Shape: x, Type: ElemType{Kind: 'u', Size: 1, Name: "ubyte"}, Dims: []string{"x"}},
		{Path: "ui", Shape: x, Type: ElemType{Kind: 'u', Size: 4, Name: "uint"}, Dims: []string{"x"}},
		{Path: "us", Shape: x, Type: ElemType{Kind: 'u', Size: 2, Name: "ushort"}, Dims: []string{"x"}},
	}
	if !reflect.DeepEqual(vars, want) {
		t.Errorf("got  %v\nwant %v", vars, want)
	}
}

func TestNetCDFRead(t *testing.T) {
	src := openNetCDF(t, ncgen(t, allTypesCDL))
	for path, vals := range allTypesValues {
		t.Run(path, func(t *testing.T) {
			got, err := src.Read(context.Background(), path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := encode(t, binary.NativeEndian, vals)
			// Floats compare as values so that the NaN in "f" counts as equal
			// whatever its payload.
			equal := bytes.Equal(got, want)
			if size, float := map[string]int{"f": 4, "d": 8}[path]; float {
				host := zarr.DType{Kind: 'f', Size: size, BigEndian: hostBigEndian, Str: "host float"}
				l, _ := newLayout(host, ElemType{Kind: 'f', Size: size})
				equal = len(got) == len(want) && l.compare(got, want, int64(len(got)/size)).count == 0
			}
			if !equal {
				t.Errorf("got % x, want % x", got, want)
			}
		})
	}
	if _, err := src.Read(context.Background(), "str", nil, nil); err == nil || !strings.Contains(err.Error(), "unsupported by check") {
		t.Errorf("reading a string variable: %v, want unsupported", err)
	}
	if got, err := src.ReadStrings(context.Background(), "str"); err != nil || !reflect.DeepEqual(got, []string{"hello", "world"}) {
		t.Errorf("ReadStrings(str) = %q, %v", got, err)
	}
	if _, err := src.ReadStrings(context.Background(), "d"); err == nil {
		t.Error("ReadStrings of a double variable succeeded")
	}
	if _, err := src.Read(context.Background(), "nope", nil, nil); err == nil {
		t.Error("reading an absent variable succeeded")
	}
}

func TestOpenNetCDFErrors(t *testing.T) {
	_, err := OpenNetCDF(filepath.Join(t.TempDir(), "absent.nc"))
	if err == nil || !strings.Contains(err.Error(), "libnetcdf") {
		t.Errorf("opening an absent file: %v", err)
	}
	src, err := OpenNetCDF(ncgen(t, allTypesCDL))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Read(context.Background(), "d", nil, nil); err == nil {
		t.Error("read after close succeeded")
	}
}

// allTypesSet builds the reference set a correct scanner would produce for
// allTypesCDL: "d" points into the file's contiguous storage, every other
// array holds inline chunks of the expected values (some big-endian, some
// in chunks smaller than the array).
func allTypesSet(t *testing.T, ncPath string) *refs.Set {
	t.Helper()
	le, be := binary.LittleEndian, binary.BigEndian
	set := refs.NewSet()
	x, c2 := []int64{3}, []int64{2}
	arrays := []struct {
		path, dtype   string
		shape, chunks []int64
		order         binary.ByteOrder
	}{
		{"b", "|i1", x, x, le},
		{"c", "|S1", []int64{2, 4}, []int64{1, 3}, le},
		{"cloud", "|i1", x, c2, le},
		{"d", "<f8", x, x, le},
		{"f", "<f4", []int64{2, 3}, []int64{1, 2}, le},
		{"g1/g2/w", ">i2", x, c2, be},
		{"g1/v", "<i4", x, x, le},
		{"i", ">i4", x, []int64{1}, be},
		{"i64", "<i8", x, x, le},
		{"rec", "<f4", []int64{0}, []int64{512}, le},
		{"s", "<i2", x, x, le},
		{"scalar", "<i4", []int64{}, []int64{}, le},
		{"u64", ">u8", x, x, be},
		{"ub", "|u1", x, x, le},
		{"ui", "<u4", x, x, le},
		{"us", "<u2", x, x, le},
	}
	for _, a := range arrays {
		addArray(t, set, a.path, a.dtype, a.shape, a.chunks, encode(t, a.order, allTypesValues[a.path]))
	}
	addStringArray(t, set, "str", []int64{2}, []int64{1}, []string{"hello", "world"})
	setAllTypesDims(t, set)

	file, err := os.ReadFile(ncPath)
	if err != nil {
		t.Fatal(err)
	}
	d := encode(t, le, allTypesValues["d"])
	off := bytes.Index(file, d)
	if off < 0 || bytes.LastIndex(file, d) != off {
		t.Fatalf("the values of d are not stored once, contiguously, in %s", ncPath)
	}
	set.Arrays["d"].SetRange(0, ncPath, int64(off), int64(len(d)))
	return set
}

// setAllTypesDims names the dimensions of allTypesSet's arrays after
// allTypesCDL's.
func setAllTypesDims(t *testing.T, set *refs.Set) {
	t.Helper()
	for _, p := range set.ArrayPaths() {
		dims := map[string][]string{"c": {"y", "n"}, "f": {"y", "x"}, "rec": {"t"}, "scalar": {}, "str": {"y"}}[p]
		if dims == nil && p != "scalar" {
			dims = []string{"x"}
		}
		setDims(t, set, p, dims)
	}
}

func TestCheckNetCDF(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(set *refs.Set, ncPath string)
		want   map[string]Entry // entries other than ok
	}{
		{"agree", func(*refs.Set, string) {}, nil},
		{
			"one value changed",
			func(set *refs.Set, _ string) {
				// f[1,2] = 6 is the first element of chunk (1,1).
				binary.LittleEndian.PutUint32(set.Arrays["f"].Inline[3], math.Float32bits(6.5))
			},
			map[string]Entry{"f": {Status: StatusMismatch, Detail: "1 of 6 elements differ; first at [1 2]: reference 6.5, source 6"}},
		},
		{
			"nested array missing",
			func(set *refs.Set, _ string) {
				delete(set.Arrays, "g1/g2/w")
			},
			map[string]Entry{"g1/g2/w": {Status: StatusMissing}},
		},
		{
			"reference out of range",
			func(set *refs.Set, ncPath string) {
				st, _ := os.Stat(ncPath)
				set.Arrays["d"].SetRange(0, ncPath, st.Size()-8, 24)
			},
			map[string]Entry{"d": {Status: StatusError, Detail: "lie outside"}},
		},
		{
			"string variable as byte strings",
			func(set *refs.Set, _ string) {
				addArray(t, set, "str", "|S5", []int64{2}, []int64{2}, []byte("helloworld"))
			},
			map[string]Entry{"str": {Status: StatusMismatch, Detail: "dtype |S5 does not match source type string"}},
		},
		{
			"string changed",
			func(set *refs.Set, _ string) {
				addStringArray(t, set, "str", []int64{2}, []int64{2}, []string{"hello", "World"})
			},
			map[string]Entry{"str": {Status: StatusMismatch, Detail: `1 of 2 elements differ; first at [1]: reference "World", source "world"`}},
		},
		{
			"vlen-utf8 chunk holds too few strings",
			func(set *refs.Set, _ string) { set.Arrays["str"].SetInline(1, []byte{0, 0, 0, 0}) },
			map[string]Entry{"str": {Status: StatusError, Detail: "chunk str/1: decode 4 stored bytes: vlen-utf8: 0 items, want one per chunk element (1)"}},
		},
		{
			"chunk decodes to the wrong size",
			func(set *refs.Set, _ string) { set.Arrays["c"].SetInline(1, []byte("d")) },
			map[string]Entry{"c": {Status: StatusError, Detail: "chunk c/0.1: decode 1 stored bytes"}},
		},
	} {
		t.Run(tc.name, withSlabs(func(t *testing.T) {
			ncPath := ncgen(t, allTypesCDL)
			src := openNetCDF(t, ncPath)
			set := allTypesSet(t, ncPath)
			tc.mutate(set, ncPath)
			setAllTypesDims(t, set)
			r, err := Check(context.Background(), set, newOpener(t), src, Options{Workers: 3})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Entry{}
			for p, e := range tc.want {
				want[p] = e
			}
			for _, e := range r.Entries {
				w, special := want[e.Path]
				if !special {
					w = Entry{Status: StatusOK}
				}
				if e.Status != w.Status || !strings.Contains(e.Detail, w.Detail) {
					t.Errorf("%s: %s %q, want %s containing %q", e.Path, e.Status, e.Detail, w.Status, w.Detail)
				}
			}
			var b strings.Builder
			if err := r.Write(&b); err != nil {
				t.Fatal(err)
			}
			t.Log("report:\n" + b.String())
			if len(r.Entries) != 17 {
				t.Errorf("%d entries, want 17", len(r.Entries))
			}
			wantFailed := false
			for _, e := range want {
				wantFailed = wantFailed || (e.Status != StatusOK && e.Status != StatusUnchecked)
			}
			if r.Failed() != wantFailed {
				t.Errorf("Failed() = %v, want %v", r.Failed(), wantFailed)
			}
		}))
	}
}
