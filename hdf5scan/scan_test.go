package hdf5scan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// fixtures lists the generated HDF5 test files (testdata/gen/generate.sh):
// the netCDF classic ones beside them (nc3_*.nc, package netcdf3's) are
// left out.
func fixtures(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, pat := range []string{"*.nc", "*.h5"} {
		m, err := filepath.Glob(filepath.Join("..", "testdata", dir, pat))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range m {
			if !isClassicNetCDF(t, path) {
				out = append(out, path)
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no fixtures in testdata/%s: run make fixtures", dir)
	}
	return out
}

// isClassicNetCDF reports whether the file starts with the magic number
// of a netCDF classic format ("CDF" and a version byte).
func isClassicNetCDF(t testing.TB, path string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := make([]byte, 3)
	n, _ := f.ReadAt(head, 0)
	return n == 3 && string(head) == "CDF"
}

func scanBytes(data []byte, name string, opts Options) (*format.Result, error) {
	return Scan(context.Background(), bytes.NewReader(data), int64(len(data)), name, opts)
}

func TestScanFixtures(t *testing.T) {
	for _, path := range fixtures(t, "fixtures") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			res, err := scanBytes(data, path, Options{URL: path, InlineThreshold: 500})
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if res.Arrays == 0 {
				t.Fatalf("no arrays")
			}
			// Every array has its documents, every reference lies in the file.
			for _, p := range res.Set.ArrayPaths() {
				z, err := res.Set.ZArray(p)
				if err != nil {
					t.Fatalf("%s: %v", p, err)
				}
				if res.Set.Attrs(p) == nil {
					t.Errorf("%s: no .zattrs", p)
				}
				m := res.Set.Arrays[p]
				if got, want := len(m.Grid), len(z.Shape); got != want {
					t.Errorf("%s: grid rank %d, shape rank %d", p, got, want)
				}
				for i := 0; i < m.Len(); i++ {
					r, ok := m.Chunk(i)
					if !ok || r.URL == "" {
						continue
					}
					size := int64(len(data))
					if r.URL != path {
						// External data files lie beside the fixture.
						st, err := os.Stat(r.URL)
						if err != nil {
							t.Errorf("%s chunk %d: %v", p, i, err)
							continue
						}
						size = st.Size()
					}
					if r.Offset < 0 || r.Offset+r.Length > size {
						t.Errorf("%s chunk %d: [%d, +%d) outside the %d-byte file %s", p, i, r.Offset, r.Length, size, r.URL)
					}
				}
			}
			// Deterministic: a second scan writes the same bytes.
			var a, b bytes.Buffer
			refs.WriteJSON(&a, res.Set)
			res2, err := scanBytes(data, path, Options{URL: path, InlineThreshold: 500})
			if err != nil {
				t.Fatal(err)
			}
			refs.WriteJSON(&b, res2.Set)
			if a.String() != b.String() {
				t.Error("two scans of the same file differ")
			}
		})
	}
}

func TestScanUnsupportedFixtures(t *testing.T) {
	for _, path := range fixtures(t, "fixtures/unsupported") {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, err = scanBytes(data, path, Options{URL: path})
			var ue *format.UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want an UnsupportedError", err)
			}
			if ue.File != path || ue.Path == "" || ue.Feature == "" {
				t.Errorf("error lacks file, path or feature: %+v", ue)
			}
			res, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
			if err != nil {
				t.Fatalf("with SkipUnsupported: %v", err)
			}
			if len(res.Skipped) == 0 {
				t.Errorf("nothing reported as skipped")
			}
			for _, s := range res.Skipped {
				if _, ok := res.Set.Arrays[zarrPath(s.Path)]; ok {
					t.Errorf("%s skipped but still in the set", s.Path)
				}
			}
		})
	}
}

// scanWithDeadline scans corrupt data and fails the test on a panic or a
// scan that does not finish in time.
func scanWithDeadline(t *testing.T, data []byte, what string) {
	t.Helper()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		scanBytes(data, what, Options{InlineThreshold: 500, SkipUnsupported: true})
	}()
	select {
	case p := <-done:
		if p != nil {
			t.Fatalf("%s: panic: %v", what, p)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: scan did not finish in 20 s", what)
	}
}

func TestCorruptFixtures(t *testing.T) {
	for _, path := range append(fixtures(t, "fixtures"), fixtures(t, "fixtures/features")...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			// Truncated copies: every error must be an error, not a panic.
			for _, n := range []int{0, 7, 8, 100, 512, len(data) / 4, len(data) / 2, len(data) - 1} {
				if n >= 0 && n <= len(data) {
					scanWithDeadline(t, data[:n], name+" truncated")
				}
			}
			// Bit flips spread over the metadata-heavy start of the file.
			limit := min(len(data), 64<<10)
			step := max(1, limit/300)
			buf := make([]byte, len(data))
			for off := 0; off < limit; off += step {
				copy(buf, data)
				buf[off] ^= 0x5a
				scanWithDeadline(t, buf, name+" flipped")
			}
		})
	}
}

func TestNotHDF5(t *testing.T) {
	_, err := scanBytes([]byte(strings.Repeat("CDF\x01", 300)), "x.nc", Options{})
	var fe *format.Error
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "x.nc") {
		t.Fatalf("err = %v, want a FormatError naming the file", err)
	}
}

func FuzzScan(f *testing.F) {
	var paths []string
	for _, dir := range []string{"fixtures", "fixtures/features", "fixtures/unsupported"} {
		paths = append(paths, fixtures(f, dir)...)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= 64<<10 {
			f.Add(data)
		}
	}
	// Structures no tool here writes, made by rewriting fixtures in memory:
	// data layout messages v1, v2 (one with external files) and v5, and
	// version 3 committed shared messages.
	for _, path := range []string{"h5_storage_committed.h5", "h5_storage_external.h5"} {
		for _, v := range []byte{1, 2} {
			_, patched, _ := layoutAsVersion1(f, fixtureDir+path, v)
			f.Add(patched)
		}
	}
	_, v5, _ := layoutAsVersion5(f, fixtureDir+"h5_latest_chunked.h5")
	f.Add(v5)
	_, _, v3 := committedAsVersion3(f)
	f.Add(v3)
	f.Fuzz(func(t *testing.T, data []byte) {
		scanBytes(data, "fuzz.h5", Options{InlineThreshold: 500, SkipUnsupported: true})
	})
}

// countingReader counts ReadAt calls and bytes for the benchmark.
type countingReader struct {
	r            *bytes.Reader
	calls, bytes atomic.Int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	c.calls.Add(1)
	c.bytes.Add(int64(len(p)))
	return c.r.ReadAt(p, off)
}

func BenchmarkScan(b *testing.B) {
	for _, path := range append(fixtures(b, "sample"), fixtures(b, "fixtures")...) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(path), func(b *testing.B) {
			cr := &countingReader{r: bytes.NewReader(data)}
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Scan(context.Background(), cr, int64(len(data)), path, Options{URL: path}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cr.bytes.Load())/float64(b.N), "bytesread/op")
			b.ReportMetric(float64(cr.calls.Load())/float64(b.N), "reads/op")
		})
	}
}

// TestMaxDecodedInline: chunks stored with another filter mask are decoded
// and inlined up to Options.MaxDecodedInline bytes per variable; beyond it
// the variable is unsupported, and a larger limit inlines it again.
func TestMaxDecodedInline(t *testing.T) {
	path := filepath.Join("..", "testdata", "fixtures", "h5_earliest_filters.h5")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanBytes(data, path, Options{SkipUnsupported: true, MaxDecodedInline: 1})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, ue := range res.Skipped {
		skipped = append(skipped, ue.Path)
		if !strings.Contains(ue.Feature, "re-encode") {
			t.Errorf("%s: feature %q does not say why", ue.Path, ue.Feature)
		}
	}
	if strings.Join(skipped, ",") != "/mask_deflate,/mask_shuffle_deflate" {
		t.Errorf("skipped %v, want the two datasets with masked chunks", skipped)
	}
	res, err = scanBytes(data, path, Options{MaxDecodedInline: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Set.Arrays["mask_deflate"]; !ok || res.Inlined == 0 {
		t.Errorf("mask_deflate not inlined with a large limit (inlined %d)", res.Inlined)
	}
}
