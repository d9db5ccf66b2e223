package netcdf3

import (
	"encoding/json"
	"strings"
	"testing"
)

// The attributes of nc3_classic.nc as JSON: what netCDF4-python gives
// xarray (compared with xarray in testdata/xrview.py), in hdf5scan's
// conventions.
func TestAttributeJSON(t *testing.T) {
	res, err := scanBytes(readFixture(t, "nc3_classic.nc"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ node, name, want string }{
		{"", "att_bytes", "[-128, 0, 127]"},
		{"", "att_shorts", "[-32768, 1]"},
		{"", "att_ints", "[-2147483647, 0, 2147483647]"},
		{"", "att_floats", "[1.5, NaN, -Infinity]"},
		{"", "att_doubles", "[0.1, NaN, Infinity, -Infinity]"},
		{"", "att_one_float", "0.1"},
		{"", "att_empty_text", `""`},
		{"", "att_utf8", `"temp\u00e9rature \u00b0C"`},
		{"scalar_i", "att_byte", "-1"},
		{"scalar_i", "att_float", "3.4028235e+38"},
		{"scalar_i", "att_double", "1e-300"},
		{"pr", "valid_range", "[0, 1000]"},
		{"pr", "scale_factor", "0.1"},
		{"pr", "add_offset", "0.0"},
		{"tas", "valid_max", "Infinity"},
		// missing_value (float) with the float64 digits of its float32
		// value, so that xarray masks the float32 data equal to it.
		{"tas", "missing_value", "-1.0000000150474662e+30"},
		{"flag", "flag_values", "[0, 1, 2]"},
		{"flag", "_Unsigned", `"true"`},
		{"time", "_ARRAY_DIMENSIONS", `["time"]`},
		{"scalar_d", "_ARRAY_DIMENSIONS", `[]`},
		{"station", "_ARRAY_DIMENSIONS", `["lat", "strlen"]`},
	} {
		if got := string(res.Set.Attrs(tc.node)[tc.name]); got != tc.want {
			t.Errorf("%s:%s = %s, want %s", tc.node, tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct{ v, fill string }{
		{"pr", "-32767"}, {"tas", `"NaN"`}, {"d", `"NaN"`}, {"flag", "-1"}, {"i", "-99"}, {"time", "null"},
	} {
		a := res.Set.Arrays[tc.v]
		if string(a.ZArray.FillValue) != tc.fill || a.Attrs["_FillValue"] != nil {
			t.Errorf("%s: fill_value %s (attribute %s), want %s", tc.v, a.ZArray.FillValue, a.Attrs["_FillValue"], tc.fill)
		}
	}
}

// The CDF-5 types' attributes and fill values, extremes included.
func TestAttributeJSONCDF5(t *testing.T) {
	res, err := scanBytes(readFixture(t, "nc3_cdf5.nc"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ node, name, want string }{
		{"", "att_ubyte", "200"},
		{"", "att_ushorts", "[1, 65535]"},
		{"", "att_uint", "4000000000"},
		{"", "att_int64", "-5"},
		{"", "att_uint64s", "[1, 18446744073709551615]"},
		{"u4", "att_uints", "[0, 4294967295]"},
		{"i8", "att_int64s", "[-9223372036854775807, 9223372036854775807]"},
		{"u8", "att_uint64", "18446744073709551615"},
		{"u1", "valid_range", "[0, 254]"},
	} {
		if got := string(res.Set.Attrs(tc.node)[tc.name]); got != tc.want {
			t.Errorf("%s:%s = %s, want %s", tc.node, tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct{ v, dtype, fill string }{
		{"i1", `"|i1"`, "-127"}, {"u1", `"|u1"`, "255"}, {"u2", `">u2"`, "65535"},
		{"i8", `">i8"`, "-9223372036854775806"}, {"u8", `">u8"`, "18446744073709551614"},
		{"rec_u8", `">u8"`, "0"}, {"c", `"|S1"`, "null"}, {"f8", `">f8"`, "null"},
	} {
		z := res.Set.Arrays[tc.v].ZArray
		if string(z.DType) != tc.dtype || string(z.FillValue) != tc.fill {
			t.Errorf("%s: dtype %s fill_value %s, want %s %s", tc.v, z.DType, z.FillValue, tc.dtype, tc.fill)
		}
	}
}

// NC_CHAR text as netCDF4-python decodes it: UTF-8, ill-formed parts
// replaced as Python's decode(errors="replace") replaces them (one U+FFFD
// per maximal subpart: the outputs below are Python 3's), NULs removed.
func TestCharText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"abc", "abc"},
		{"abc\x00\x00\x00", "abc"},
		{"a\x00b", "ab"},
		{"\x00", ""},
		{"°C", "°C"},
		{"\xb0C", "\ufffdC"},                   // Latin-1 degree sign
		{"\xe2\x82", "\ufffd"},                 // a truncated 3-byte sequence: one
		{"\xe2\x82A", "\ufffdA"},               // likewise, before ASCII
		{"\xe0\x80\x80", "\ufffd\ufffd\ufffd"}, // overlong: E0 wants A0..BF next
		{"\xed\xa0\x80", "\ufffd\ufffd\ufffd"}, // a surrogate
		{"\xf0\x9f\x98", "\ufffd"},             // a truncated 4-byte sequence
		{"\xf4\x90\x80\x80", "\ufffd\ufffd\ufffd\ufffd"},
		{"\xff\xfe", "\ufffd\ufffd"},
		{"\xef\xbf\xbd", "\ufffd"}, // U+FFFD itself
		{"\xc3", "\ufffd"},
	} {
		if got := charText([]byte(tc.in)); got != tc.want {
			t.Errorf("charText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// Attribute values of every count and type are valid JSON.
func TestAttributeValueShapes(t *testing.T) {
	for _, tc := range []struct {
		a    attribute
		want string
	}{
		{attribute{typ: ncInt, n: 0}, "[]"},
		{attribute{typ: ncChar, n: 0}, `""`},
		{attribute{typ: ncDouble, n: 0}, "[]"},
		{attribute{typ: ncShort, n: 1, data: []byte{0xff, 0xfe}}, "-2"},
		{attribute{typ: ncUShort, n: 1, data: []byte{0xff, 0xfe}}, "65534"},
		{attribute{typ: ncFloat, n: 1, data: []byte{0x7f, 0xc0, 0, 0}}, "NaN"},
		{attribute{name: "missing_value", typ: ncFloat, n: 2, data: []byte{0x3d, 0xcc, 0xcc, 0xcd, 0, 0, 0, 0}}, "[0.10000000149011612, 0.0]"},
		{attribute{name: "missing_value", typ: ncDouble, n: 1, data: []byte{0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}}, "0.1"},
		{attribute{typ: ncChar, n: 2, data: []byte(`"\`)}, `"\"\\"`},
	} {
		got := tc.a.appendJSON(nil)
		if string(got) != tc.want || !json.Valid(finite(got)) {
			t.Errorf("%+v: %s; want %s", tc.a, got, tc.want)
		}
	}
}

// finite replaces the bare words that Python's json reads and Go's does
// not, to check the rest is JSON.
func finite(b []byte) []byte {
	return []byte(strings.NewReplacer("-Infinity", "0", "Infinity", "0", "NaN", "0").Replace(string(b)))
}
