package hdf5scan

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// appendAttrJSON must write what refs.MarshalCanonical writes.
func TestAppendAttrJSON(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"string", "degrees_north"},
		{"empty string", ""},
		{"escaped string", "a \"quoted\"\\ line\n\ttab"},
		{"utf8 string", "°C, 温度, \U0001F600"},
		{"invalid utf8", "a\xffb"},
		{"control", "\x00\x01"},
		{"bool", true},
		{"int64", int64(-9223372036854775808)},
		{"uint64", uint64(18446744073709551615)},
		{"float64 integral", 1.0},
		{"float64 negative zero", math.Copysign(0, -1)},
		{"float64 big", 1e21},
		{"float64 small", 1e-7},
		{"float64 netCDF fill", 9.969209968386869e+36},
		{"float64 third", 1.0 / 3},
		{"float64 max", math.MaxFloat64},
		{"float64 denormal", 5e-324},
		{"float64 NaN", math.NaN()},
		{"float64 +Inf", math.Inf(1)},
		{"float64 -Inf", math.Inf(-1)},
		{"float32", float32(0.1)},
		{"float32 integral", float32(3)},
		{"float32 big", float32(1e20)},
		{"float32 NaN", float32(math.NaN())},
		{"float32 -Inf", float32(math.Inf(-1))},
		{"[]float32", []float32{0.1, 2, float32(math.NaN()), float32(math.Inf(1)), 1e-8}},
		{"[]float64", []float64{0.1, 2, math.NaN(), math.Inf(-1), 123456789012345678}},
		{"[]int64", []int64{-1, 0, 1, math.MaxInt64}},
		{"[]uint64", []uint64{0, math.MaxUint64}},
		{"[]string", []string{"time", "lat", "lon"}},
		{"empty []string", []string{}},
		{"nil []string", []string(nil)},
		{"nil []any", []any(nil)},
		{"empty []any", []any{}},
		{"[]any mixed", []any{"a", int64(1), uint64(2), 1.5, float32(2.5), true, nil, []any{"nested"}}},
		{"complex", []any{float32(1), float32(-0.5)}},
		{"compound", map[string]any{"b": int64(1), "a": []any{1.0, "x"}, "é": "v", "c": map[string]any{}}},
		{"nil map", map[string]any(nil)},
		{"other type", []int{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want, wantErr := refs.MarshalCanonical(tc.v)
			got, err := appendAttrJSON([]byte("prefix:"), tc.v)
			if (err != nil) != (wantErr != nil) {
				t.Fatalf("error %v, want %v", err, wantErr)
			}
			if want = append([]byte("prefix:"), want...); err == nil && !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// attributeMaps decodes the attributes of every object in a file, as the
// scanner writes them to .zattrs (without _ARRAY_DIMENSIONS).
func attributeMaps(t testing.TB, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, sb, err := open(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	s := &scanner{
		f: f, opts: Options{URL: path}, ctx: context.Background(), gh: &globalHeap{},
		byAddr: map[uint64]*object{}, phony: map[string][]phonyDim{},
		res: &format.Result{},
	}
	if err := s.walk(sb.rootHeader); err != nil {
		t.Fatal(err)
	}
	if err := s.prepare(); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, o := range s.objects {
		out = append(out, visibleAttrs(o.values))
	}
	return out
}

// Every attribute of every fixture is written as refs.MarshalCanonical
// writes it.
func TestAppendAttrJSONFixtures(t *testing.T) {
	for _, path := range append(fixtures(t, "fixtures"), fixtures(t, "fixtures/features")...) {
		for _, attrs := range attributeMaps(t, path) {
			want, err := refs.MarshalCanonical(attrs)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			got, err := appendAttrObject(nil, attrs)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s:\ngot  %s\nwant %s", path, got, want)
			}
		}
	}
}

// attributeFixtures are the fixtures with the most attributes: numbers
// and strings of every type, short and long (nc4_attrs.nc), attributes of
// every datatype class (h5_datatypes.h5), hundreds of small ones
// (h5_earliest.h5, nc4_dense150.nc).
var attributeFixtures = []string{"nc4_attrs.nc", "features/h5_datatypes.h5", "h5_earliest.h5", "nc4_dense150.nc"}

// BenchmarkScanAttributes scans the attribute-heavy fixtures.
func BenchmarkScanAttributes(b *testing.B) {
	for _, name := range attributeFixtures {
		path := filepath.Join("..", "testdata", "fixtures", name)
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAttrJSON writes the attributes of the attribute-heavy fixtures
// as JSON, directly and through the reflecting encoder.
func BenchmarkAttrJSON(b *testing.B) {
	var all []map[string]any
	for _, name := range attributeFixtures {
		all = append(all, attributeMaps(b, filepath.Join("..", "testdata", "fixtures", name))...)
	}
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, attrs := range all {
				if _, err := appendAttrObject(nil, attrs); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("MarshalCanonical", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, attrs := range all {
				if _, err := refs.MarshalCanonical(attrs); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
