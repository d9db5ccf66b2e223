package convert

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/s3test"
)

// s3Output starts versitygw with a bucket "out" and makes blob's default
// client use it (path style) for the rest of the test.
func s3Output(t *testing.T) *s3test.Server {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	srv.CreateBucket(t, "out")
	old := blob.Default()
	blob.SetDefault(blob.NewClient(blob.ConfigFromEnv()))
	t.Cleanup(func() { blob.SetDefault(old) })
	return srv
}

// filesIn reads every file below a local directory, by relative path.
func filesIn(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files[filepath.ToSlash(rel)], _ = os.ReadFile(p)
		}
		return nil
	})
	return files
}

// objectsIn reads every object below a prefix, by key relative to it.
func objectsIn(t *testing.T, srv *s3test.Server, bucket, prefix string) map[string][]byte {
	t.Helper()
	objs := map[string][]byte{}
	for _, k := range srv.Keys(t, bucket, prefix) {
		objs[strings.TrimPrefix(k, prefix)] = srv.Get(t, bucket, k)
	}
	return objs
}

func sameFiles(t *testing.T, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d objects, want %d", len(got), len(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s missing", name)
		} else if !bytes.Equal(g, w) {
			t.Errorf("%s: %d bytes differ from the local file's %d", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s is not in the local conversion", name)
		}
	}
}

// TestTreeS3 converts a generated GHCN year into S3 and into a local
// directory: the objects equal the files byte for byte. A failed run
// leaves the earlier objects untouched and no new ones; a rerun replaces
// the input's files and removes those of partitions it no longer has.
func TestTreeS3(t *testing.T) {
	srv := s3Output(t)
	ctx := context.Background()
	in := ghcnFile(t, "1MB", 1)
	local := t.TempDir()
	if _, err := convertFile(t, in, local, ghcnOptions()); err != nil {
		t.Fatal(err)
	}
	want := filesIn(t, local)
	if len(want) < 3 {
		t.Fatalf("only %d local files", len(want))
	}

	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	out := blob.NewTree("s3://out/ds", t.TempDir())
	res, err := Convert(ctx, f, FileName(in), out, ghcnOptions())
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !res.Written || len(res.Partitions) != len(want) {
		t.Errorf("result: written %v, %d partitions", res.Written, len(res.Partitions))
	}
	sameFiles(t, objectsIn(t, srv, "out", "ds/"), want)

	// The same input with a bad row: nothing changes.
	csv, _ := os.ReadFile(in)
	bad := append(append([]byte{}, csv...), "X,notadate,TMAX,1,,,,\n"...)
	res, err = Convert(ctx, bytes.NewReader(bad), FileName(in), out, ghcnOptions())
	var be *BadRowsError
	if !errors.As(err, &be) || res.Written {
		t.Fatalf("bad input: written %v, err %v", res.Written, err)
	}
	sameFiles(t, objectsIn(t, srv, "out", "ds/"), want)

	// A new input that fails leaves no object at all.
	_, err = Convert(ctx, bytes.NewReader(bad), "other.parquet", blob.NewTree("s3://out/fresh/", ""), ghcnOptions())
	if !errors.As(err, &be) {
		t.Fatalf("bad input: %v", err)
	}
	if keys := srv.Keys(t, "out", "fresh/"); len(keys) != 0 {
		t.Errorf("a failed conversion left %q", keys)
	}

	// A rerun with only TMAX rows removes the file from the other partitions.
	var tmax []byte
	for _, line := range strings.SplitAfter(string(csv), "\n") {
		if strings.Contains(line, ",TMAX,") {
			tmax = append(tmax, line...)
		}
	}
	res, err = Convert(ctx, bytes.NewReader(tmax), FileName(in), out, ghcnOptions())
	if err != nil {
		t.Fatal(err)
	}
	name := FileName(in)
	if got := srv.Keys(t, "out", "ds/"); !slices.Equal(got, []string{"ds/ELEMENT=TMAX/" + name}) {
		t.Errorf("after the rerun: %q", got)
	}
	if len(res.Removed) != len(want)-1 {
		t.Errorf("removed %q", res.Removed)
	}
}
