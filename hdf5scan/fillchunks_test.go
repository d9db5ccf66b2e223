package hdf5scan

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"math"
	"os"
	"testing"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// chunkValues decodes chunk i of an array whose codecs are at most zlib.
func chunkValues(t *testing.T, m *refs.Manifest, z *refs.ZArray, i int) []byte {
	t.Helper()
	r, ok := m.Chunk(i)
	if !ok || r.Data == nil {
		t.Fatalf("chunk %d: not an inline chunk (%+v, %v)", i, r, ok)
	}
	if len(z.Filters) == 0 {
		return r.Data
	}
	if len(z.Filters) != 1 || z.Filters[0].ID() != "zlib" {
		t.Fatalf("codecs %v", z.Filters)
	}
	zr, err := zlib.NewReader(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFillValues: fill_value is _FillValue or null, and never-written
// chunks read as libhdf5 / libnetcdf return them (testdata/gen/fill_*.py).
func TestFillValues(t *testing.T) {
	nc := scanFixture(t, "../testdata/fixtures/fill_netcdf_c.nc", 0)
	h5nc := scanFixture(t, "../testdata/fixtures/fill_h5netcdf.nc", 0)
	f32 := func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }
	i32 := func(v int32) []byte { return binary.LittleEndian.AppendUint32(nil, uint32(v)) }
	i16 := func(v int16) []byte { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
	for _, tc := range []struct {
		name     string
		res      *format.Result
		path     string
		fill     string
		explicit []int  // positions that must be explicit chunks ...
		value    []byte // ... of this element value
		missing  []int  // positions left to fill_value
	}{
		// netCDF-C stores its default fill as the HDF5 fill value.
		{"netCDF-C scalar without _FillValue", nc, "crs", "null", []int{0}, i32(-2147483647), nil},
		{"netCDF-C partial without _FillValue", nc, "partial_nofill", "null", []int{1, 2}, f32(9.969209968386869e36), nil},
		{"netCDF-C partial with _FillValue", nc, "partial_fill", "-999.0", nil, nil, []int{1, 2, 3}},
		// Past the 3 written records, inside the dimension of 5: netCDF's fill.
		{"netCDF-C record variable shorter than its dimension", nc, "short_rec", "null", []int{2}, i16(-32767), nil},
		// h5netcdf leaves the HDF5 fill value undefined: zeros.
		{"h5netcdf partial", h5nc, "partial", "null", []int{1, 2}, f32(0), nil},
		{"h5netcdf scalar", h5nc, "scalar_unwritten", "null", []int{0}, i32(0), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z, err := tc.res.Set.ZArray(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if string(z.FillValue) != tc.fill {
				t.Errorf("fill_value %s, want %s", z.FillValue, tc.fill)
			}
			m := tc.res.Set.Arrays[tc.path]
			for _, i := range tc.explicit {
				b := chunkValues(t, m.Manifest, z, i)
				if len(b)%len(tc.value) != 0 || !bytes.Equal(b, bytes.Repeat(tc.value, len(b)/len(tc.value))) {
					t.Errorf("chunk %d = % x..., want repeated % x", i, b[:min(len(b), 8)], tc.value)
				}
			}
			for _, i := range tc.missing {
				if _, ok := m.Chunk(i); ok {
					t.Errorf("chunk %d stored, want it left to fill_value", i)
				}
			}
		})
	}
}

func TestPadStrings(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		pad      int
		changed  bool
	}{
		{"ab\x00xyz\x00\x00", "ab\x00\x00\x00\x00\x00\x00", 0, true},
		{"abcdefgh", "abcdefgh", 0, false},
		{"ab\x00\x00", "ab\x00\x00", 0, false},
		{"a b     ", "a b\x00\x00\x00\x00\x00", 2, true},
		{"        ", "\x00\x00\x00\x00\x00\x00\x00\x00", 2, true},
		{"ab\x00x", "ab\x00x", 1, false}, // null-padded: as stored
	} {
		b := []byte(tc.in + tc.in)
		n := len(tc.in)
		if got := padStrings(b, n, tc.pad); got != tc.changed || string(b) != tc.want+tc.want {
			t.Errorf("padStrings(%q, pad %d) = %q, %v; want %q, %v", tc.in, tc.pad, b, got, tc.want+tc.want, tc.changed)
		}
	}
}

// TestFixedStringPadding: str_fixed_pad.h5's values read as h5py returns
// them (testdata/fixtures/MANIFEST.md).
func TestFixedStringPadding(t *testing.T) {
	res := scanFixture(t, "../testdata/fixtures/str_fixed_pad.h5", 0)
	for name, want := range map[string][]string{
		"nullterm": {"ab", "abcdefg", "", "hello"},
		"nullpad":  {"ab", "abcdefgh", "", "a\x00b"},
		"spacepad": {"ab", "a b", "abcdefgh", ""},
	} {
		z, err := res.Set.ZArray(name)
		if err != nil {
			t.Fatal(err)
		}
		m := res.Set.Arrays[name]
		var b []byte
		if r, _ := m.Chunk(0); r.Data != nil {
			b = chunkValues(t, m.Manifest, z, 0)
		} else {
			data, err := readFixtureRange(r)
			if err != nil {
				t.Fatal(err)
			}
			b = data
		}
		for i, w := range want {
			if got := string(bytes.TrimRight(b[i*8:(i+1)*8], "\x00")); got != w {
				t.Errorf("%s[%d] = %q, want %q", name, i, got, w)
			}
		}
	}
}

// readFixtureRange reads a referenced chunk from its file.
func readFixtureRange(r refs.Ref) ([]byte, error) {
	f, err := os.Open(r.URL)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, r.Length)
	_, err = f.ReadAt(b, r.Offset)
	return b, err
}
