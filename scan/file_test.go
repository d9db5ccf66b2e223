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

func TestUnknownFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "text.nc")
	os.WriteFile(path, bytes.Repeat([]byte("not hdf5 "), 200), 0o644)
	_, err := File(context.Background(), path, FileOptions{Output: filepath.Join(t.TempDir(), "x.json")})
	var ue *UnknownFormatError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), `HDF5 ("\x89HDF\r\n\x1a\n" at byte 0, 512`) {
		t.Fatalf("error %v, want an UnknownFormatError naming the file and the signatures tried", err)
	}
}
