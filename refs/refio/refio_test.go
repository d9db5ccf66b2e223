package refio

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/hdf5scan"
	"gokerchunk/refs"
)

func fixtureSet(t *testing.T) *refs.Set { return fixtureSetInline(t, 100) }

// fixtureSetInline scans the fixture, inlining chunks under threshold bytes.
func fixtureSetInline(t *testing.T, threshold int) *refs.Set {
	t.Helper()
	path, _ := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures", "nc4_groups.nc"))
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	res, err := hdf5scan.Scan(context.Background(), f, st.Size(), path, hdf5scan.Options{URL: path, InlineThreshold: threshold})
	if err != nil {
		t.Fatal(err)
	}
	return res.Set
}

func jsonOf(t *testing.T, set *refs.Set) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := refs.WriteJSON(&b, set); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A set written at a local URL in either format reads back the same; an
// existing Parquet set is replaced whole, and anything else at the URL is
// left alone.
func TestWriteReadLocal(t *testing.T) {
	ctx := context.Background()
	set := fixtureSet(t)
	want := jsonOf(t, set)
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		format Format
	}{{"set.json", JSON}, {"set.parq", Parquet}} {
		url := filepath.Join(dir, tc.name)
		for range 2 { // the second write replaces the first
			if err := Write(ctx, url, set, tc.format, 10); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		got, err := Read(ctx, url)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(jsonOf(t, got), want) {
			t.Errorf("%s: the set read back differs", tc.name)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left in the directory: %v", entries)
	}
	other := filepath.Join(dir, "other")
	os.Mkdir(other, 0o755)
	if err := Write(ctx, other, set, Parquet, 10); err == nil || !strings.Contains(err.Error(), "not a Parquet reference set") {
		t.Errorf("writing over a directory that is not a set: %v", err)
	}
	if err := Write(ctx, filepath.Join(dir, "x"), set, "csv", 10); err == nil {
		t.Error("an unknown format was written")
	}
}

// ReadEncoding tells the format and the Parquet record size, so that a set
// can be written back as it was; Encoding.Write with Templates writes
// templated JSON that reads back the same.
func TestReadEncoding(t *testing.T) {
	ctx := context.Background()
	set := fixtureSetInline(t, 0)
	dir := t.TempDir()
	for _, e := range []Encoding{{Format: JSON}, {Format: JSON, Templates: true}, {Format: Parquet, RecordSize: 7}} {
		url := filepath.Join(dir, "set."+string(e.Format))
		if err := e.Write(ctx, url, set); err != nil {
			t.Fatal(err)
		}
		if e.Templates {
			b, _ := os.ReadFile(url)
			if !bytes.Contains(b, []byte(`"templates": {`)) {
				t.Errorf("no templates in %s", b)
			}
		}
		got, enc, err := ReadEncoding(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		want := e
		want.Templates = false
		if enc != want {
			t.Errorf("%+v read back as %+v", e, enc)
		}
		if !bytes.Equal(jsonOf(t, got), jsonOf(t, set)) {
			t.Errorf("%+v: the set read back differs", e)
		}
		os.RemoveAll(url)
	}
}
