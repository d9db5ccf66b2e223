package refs

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// benchSet is 10 arrays of 100 000 chunks each (1 M references) spread over
// 10 target files per array, as a combine of many sidecars gives.
func benchSet(b *testing.B) *Set {
	s := NewSet()
	putDoc(b, s, ".zgroup", []byte(`{"zarr_format": 2}`))
	for a := range 10 {
		m := addArray(b, s, "var"+strconv.Itoa(a), []int64{100000, 720, 1440}, []int64{1, 720, 1440})
		for i := range m.Len() {
			m.SetRange(i, "s3://bucket/archive/file-"+strconv.Itoa(i/10000)+".nc", int64(i%10000)*4147200+8192, 4147200-int64(i%977))
		}
	}
	return s
}

func BenchmarkWriteParquet(b *testing.B) {
	s := benchSet(b)
	tmp := b.TempDir()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		dir := filepath.Join(tmp, strconv.Itoa(n))
		if err := WriteParquet(dir, s, DefaultRecordSize); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.RemoveAll(dir)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/ref")
}

func BenchmarkReadParquet(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "refs")
	if err := WriteParquet(dir, benchSet(b), DefaultRecordSize); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadParquet(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ns/ref")
}
