package netcdf3

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/format"
	"gokerchunk/refs"
	"gokerchunk/zarrcheck"
)

func scanBytes(data []byte, opts Options) (*format.Result, error) {
	return Scan(context.Background(), bytes.NewReader(data), int64(len(data)), "test.nc", opts)
}

// Every fixture scans into arrays whose references lie in the file and
// whose documents are complete, and reads back through the references
// (zarrcheck, libnetcdf's values and what xarray makes of the metadata)
// equal to the source, inlined or not.
func TestScanFixtures(t *testing.T) {
	for _, path := range fixtures(t) {
		for _, threshold := range []int{0, 500} {
			t.Run(fmt.Sprintf("%s/inline%d", filepath.Base(path), threshold), func(t *testing.T) {
				abs, _ := filepath.Abs(path)
				data, err := os.ReadFile(abs)
				if err != nil {
					t.Fatal(err)
				}
				res, err := Scan(context.Background(), bytes.NewReader(data), int64(len(data)), abs, Options{InlineThreshold: threshold})
				if err != nil {
					t.Fatal(err)
				}
				f, _ := openBytes(data)
				if res.Arrays != len(f.vars) || len(res.Skipped) > 0 {
					t.Errorf("%d arrays, %d skipped, want %d arrays", res.Arrays, len(res.Skipped), len(f.vars))
				}
				if res.Set.Groups[""] == nil || res.Set.Groups[""].Attrs == nil {
					t.Error("no root group attributes")
				}
				chunks, inlined := 0, 0
				for _, p := range res.Set.ArrayPaths() {
					a := res.Set.Arrays[p]
					if dims, ok := a.Attrs.Strings("_ARRAY_DIMENSIONS"); !ok || len(dims) != len(a.ZArray.Shape) {
						t.Errorf("%s: _ARRAY_DIMENSIONS %v for shape %v", p, dims, a.ZArray.Shape)
					}
					if _, ok := a.Attrs["_FillValue"]; ok && string(a.ZArray.FillValue) != "null" {
						t.Errorf("%s: _FillValue both as fill_value and as an attribute", p)
					}
					for i := range a.Len() {
						r, ok := a.Chunk(i)
						if !ok {
							t.Errorf("%s: chunk %d missing", p, i)
							continue
						}
						chunks++
						if r.URL == "" {
							inlined++
							if int64(len(r.Data)) >= int64(threshold) {
								t.Errorf("%s: chunk %d of %d bytes inlined at threshold %d", p, i, len(r.Data), threshold)
							}
						} else if r.URL != abs || r.Offset < f.header.size || r.Offset+r.Length > int64(len(data)) {
							t.Errorf("%s: chunk %d refers to %s [%d, +%d) (file of %d bytes)", p, i, r.URL, r.Offset, r.Length, len(data))
						}
					}
				}
				if res.Chunks != chunks || res.Inlined != inlined || threshold == 0 && inlined > 0 {
					t.Errorf("result counts %d chunks, %d inline; the set holds %d, %d", res.Chunks, res.Inlined, chunks, inlined)
				}
				checkWithLibnetcdf(t, res.Set, abs)
			})
		}
	}
}

// checkWithLibnetcdf reads every array back through the set and compares
// it with libnetcdf's values and metadata (zarrcheck; cgo builds only).
func checkWithLibnetcdf(t *testing.T, set *refs.Set, path string) {
	t.Helper()
	src, err := zarrcheck.Open(path)
	if err != nil {
		if strings.Contains(err.Error(), "cgo") {
			t.Skipf("zarrcheck: %v", err)
		}
		t.Fatal(err)
	}
	defer src.Close()
	opener := blob.NewOpener()
	defer opener.Close()
	report, err := zarrcheck.Check(context.Background(), set, opener, src, zarrcheck.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if report.Failed() || report.Count(zarrcheck.StatusOK) != len(set.Arrays) {
		var b strings.Builder
		report.Write(&b)
		t.Errorf("zarrcheck:\n%s", b.String())
	}
}

// Record variables are referenced one record per chunk, recsize apart:
// padded to 4 bytes per variable when there are several, packed when
// there is one; the bytes referenced are the values ncdump prints.
func TestRecordInterleaving(t *testing.T) {
	for _, tc := range []struct {
		file, v string
		stride  int64
		length  int64
		values  []int64 // per record, big-endian integers of the variable's type
	}{
		{"nc3_onerec.nc", "v", 6, 6, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"nc3_classic.nc", "level", 96, 2, []int64{1000, -1, 850}},
		{"nc3_classic.nc", "flag", 96, 3, []int64{0, 1, 2, -1, -2, -1, -128, 127, 0}},
		{"nc3_64bit.nc", "time", 20, 4, []int64{0, 1, 2, 365}},
		{"nc3_cdf5.nc", "rec_u2", 40, 2, []int64{65534, 7}},
	} {
		t.Run(tc.file+"/"+tc.v, func(t *testing.T) {
			data := readFixture(t, tc.file)
			res, err := scanBytes(data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			a := res.Set.Arrays[tc.v]
			if a.ZArray.Chunks[0] != 1 || a.Len() != int(a.ZArray.Shape[0]) {
				t.Fatalf("chunks %v, %d of them, shape %v", a.ZArray.Chunks, a.Len(), a.ZArray.Shape)
			}
			typ := ncType(0)
			f, _ := openBytes(data)
			for _, v := range f.vars {
				if v.name == tc.v {
					typ = v.typ
				}
			}
			var got []int64
			for r := range a.Len() {
				ref, _ := a.Chunk(r)
				first, _ := a.Chunk(0)
				if ref.Length != tc.length || ref.Offset != first.Offset+int64(r)*tc.stride {
					t.Errorf("record %d at %d, %d bytes; want %d, %d", r, ref.Offset, ref.Length, first.Offset+int64(r)*tc.stride, tc.length)
				}
				chunk := data[ref.Offset : ref.Offset+ref.Length]
				for i := 0; i < len(chunk)/typ.size(); i++ {
					if typ == ncUShort {
						got = append(got, int64(unsignedAt(typ, chunk, i)))
					} else {
						got = append(got, signedAt(typ, chunk, i))
					}
				}
			}
			if !slices.Equal(got, tc.values) {
				t.Errorf("values %v, want %v", got, tc.values)
			}
		})
	}
}

// A streaming file scans into the same set as the file with numrecs.
func TestScanStreaming(t *testing.T) {
	data := readFixture(t, "nc3_classic.nc")
	want, err := scanBytes(data, Options{InlineThreshold: 50})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanBytes(append(streaming(data), 1, 2, 3), Options{InlineThreshold: 50})
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	refs.WriteJSON(&a, want.Set)
	refs.WriteJSON(&b, got.Set)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("streaming:\n%s\nnumrecs:\n%s", b.Bytes(), a.Bytes())
	}
}

// A file cut inside its data says so, with the size its header gives
// and the first variable it lacks; with SkipUnsupported the variables it
// lacks are listed as damaged and the others still referenced.
func TestTruncatedData(t *testing.T) {
	data := readFixture(t, "nc3_classic.nc")
	f, _ := openBytes(data)
	// Cut inside the second record: the first holds every record
	// variable's record 0, the non-record variables are all there.
	cut := data[:f.beginRec+f.recsize+10]
	_, err := scanBytes(cut, Options{})
	var te *format.TruncatedError
	want := fmt.Sprintf("test.nc: truncated: the file ends at %d bytes, the header says %d, while reading /time", len(cut), f.end())
	if !errors.As(err, &te) || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want a TruncatedError %q", err, want)
	}
	res, err := scanBytes(cut, Options{SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, d := range res.Damaged {
		skipped = append(skipped, d.Path)
		if !errors.As(d, &te) || !strings.Contains(d.Error(), "/time: damaged: truncated: the file ends at") && d.Path == "/time" {
			t.Errorf("%v: want a DamagedError for a TruncatedError", d)
		}
	}
	if want := []string{"/time", "/pr", "/tas", "/flag", "/code", "/level"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if res.Arrays != 10 || res.Set.Arrays["d"] == nil {
		t.Errorf("%d arrays, want the 10 non-record variables", res.Arrays)
	}
}

// Truncated copies of every fixture and copies with any bit of the header
// flipped give a result or an error, never a panic; a header cut short
// is a *format.TruncatedError over the *format.Error of where it ends; an
// intact header with data missing still scans with SkipUnsupported.
func TestCorruptFixtures(t *testing.T) {
	for _, path := range fixtures(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, _ := openBytes(data)
			for n := range len(data) {
				cut := data[:n]
				_, err := scanBytes(cut, Options{SkipUnsupported: true})
				var fe *format.Error
				var te *format.TruncatedError
				if int64(n) < f.header.size && (!errors.As(err, &fe) || !errors.As(err, &te) || te.Reading != "the header") {
					t.Fatalf("cut at %d, inside the %d-byte header: error %v, want a *format.TruncatedError for a *format.Error", n, f.header.size, err)
				}
				if int64(n) >= f.header.size && err != nil {
					t.Fatalf("cut at %d, after the header: %v", n, err)
				}
			}
			for i := range int(f.header.size) {
				for bit := range 8 {
					b := bytes.Clone(data)
					b[i] ^= 1 << bit
					res, err := scanBytes(b, Options{SkipUnsupported: true, InlineThreshold: 64})
					checkOutcome(t, i, bit, res, err)
					if _, err := scanBytes(b, Options{}); err != nil {
						checkOutcome(t, i, bit, nil, err)
					}
					if _, err := Inspect(context.Background(), bytes.NewReader(b), int64(len(b)), "test.nc"); err != nil {
						checkOutcome(t, i, bit, nil, err)
					}
				}
			}
		})
	}
}

// checkOutcome accepts a result whose documents encode, or an error of
// the types a scan reports.
func checkOutcome(t *testing.T, i, bit int, res *format.Result, err error) {
	t.Helper()
	var fe *format.Error
	var ue *format.UnsupportedError
	var te *format.TruncatedError
	switch {
	case err != nil && !errors.As(err, &fe) && !errors.As(err, &ue) && !errors.As(err, &te):
		t.Errorf("byte %d bit %d: error %T %v", i, bit, err, err)
	case err == nil:
		if _, err := res.Set.Documents(); err != nil {
			t.Errorf("byte %d bit %d: documents: %v", i, bit, err)
		}
	}
}

// Large non-record variables are split along their first axis into full
// chunks of whole rows; small ones, and ones whose first dimension has no
// fitting divisor, stay one chunk.
func TestSplitNonRecord(t *testing.T) {
	f := &testFile{
		version: 2,
		dims:    []testDim{{"y", 12}, {"x", 100}, {"p", 13}, {"big", 5000}},
		vars: []testVar{
			{name: "grid", dims: []int{0, 1}, typ: ncDouble, fill: 1},  // 12 rows of 800 bytes
			{name: "prime", dims: []int{2, 1}, typ: ncDouble, fill: 2}, // 13 rows: no divisor but 1 and 13
			{name: "rows", dims: []int{3}, typ: ncShort, fill: 3},      // 10 000 bytes
			{name: "small", dims: []int{1}, typ: ncFloat, fill: 4},
		},
	}
	data := f.encode()
	file, err := openBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	s := newScanner(context.Background(), bytes.NewReader(data), file, Options{URL: "u"})
	s.splitAbove, s.chunkTarget, s.chunkFloor = 1000, 3000, 1000
	res, err := s.scan()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		v      string
		chunks []int64
		bytes  int64
	}{
		{"grid", []int64{3, 100}, 2400},    // 3 rows, of the divisors 1, 2, 3, 4, 6, 12
		{"prime", []int64{13, 100}, 10400}, // 1 row is 800 bytes, under the floor: whole
		{"rows", []int64{1250}, 2500},      // 1250 of 5000
		{"small", []int64{100}, 400},       // whole
	} {
		a := res.Set.Arrays[tc.v]
		if !slices.Equal(a.ZArray.Chunks, tc.chunks) {
			t.Errorf("%s: chunks %v, want %v", tc.v, a.ZArray.Chunks, tc.chunks)
			continue
		}
		// The chunks are full and follow each other over the variable's data.
		first, _ := a.Chunk(0)
		for i := range a.Len() {
			r, _ := a.Chunk(i)
			if r.Offset != first.Offset+int64(i)*tc.bytes || r.Length != tc.bytes {
				t.Errorf("%s: chunk %d at %d, %d bytes", tc.v, i, r.Offset, r.Length)
			}
			if !bytes.Equal(data[r.Offset:r.Offset+r.Length], bytes.Repeat(data[first.Offset:first.Offset+1], int(r.Length))) {
				t.Errorf("%s: chunk %d holds another variable's bytes", tc.v, i)
			}
		}
	}
}

func TestRowsPerChunk(t *testing.T) {
	for _, tc := range []struct {
		n                  uint64
		row, target, floor int64
		want               uint64
	}{
		{12, 800, 3000, 1000, 3},
		{12, 800, 16000, 1000, 12},
		{13, 800, 3000, 1000, 13},              // prime: rows of 800 under the floor
		{13, 5000, 3000, 1000, 1},              // a row over the target: one a chunk
		{21600, 86400, 16 << 20, 1 << 20, 180}, // 1/120 of a 2 GB global grid
		{1 << 20, 4, 16 << 20, 1 << 20, 1 << 20},
		{1000003, 4, 16 << 20, 1 << 20, 1000003},                     // prime
		{2 * 3 * 5 * 7 * 11 * 13 * 17, 1000, 1 << 20, 1 << 16, 1001}, // 7·11·13: no divisor in (1001, 1048]
	} {
		if got := rowsPerChunk(tc.n, tc.row, tc.target, tc.floor); got != tc.want {
			t.Errorf("rowsPerChunk(%d, %d, %d, %d) = %d, want %d", tc.n, tc.row, tc.target, tc.floor, got, tc.want)
		}
	}
}

// A _FillValue of another type than the variable's stays an attribute,
// with a note, and fill_value is null.
func TestFillValueMismatch(t *testing.T) {
	f := &testFile{
		version: 1,
		dims:    []testDim{{"x", 2}},
		vars: []testVar{{name: "v", dims: []int{0}, typ: ncShort, attrs: []testAttr{
			{"_FillValue", ncInt, 1, binary.BigEndian.AppendUint32(nil, 7)},
		}}},
	}
	res, err := scanBytes(f.encode(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Set.Arrays["v"]
	if string(a.ZArray.FillValue) != "null" || string(a.Attrs["_FillValue"]) != "7" || len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "/v: _FillValue of type int") {
		t.Errorf("fill_value %s, attribute %s, notes %q", a.ZArray.FillValue, a.Attrs["_FillValue"], res.Notes)
	}
}

func TestInspect(t *testing.T) {
	data := readFixture(t, "nc3_classic.nc")
	info, err := Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), "test.nc")
	if err != nil {
		t.Fatal(err)
	}
	if want := "netCDF-3 CDF-1 (classic), 1864-byte header, 3 records of 96 bytes"; info.Summary != want {
		t.Errorf("summary %q, want %q", info.Summary, want)
	}
	if len(info.Objects) != 17 || !info.Objects[0].Group || info.Objects[0].Attributes != 10 {
		t.Fatalf("objects %+v", info.Objects)
	}
	pr := info.Objects[5]
	if pr.Path != "/pr" || pr.DType != ">i2" || !slices.Equal(pr.Shape, []uint64{3, 3, 4}) || !slices.Equal(pr.MaxShape, []int64{-1, 3, 4}) ||
		!slices.Equal(pr.Chunks, []uint64{1, 3, 4}) || !slices.Equal(pr.Dims, []string{"time", "lat", "lon"}) || pr.Layout != "records of 24 bytes at 2128, every 96 bytes" {
		t.Errorf("pr: %+v", pr)
	}
	if want := "dimensions: time = UNLIMITED (3 currently), lat = 3, lon = 4, strlen = 5, nv = 2"; !slices.Contains(info.Notes, want) {
		t.Errorf("notes %q", info.Notes)
	}
}
