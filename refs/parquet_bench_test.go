package refs

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
)

// benchSet is 10 arrays of 100 000 chunks each (1 M references) spread over
// 10 target files per array, as a combine of many sidecars gives.
func benchSet(b testing.TB) *Set {
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

// genSource makes the references of benchSet's arrays as they are read,
// holding one window: n chunks over a target file per 10 000. At each
// window it samples the live heap (as of the last GC) into peak.
type genSource struct {
	n    int
	peak *uint64
}

func (s genSource) Grid() []int { return []int{s.n, 1, 1} }

func (s genSource) Open() (ChunkReader, error) { return &genReader{peak: s.peak}, nil }

type genReader struct {
	peak  *uint64
	live  [1]metrics.Sample
	pos   int
	file  int      // the file urls names
	urls  []string // a one-target table per file
	multi []string // a table for windows across files
}

func (r *genReader) Next(n int, w *Manifest) error {
	if r.peak != nil {
		r.live[0].Name = "/gc/heap/live:bytes"
		metrics.Read(r.live[:])
		*r.peak = max(*r.peak, r.live[0].Value.Uint64())
	}
	w.Target, w.Offset, w.Length = resize(w.Target, n), resize(w.Offset, n), resize(w.Length, n)
	clear(w.Inline)
	first, last := r.pos/10000, (r.pos+n-1)/10000
	if first == last {
		if r.urls == nil || r.file != first {
			r.file, r.urls = first, []string{"s3://bucket/archive/file-" + strconv.Itoa(first) + ".nc"}
		}
		w.URLs = r.urls
	} else {
		r.multi = nil
		for f := first; f <= last; f++ {
			r.multi = append(r.multi, "s3://bucket/archive/file-"+strconv.Itoa(f)+".nc")
		}
		w.URLs = r.multi
	}
	for j := range n {
		i := r.pos + j
		w.Target[j] = int32(i/10000 - first)
		w.Offset[j], w.Length[j] = int64(i%10000)*4147200+8192, 4147200-int64(i%977)
	}
	r.pos += n
	return nil
}

func (r *genReader) Close() error { return nil }

// BenchmarkWriteParquetSource writes a set of one Source-only array of 1 M
// and of 4 M references. The live heap (peak-live-B, the most the GC found
// live, sampled at each record the source gives) stays that of one record
// whatever the references; what is allocated in all (B/op) grows with the
// record files written (parquet-go allocates each file's column buffers
// anew), so B/file stays flat.
func BenchmarkWriteParquetSource(b *testing.B) {
	for _, refs := range []int{1 << 20, 1 << 22} {
		b.Run("refs="+strconv.Itoa(refs>>20)+"M", func(b *testing.B) {
			s := NewSet()
			putDoc(b, s, ".zgroup", []byte(`{"zarr_format": 2}`))
			z := &ZArray{ZarrFormat: 2, Shape: []int64{int64(refs), 720, 1440}, Chunks: []int64{1, 720, 1440}, DType: []byte(`"<f4"`), FillValue: FillFloat(0), Order: "C"}
			doc, err := z.Marshal()
			if err != nil {
				b.Fatal(err)
			}
			putDoc(b, s, "var/.zarray", doc)
			var peak uint64
			s.Arrays["var"].Source = genSource{n: refs, peak: &peak}
			tmp := b.TempDir()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			startAlloc := ms.TotalAlloc
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
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(refs), "ns/ref")
			runtime.ReadMemStats(&ms)
			b.ReportMetric(float64(peak), "peak-live-B")
			files := (refs + DefaultRecordSize - 1) / DefaultRecordSize
			b.ReportMetric(float64(ms.TotalAlloc-startAlloc)/float64(b.N)/float64(files), "B/file")
		})
	}
}
