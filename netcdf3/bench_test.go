package netcdf3

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkScan scans a small fixture from memory and a file of 10 000
// records from disk, with kerchunk's inline threshold (500 bytes: the
// time and flag records are inlined, 20 000 chunks read) and without.
//
//	go test -run XXX -bench Scan -benchmem ./netcdf3/
func BenchmarkScan(b *testing.B) {
	small := readFixture(b, "nc3_classic.nc")
	b.Run("nc3_classic", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(small)))
		for b.Loop() {
			if _, err := scanBytes(small, Options{URL: "nc3_classic.nc", InlineThreshold: 500}); err != nil {
				b.Fatal(err)
			}
		}
	})
	path := filepath.Join(b.TempDir(), "records.nc")
	if err := os.WriteFile(path, recordsFile(10000).encode(), 0o644); err != nil {
		b.Fatal(err)
	}
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	st, _ := file.Stat()
	for _, threshold := range []int{500, 0} {
		name := "records10000/inline500"
		if threshold == 0 {
			name = "records10000/inline0"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := Scan(context.Background(), file, st.Size(), path, Options{InlineThreshold: threshold})
				if err != nil {
					b.Fatal(err)
				}
				if res.Chunks != 30002 {
					b.Fatalf("%d chunks", res.Chunks)
				}
			}
		})
	}
}

// recordsFile is a file of n records: time (8 bytes a record), flag (1
// byte, padded to 4) and tas (10 x 20 floats), beside lat and lon.
func recordsFile(n uint64) *testFile {
	return &testFile{
		version: 1, numrecs: n,
		dims:  []testDim{{"time", 0}, {"lat", 10}, {"lon", 20}},
		attrs: []testAttr{{"title", ncChar, 7, []byte("records")}},
		vars: []testVar{
			{name: "lat", dims: []int{1}, typ: ncFloat, attrs: []testAttr{{"units", ncChar, 13, []byte("degrees_north")}}},
			{name: "lon", dims: []int{2}, typ: ncFloat, attrs: []testAttr{{"units", ncChar, 12, []byte("degrees_east")}}},
			{name: "time", dims: []int{0}, typ: ncDouble, attrs: []testAttr{{"units", ncChar, 19, []byte("days since 2000-1-1")}}},
			{name: "flag", dims: []int{0}, typ: ncByte},
			{name: "tas", dims: []int{0, 1, 2}, typ: ncFloat, attrs: []testAttr{{"_FillValue", ncFloat, 1, []byte{0x7f, 0xc0, 0, 0}}}},
		},
	}
}

// The benchmark's file reads back: records 10 000 records apart by
// recsize, every chunk where the layout puts it.
func TestRecordsFile(t *testing.T) {
	data := recordsFile(100).encode()
	res, err := scanBytes(data, Options{InlineThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	f, _ := openBytes(data)
	if f.recsize != 8+4+800 || res.Chunks != 302 || res.Inlined != 202 {
		t.Fatalf("recsize %d, %d chunks, %d inline", f.recsize, res.Chunks, res.Inlined)
	}
	for r := range 100 {
		c, _ := res.Set.Arrays["flag"].Chunk(r)
		tas, _ := res.Set.Arrays["tas"].Chunk(r)
		if !bytes.Equal(c.Data, []byte{byte(r)}) || tas.Offset != f.beginRec+int64(r)*f.recsize+12 || tas.Length != 800 {
			t.Fatalf("record %d: flag %v, tas at %d (%d bytes)", r, c.Data, tas.Offset, tas.Length)
		}
	}
}
