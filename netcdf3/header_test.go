package netcdf3

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/format"
)

// fixtures are the netCDF classic fixtures (testdata/gen/generate.sh).
func fixtures(t testing.TB) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join("..", "testdata", "fixtures", "nc3_*.nc"))
	if err != nil || len(m) < 6 {
		t.Fatalf("netCDF-3 fixtures: %v, %v (run testdata/gen/generate.sh)", m, err)
	}
	return m
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func openBytes(data []byte) (*file, error) {
	return open(bytes.NewReader(data), int64(len(data)), "test.nc")
}

// TestHeaderFixtures checks each kind of header against what ncdump and
// the format specification say of the fixture: the version, records,
// dimensions, the record size (padded per record variable, or packed for
// a single one) and where the records start.
func TestHeaderFixtures(t *testing.T) {
	for _, tc := range []struct {
		file               string
		version            byte
		records            uint64
		dims, attrs, vars  int
		recvars            int
		recsize            int64
		recDim             string
		firstVar, firstRec string
	}{
		// time 8 + pr 24 + tas 48 + flag 3→4 + code 5→8 + level 2→4.
		{"nc3_classic.nc", 1, 3, 5, 10, 16, 6, 96, "time", "time", "time"},
		// time 4 + series 12 + tag 3→4.
		{"nc3_64bit.nc", 2, 4, 5, 3, 6, 3, 20, "time", "time", "time"},
		// rec_u1 3→4 + rec_u2 2→4 + rec_i8 24 + rec_u8 8.
		{"nc3_cdf5.nc", 5, 2, 2, 6, 16, 4, 40, "rec", "i1", "rec_u1"},
		// One record variable of 6 bytes: not padded.
		{"nc3_onerec.nc", 1, 4, 2, 1, 2, 1, 6, "t", "x", "v"},
		// time 8 + v 8 + s 2→4, no records.
		{"nc3_norec.nc", 1, 0, 2, 0, 4, 3, 20, "time", "time", "time"},
		// nccopy of nc7_classic.nc: time 8 + pr 24.
		{"nc3_nccopy.nc", 1, 2, 3, 2, 5, 2, 32, "time", "time", "time"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := readFixture(t, tc.file)
			f, err := openBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			if f.version != tc.version || f.records != tc.records || f.streaming {
				t.Errorf("version %d, %d records (streaming %v), want %d, %d", f.version, f.records, f.streaming, tc.version, tc.records)
			}
			if len(f.dims) != tc.dims || len(f.attrs) != tc.attrs || len(f.vars) != tc.vars || f.nrecvars != tc.recvars {
				t.Errorf("%d dims, %d attributes, %d variables (%d record), want %d, %d, %d (%d)",
					len(f.dims), len(f.attrs), len(f.vars), f.nrecvars, tc.dims, tc.attrs, tc.vars, tc.recvars)
			}
			if f.recsize != tc.recsize || f.dims[f.recDim].name != tc.recDim {
				t.Errorf("recsize %d, record dimension %q, want %d, %q", f.recsize, f.dims[f.recDim].name, tc.recsize, tc.recDim)
			}
			if f.vars[0].name != tc.firstVar || f.vars[0].begin != f.header.size && !f.varData[0].record {
				t.Errorf("first variable %q at %d, header of %d bytes", f.vars[0].name, f.vars[0].begin, f.header.size)
			}
			// netCDF-C writes the records to the end of the file, the
			// last one whole.
			for i, v := range f.vars {
				if v.name == tc.firstRec && f.beginRec != v.begin {
					t.Errorf("records begin at %d, %s at %d", f.beginRec, v.name, v.begin)
				}
				if f.varData[i].record && f.records > 0 && f.beginRec+int64(f.records)*f.recsize != int64(len(data)) {
					t.Errorf("%d records of %d bytes from %d end at %d, the file at %d", f.records, f.recsize, f.beginRec, f.beginRec+int64(f.records)*f.recsize, len(data))
				}
			}
		})
	}
}

// streaming sets numrecs to STREAMING (all ones in its width).
func streaming(data []byte) []byte {
	out := bytes.Clone(data)
	n := 4
	if out[3] == 5 {
		n = 8
	}
	for i := 4; i < 4+n; i++ {
		out[i] = 0xFF
	}
	return out
}

// With numrecs STREAMING the records are counted from the file size; a
// partial record at the end does not count.
func TestStreamingNumrecs(t *testing.T) {
	for _, name := range []string{"nc3_classic.nc", "nc3_cdf5.nc", "nc3_onerec.nc", "nc3_norec.nc"} {
		t.Run(name, func(t *testing.T) {
			data := readFixture(t, name)
			want, err := openBytes(data)
			if err != nil {
				t.Fatal(err)
			}
			for _, extra := range []int64{0, 1, want.recsize - 1} {
				s := append(streaming(data), make([]byte, max(extra, 0))...)
				f, err := openBytes(s)
				if err != nil {
					t.Fatal(err)
				}
				if !f.streaming || f.records != want.records {
					t.Errorf("%d bytes after the records: %d records (streaming %v), want %d", extra, f.records, f.streaming, want.records)
				}
			}
		})
	}
}

// Each rule of the header and the data layout is checked with an error
// naming the structure and its offset.
func TestHeaderErrors(t *testing.T) {
	base := func() *testFile {
		return &testFile{
			version: 1, numrecs: 2,
			dims: []testDim{{"time", 0}, {"x", 3}},
			vars: []testVar{
				{name: "x", dims: []int{1}, typ: ncFloat},
				{name: "v", dims: []int{0, 1}, typ: ncShort},
			},
		}
	}
	if _, err := openBytes(base().encode()); err != nil {
		t.Fatalf("the base file: %v", err)
	}
	for _, tc := range []struct {
		name      string
		edit      func(f *testFile)
		raw       func(b []byte) []byte
		structure string
		msg       string
	}{
		{name: "bad magic", raw: func(b []byte) []byte { b[3] = 3; return b }, structure: "magic number", msg: "is not CDF"},
		{name: "HDF5", raw: func(b []byte) []byte { return []byte("\x89HDF\r\n\x1a\n") }, structure: "magic number"},
		{name: "empty", raw: func(b []byte) []byte { return b[:2] }, structure: "magic number", msg: "4 bytes needed"},
		{name: "two record dimensions", edit: func(f *testFile) { f.dims[1].length = 0 }, structure: "dimension list", msg: "at most one record dimension"},
		{name: "record dimension not first", edit: func(f *testFile) { f.vars[1].dims = []int{1, 0} }, structure: "variable", msg: "not the first"},
		{name: "dimension id", edit: func(f *testFile) { f.vars[0].dims = []int{2} }, structure: "dimension id", msg: "the file has 2 dimensions"},
		{name: "CDF-5 type in CDF-1", edit: func(f *testFile) { f.vars[0].typ = ncUInt }, structure: "variable type", msg: "uint is not a type of CDF-1"},
		{name: "type 0", edit: func(f *testFile) { f.vars[0].typ = 0 }, structure: "variable type", msg: "type 0 is not a type"},
		{name: "attribute type", edit: func(f *testFile) { f.attrs = []testAttr{{"a", 12, 1, []byte("x")}} }, structure: "attribute type"},
		{name: "duplicate variable", edit: func(f *testFile) { f.vars[1].name = "x" }, structure: "variable", msg: `a second variable named "x"`},
		{name: "duplicate dimension", edit: func(f *testFile) { f.dims[1].name = "time" }, structure: "dimension", msg: `a second dimension named "time"`},
		{name: "slash in a name", edit: func(f *testFile) { f.vars[0].name = "a/b" }, structure: "variable name", msg: "not a netCDF name"},
		{name: "dot name", edit: func(f *testFile) { f.vars[0].name = ".zarray" }, structure: "variable name", msg: "not a netCDF name"},
		{name: "empty name", edit: func(f *testFile) { f.dims[1].name = "" }, structure: "dimension name", msg: "empty name"},
		{name: "name not UTF-8", edit: func(f *testFile) { f.attrs = []testAttr{{"\xff", ncChar, 1, []byte("x")}} }, structure: "attribute name", msg: "not UTF-8"},
		{name: "attribute values past the end", edit: func(f *testFile) { f.attrs = []testAttr{{"a", ncInt, 1 << 30, nil}} }, structure: "attribute values", msg: "1073741824 values of 4 bytes"},
		{name: "huge dimension count", raw: func(b []byte) []byte { binary.BigEndian.PutUint32(b[12:], 1<<31); return b }, structure: "dimension list", msg: "2147483648 dimensions"},
		{name: "list tag", raw: func(b []byte) []byte { b[11] = 0x0B; return b }, structure: "dimension list", msg: "tag 0xb"},
		{name: "variables overlap", raw: func(b []byte) []byte { return setBegin(t, b, 1, -2) }, structure: "variable", msg: `begins at`},
		{name: "variable inside the header", raw: func(b []byte) []byte { return setBegin(t, b, 0, -4) }, structure: "variable", msg: "before the end of the header"},
		{name: "negative CDF-1 offset", raw: func(b []byte) []byte { return setBegin(t, b, 0, 1<<31) }, structure: "variable begin", msg: "negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := base()
			if tc.edit != nil {
				tc.edit(f)
			}
			data := f.encode()
			if tc.raw != nil {
				data = tc.raw(data)
			}
			_, err := openBytes(data)
			var fe *format.Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *format.Error", err)
			}
			if fe.File != "test.nc" || fe.Structure != tc.structure || !strings.Contains(fe.Msg, tc.msg) || fe.Offset < 0 || fe.Offset > int64(len(data)) {
				t.Errorf("error %+v, want structure %q, a message with %q", fe, tc.structure, tc.msg)
			}
		})
	}
}

// setBegin changes the begin of variable i of a file encode made with
// the base file's header layout: by delta, or to delta when it is 1<<31.
func setBegin(t *testing.T, b []byte, i int, delta int64) []byte {
	t.Helper()
	f, err := openBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	// begin is the last field of the variable's entry: the entry of the
	// next variable (or the header's end) follows it.
	end := f.header.size
	if i+1 < len(f.vars) {
		end = f.vars[i+1].where
	}
	v := int64(binary.BigEndian.Uint32(b[end-4:])) + delta
	if delta == 1<<31 {
		v = delta
	}
	binary.BigEndian.PutUint32(b[end-4:], uint32(v))
	return b
}

// The test writer's files are netCDF as netCDF-C reads them.
func TestEncoderAgreesWithNetCDFC(t *testing.T) {
	if _, err := exec.LookPath("ncdump"); err != nil {
		t.Skip("ncdump is missing (netcdf-bin)")
	}
	f := &testFile{
		version: 5, numrecs: 3,
		dims:  []testDim{{"t", 0}, {"x", 3}, {"c", 5}},
		attrs: []testAttr{{"title", ncChar, 2, []byte("hi")}},
		vars: []testVar{
			{name: "x", dims: []int{1}, typ: ncUShort, fill: 1},
			{name: "v", dims: []int{0, 1}, typ: ncByte, fill: 10},
			{name: "s", dims: []int{0, 2}, typ: ncChar, fill: 'a'},
			{name: "w", dims: []int{0}, typ: ncInt64, fill: 0},
		},
	}
	path := filepath.Join(t.TempDir(), "enc.nc")
	if err := os.WriteFile(path, f.encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ncdump", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ncdump: %v\n%s", err, out)
	}
	for _, want := range []string{"t = UNLIMITED ; // (3 currently)", "x = 257, 257, 257 ;", "v =\n  10, 10, 10,\n  11, 11, 11,\n  12, 12, 12 ;", `"aaaaa",` + "\n  \"bbbbb\"", `:title = "hi" ;`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ncdump lacks %q:\n%s", want, out)
		}
	}
}
