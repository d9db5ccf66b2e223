package scan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"gokerchunk/hdf5scan"
	"gokerchunk/netcdf3"
	"gokerchunk/refs"
)

// countingReader counts the reads made through it.
type countingReader struct {
	r     io.ReaderAt
	reads atomic.Int64
}

func (c *countingReader) ReadAt(b []byte, off int64) (int, error) {
	c.reads.Add(1)
	return c.r.ReadAt(b, off)
}

// The format is recognised through a probe whose reads the parser gets
// again: a scan through File reads what hdf5scan alone reads, and writes
// the same set, also for a file whose superblock follows a user block.
func TestDetectCostsNoRead(t *testing.T) {
	for _, name := range []string{"nc4_groups.nc", "nc4_userblock.nc", "h5_superblock1.h5"} {
		t.Run(name, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join("..", "testdata", "fixtures", name))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			direct := &countingReader{r: bytes.NewReader(data)}
			want, err := hdf5scan.Scan(context.Background(), direct, int64(len(data)), path, hdf5scan.Options{URL: path})
			if err != nil {
				t.Fatal(err)
			}
			probed := &countingReader{r: bytes.NewReader(data)}
			p := newProbe(probed)
			f, err := Detect(p.reader(), int64(len(data)), path)
			if err != nil || f.Name() != "HDF5" {
				t.Fatalf("format %v, %v", f, err)
			}
			p.replay()
			got, err := f.Scan(context.Background(), p.reader(), int64(len(data)), path, Options{URL: path})
			if err != nil {
				t.Fatal(err)
			}
			if probed.reads.Load() != direct.reads.Load() {
				t.Errorf("%d reads through the probe, %d by hdf5scan alone", probed.reads.Load(), direct.reads.Load())
			}
			var a, b bytes.Buffer
			refs.WriteJSON(&a, want.Set)
			refs.WriteJSON(&b, got.Set)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the set differs from hdf5scan's")
			}
		})
	}
}

// sparseReader is data followed by zeros up to size.
type sparseReader struct {
	data []byte
	size int64
}

func (s sparseReader) ReadAt(b []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	clear(b)
	if off < int64(len(s.data)) {
		copy(b, s.data[off:])
	}
	if n := s.size - off; n < int64(len(b)) {
		return int(n), io.EOF
	}
	return len(b), nil
}

// A netCDF-3 file is recognised after HDF5's signature is looked for at
// byte 0 only, not at every power of two up to its end (a GET each on
// S3), and scans through File as through netcdf3 alone.
func TestDetectNetCDF3(t *testing.T) {
	for _, name := range []string{"nc3_classic.nc", "nc3_64bit.nc", "nc3_cdf5.nc"} {
		t.Run(name, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join("..", "testdata", "fixtures", name))
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			big := &countingReader{r: sparseReader{data, 1 << 40}}
			f, err := Detect(big, 1<<40, path)
			if err != nil || f.Name() != "netCDF-3" {
				t.Fatalf("format %v, %v", f, err)
			}
			if n := big.reads.Load(); n != 2 {
				t.Errorf("%d reads to recognise a 1 TiB netCDF-3 file, want 2 (HDF5's and netCDF-3's at byte 0)", n)
			}

			want, err := netcdf3.Scan(context.Background(), bytes.NewReader(data), int64(len(data)), path, netcdf3.Options{URL: path, InlineThreshold: DefaultInlineThreshold})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), name+".json")
			got, err := File(context.Background(), path, FileOptions{Options: Options{InlineThreshold: DefaultInlineThreshold}, Output: out})
			if err != nil {
				t.Fatal(err)
			}
			var a, b bytes.Buffer
			refs.WriteJSON(&a, want.Set)
			refs.WriteJSON(&b, got.Set)
			if written, _ := os.ReadFile(out); !bytes.Equal(a.Bytes(), b.Bytes()) || !bytes.Equal(written, a.Bytes()) {
				t.Error("the set differs from netcdf3's")
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "text.nc")
	os.WriteFile(path, bytes.Repeat([]byte("not hdf5 "), 200), 0o644)
	_, err := File(context.Background(), path, FileOptions{Output: filepath.Join(t.TempDir(), "x.json")})
	var ue *UnknownFormatError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `HDF5 ("\x89HDF\r\n\x1a\n" at byte 0, 512`) ||
		!strings.Contains(err.Error(), `netCDF-3 ("CDF\x01", "CDF\x02" or "CDF\x05" at byte 0)`) {
		t.Fatalf("error %v, want an UnknownFormatError naming the file and the signatures tried", err)
	}
}

// TestOtherFormats: an input of a format scan knows but does not read is
// named as such, with what to do.
func TestOtherFormats(t *testing.T) {
	for _, tc := range []struct {
		name string
		head []byte
		want string
	}{
		{"modis.hdf", []byte{0x0e, 0x03, 0x13, 0x01, 0, 0x10}, "an HDF4 file (HDF4 is not HDF5)"},
		{"era5.grib", []byte("GRIB\x00\x00\x00\x02"), "a GRIB file"},
		{"v3.nc", []byte("CDF\x03\x00\x00\x00\x00"), "a netCDF classic file of an unknown version"},
		{"x.cdl", []byte("netcdf x {\n"), "CDL text"},
		{"x.nc.gz", []byte{0x1f, 0x8b, 8, 0}, "gzip-compressed"},
		{"short", []byte("PK"), "not a file of a known format"}, // too short for zip's magic
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(path, tc.head, 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "x.json")
			_, err := File(context.Background(), path, FileOptions{Output: out})
			var ue *UnknownFormatError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want an UnknownFormatError saying %q", err, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output written: %v", err)
			}
		})
	}
}
