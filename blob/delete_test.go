package blob

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestS3DeleteListDir(t *testing.T) {
	srv, c := s3Server(t, nil, Config{})
	ctx := context.Background()
	for _, key := range []string{"d/a.parquet", "d/K=1/x.parquet", "d/K=1/y.parquet", "d/K=2/x.parquet", "d2/z", "top"} {
		srv.CopyFile(t, writeTemp(t, "f", []byte(key)), "test", key)
	}
	for _, dir := range []string{"s3://test/d/", "s3://test/d"} {
		got, err := c.ListDir(ctx, dir)
		if want := []string{"K=1/", "K=2/", "a.parquet"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("ListDir(%s) = %q, %v; want %q", dir, got, err, want)
		}
	}
	got, err := c.ListDir(ctx, "s3://test/")
	if want := []string{"d/", "d2/", "top"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ListDir(root) = %q, %v; want %q", got, err, want)
	}
	if got, err := c.ListDir(ctx, "s3://test/none/"); err != nil || len(got) != 0 {
		t.Errorf("ListDir(none) = %q, %v", got, err)
	}

	if err := c.Delete(ctx, "s3://test/d/K=1/x.parquet"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "s3://test/d/K=1/missing"); err != nil {
		t.Errorf("deleting a missing object: %v", err)
	}
	if err := c.Delete(ctx, "s3://test/d/"); err == nil {
		t.Error("deleting a prefix: no error")
	}
	if keys := srv.Keys(t, "test", "d/K=1/"); !slices.Equal(keys, []string{"d/K=1/y.parquet"}) {
		t.Errorf("after delete: %q", keys)
	}

	local := writeTemp(t, "gone", []byte("x"))
	if err := c.Delete(ctx, local); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(local); !os.IsNotExist(err) {
		t.Errorf("local file still there: %v", err)
	}
	if err := c.Delete(ctx, filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Errorf("deleting a missing file: %v", err)
	}
}

// TestS3Stream reads an object front to back through OpenStream, and
// reports the rate against a SectionReader over the same Reader (each 8
// MiB read one GET, one at a time) on the local versitygw.
func TestS3Stream(t *testing.T) {
	srv, c := s3Server(t, nil, Config{})
	ctx := context.Background()
	size := 24 << 20
	if testing.Short() {
		size = 3 << 20
	}
	data := testData(size)
	srv.CopyFile(t, writeTemp(t, "big.csv", data), "test", "big.csv")

	start := time.Now()
	s, n, err := c.OpenStream(ctx, "s3://test/big.csv")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s)
	if err != nil || n != int64(size) || !bytes.Equal(got, data) {
		t.Fatalf("stream: %d of %d bytes, %v", len(got), n, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	streamed := time.Since(start)

	start = time.Now()
	r, err := c.Open(ctx, "s3://test/big.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err = io.ReadAll(bufio.NewReaderSize(io.NewSectionReader(r, 0, r.Size()), DefaultSequentialChunk))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("section reader: %d bytes, %v", len(got), err)
	}
	sectioned := time.Since(start)
	mb := float64(size) / 1e6
	t.Logf("%.0f MB: OpenStream %.0f MB/s, SectionReader+bufio %.0f MB/s", mb, mb/streamed.Seconds(), mb/sectioned.Seconds())
}
