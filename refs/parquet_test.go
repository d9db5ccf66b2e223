package refs

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// addArray adds an array of the given shape and chunks (with its .zarray
// and .zattrs) to s and returns its empty manifest.
func addArray(t testing.TB, s *Set, path string, shape, chunks []int64) *Manifest {
	t.Helper()
	z := &ZArray{ZarrFormat: 2, Shape: shape, Chunks: chunks, DType: []byte(`"<i2"`), FillValue: []byte("0"), Order: "C",
		Compressor: Codec{"id": "zlib", "level": 1}}
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	putDoc(t, s, MetaKey(path, ".zarray"), doc)
	putDoc(t, s, MetaKey(path, ".zattrs"), []byte(`{"_ARRAY_DIMENSIONS": []}`))
	m := NewManifest(z.Grid())
	s.Arrays[path].Manifest = m
	return m
}

// richSet has what the layout must carry: several record files with a
// padded last one, byte ranges into several targets, whole-target refs,
// inline and empty inline chunks, missing chunks, nested groups, a scalar, an
// array without chunks, one with no stored chunk, and a top-level extra key.
func richSet(t testing.TB) *Set {
	s := sampleSet(t)
	putDoc(t, s, "grp/.zgroup", []byte(`{"zarr_format": 2}`))
	putDoc(t, s, "grp/sub/.zgroup", []byte(`{"zarr_format": 2}`))
	putDoc(t, s, ".zattrs", []byte(`{"n": [1, 2.5, NaN], "title": "caf\u00e9 \ud83c\udf0d"}`))
	big := addArray(t, s, "big", []int64{14, 9}, []int64{2, 3}) // 7 x 3 = 21 chunks
	for i := range big.Len() {
		switch {
		case i%5 == 4:
			// missing
		case i%7 == 3:
			big.SetInline(i, []byte{byte(i), 0, 0xff})
		case i == 8:
			big.SetRange(i, "s3://bucket/whole.bin", 0, -1)
		default:
			big.SetRange(i, []string{"/data/a.nc", "s3://bucket/b.nc", "https://host/c.nc?x=1"}[i%3], int64(1000+i*37), int64(10+i))
		}
	}
	big.SetInline(20, []byte{})
	sc := addArray(t, s, "grp/sub/scalar", []int64{}, []int64{})
	sc.SetInline(0, []byte{1, 2})
	addArray(t, s, "empty", []int64{0, 5}, []int64{3, 5})
	addArray(t, s, "grp/none", []int64{5}, []int64{1})
	s.Extra["README"] = Ref{Data: []byte(`{"note": "kept"}`)}
	return s
}

// sameSet compares two sets chunk by chunk.
func sameSet(t *testing.T, want, got *Set) {
	t.Helper()
	wantDocs, err := want.Documents()
	if err != nil {
		t.Fatal(err)
	}
	gotDocs, err := got.Documents()
	if err != nil {
		t.Fatal(err)
	}
	if len(wantDocs) != len(gotDocs) {
		t.Errorf("%d metadata keys, want %d", len(gotDocs), len(wantDocs))
	}
	for k, v := range wantDocs {
		if !bytes.Equal(gotDocs[k], v) {
			t.Errorf("%s = %s, want %s", k, gotDocs[k], v)
		}
	}
	if len(want.Extra) != len(got.Extra) {
		t.Errorf("extra keys %v, want %v", got.Extra, want.Extra)
	}
	for k, v := range want.Extra {
		if g := got.Extra[k]; !bytes.Equal(g.Data, v.Data) || g.URL != v.URL {
			t.Errorf("extra %s = %+v, want %+v", k, g, v)
		}
	}
	if !slices.Equal(want.ArrayPaths(), got.ArrayPaths()) {
		t.Fatalf("arrays %v, want %v", got.ArrayPaths(), want.ArrayPaths())
	}
	for _, p := range want.ArrayPaths() {
		w, g := want.Arrays[p], got.Arrays[p]
		if !slices.Equal(w.Grid, g.Grid) || w.Len() != g.Len() {
			t.Errorf("%s: grid %v, want %v", p, g.Grid, w.Grid)
			continue
		}
		for i := range w.Len() {
			wr, wok := w.Chunk(i)
			gr, gok := g.Chunk(i)
			if wok != gok || wr.URL != gr.URL || wr.Offset != gr.Offset || wr.Length != gr.Length ||
				!bytes.Equal(wr.Data, gr.Data) {
				t.Errorf("%s chunk %d = %+v (%v), want %+v (%v)", p, i, gr, gok, wr, wok)
			}
		}
	}
}

func TestParquetRoundTrip(t *testing.T) {
	s := richSet(t)
	dir := filepath.Join(t.TempDir(), "refs.parq")
	if err := WriteParquet(dir, s, 4); err != nil {
		t.Fatal(err)
	}
	got, err := ReadParquet(dir)
	if err != nil {
		t.Fatal(err)
	}
	sameSet(t, s, got)
	if r, ok := got.Arrays["big"].Chunk(20); !ok || r.Data == nil || len(r.Data) != 0 {
		t.Errorf("empty inline chunk read back as %+v, %v", r, ok)
	}

	// One file per record_size chunks, none for an array without chunks.
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	})
	want := []string{".zmetadata",
		"big/refs.0.parq", "big/refs.1.parq", "big/refs.2.parq", "big/refs.3.parq", "big/refs.4.parq", "big/refs.5.parq",
		"grp/none/refs.0.parq", "grp/none/refs.1.parq", "grp/sub/scalar/refs.0.parq", "grp/t/refs.0.parq"}
	if !slices.Equal(files, want) {
		t.Errorf("files\n%v, want\n%v", files, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty")); !os.IsNotExist(err) {
		t.Errorf("an array without chunks got a directory: %v", err)
	}
	zmeta, _ := os.ReadFile(filepath.Join(dir, ".zmetadata"))
	for _, frag := range []string{`{"metadata": {".zattrs": {"n": [1, 2.5, NaN], "title": "caf\u00e9 \ud83c\udf0d"}, ".zgroup": {"zarr_format": 2}, "README": {"note": "kept"}, "big/.zarray": {`, `}, "record_size": 4}`} {
		if !bytes.Contains(zmeta, []byte(frag)) {
			t.Errorf(".zmetadata lacks %s:\n%s", frag, zmeta)
		}
	}
}

func TestParquetJSONRoundTrip(t *testing.T) {
	var first bytes.Buffer
	if err := WriteJSON(&first, richSet(t)); err != nil {
		t.Fatal(err)
	}
	s, err := ReadJSON(bytes.NewReader(first.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range []int{1, 3, 4, DefaultRecordSize} {
		dir := filepath.Join(t.TempDir(), "p")
		if err := WriteParquet(dir, s, rs); err != nil {
			t.Fatal(err)
		}
		back, err := ReadFile(dir)
		if err != nil {
			t.Fatal(err)
		}
		var second bytes.Buffer
		if err := WriteJSON(&second, back); err != nil {
			t.Fatal(err)
		}
		if first.String() != second.String() {
			t.Errorf("record size %d: JSON changed through Parquet:\n%s\n---\n%s", rs, first.String(), second.String())
		}
	}
}

func TestWriteParquetDeterministic(t *testing.T) {
	tmp := t.TempDir()
	read := func(dir string) map[string][]byte {
		out := map[string][]byte{}
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				out[rel], _ = os.ReadFile(p)
			}
			return err
		})
		return out
	}
	var outs []map[string][]byte
	for _, name := range []string{"a", "b"} {
		if err := WriteParquet(filepath.Join(tmp, name), richSet(t), 4); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, read(filepath.Join(tmp, name)))
	}
	if len(outs[0]) != len(outs[1]) || len(outs[0]) == 0 {
		t.Fatalf("%d and %d files", len(outs[0]), len(outs[1]))
	}
	for k, v := range outs[0] {
		if !bytes.Equal(v, outs[1][k]) {
			t.Errorf("%s differs between two writes of the same set", k)
		}
	}
}

func TestWriteParquetRefuses(t *testing.T) {
	cases := []struct {
		name string
		edit func(s *Set)
		want string
	}{
		{"metadata not an object", func(s *Set) { s.Extra["grp/u/.zattrs"] = Ref{Data: []byte(`[1]`)} }, `"grp/u/.zattrs"`},
		{"slash separator", func(s *Set) {
			z, _ := s.ZArray("grp/t")
			z.DimensionSeparator = "/"
		}, `dimension separator "/"`},
		{"root array", func(s *Set) { addArray(t, s, "", []int64{2}, []int64{1}) }, "root"},
		{"empty range at 0", func(s *Set) { s.Arrays["grp/t"].SetRange(0, "/x", 0, 0) }, "whole of /x"},
		{"extra chunk-like key", func(s *Set) { s.Extra["other/0"] = Ref{URL: "/x", Offset: 1, Length: 2} }, `"other/0"`},
		{"extra reference", func(s *Set) { s.Extra["other"] = Ref{URL: "/x", Offset: 1, Length: 2} }, `"other"`},
		{"extra not JSON", func(s *Set) { s.Extra["other"] = Ref{Data: []byte("text")} }, `"other"`},
		{"unsafe path", func(s *Set) { addArray(t, s, "../up", []int64{2}, []int64{1}) }, `"../up"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := sampleSet(t)
			c.edit(s)
			parent := t.TempDir()
			err := WriteParquet(filepath.Join(parent, "out"), s, 2)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %s", err, c.want)
			}
			if left, _ := os.ReadDir(parent); len(left) != 0 {
				t.Errorf("failed write left %v", left)
			}
		})
	}
	t.Run("existing directory", func(t *testing.T) {
		dir := t.TempDir()
		if err := WriteParquet(dir, sampleSet(t), 2); err == nil || !strings.Contains(err.Error(), "exists") {
			t.Fatalf("error %v", err)
		}
	})
}

// writeRefsDir writes s and returns the directory.
func writeRefsDir(t testing.TB, s *Set, recordSize int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "refs")
	if err := WriteParquet(dir, s, recordSize); err != nil {
		t.Fatal(err)
	}
	return dir
}

func editZMetadata(t *testing.T, dir, old, new string) {
	t.Helper()
	p := filepath.Join(dir, ".zmetadata")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf(".zmetadata lacks %s", old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadParquetForeignShapes covers what fsspec writes and WriteParquet
// does not: a shorter last file (fsspec 2023.5), a record never written.
func TestReadParquetForeignShapes(t *testing.T) {
	s := NewSet()
	m := addArray(t, s, "v", []int64{6}, []int64{1})
	for i := range 6 {
		m.SetRange(i, "/f", int64(10*i+1), 5)
	}
	t.Run("short file", func(t *testing.T) {
		dir := writeRefsDir(t, s, 6)
		editZMetadata(t, dir, `"record_size": 6`, `"record_size": 8`)
		got, err := ReadParquet(dir)
		if err != nil {
			t.Fatal(err)
		}
		sameSet(t, s, got)
	})
	t.Run("missing record", func(t *testing.T) {
		dir := writeRefsDir(t, s, 2)
		if err := os.Remove(filepath.Join(dir, "v", "refs.1.parq")); err != nil {
			t.Fatal(err)
		}
		got, err := ReadParquet(dir)
		if err != nil {
			t.Fatal(err)
		}
		v := s.Arrays["v"]
		want := *v.Manifest
		want.Target = slices.Clone(want.Target)
		want.Target[2], want.Target[3] = NoChunk, NoChunk
		sameSet(t, &Set{Groups: s.Groups, Extra: s.Extra, Arrays: map[string]*Array{"v": {ZArray: v.ZArray, Attrs: v.Attrs, Manifest: &want}}}, got)
	})
}

func TestReadParquetRefuses(t *testing.T) {
	s := NewSet()
	m := addArray(t, s, "v", []int64{4}, []int64{1})
	m.SetRange(3, "/f", 7, 5)
	cases := []struct {
		name     string
		old, new string
		want     string
	}{
		{"record size zero", `"record_size": 4`, `"record_size": 0`, "record_size 0"},
		{"record size huge", `"record_size": 4`, `"record_size": 1e12`, "record_size"},
		{"record size smaller than files", `"record_size": 4`, `"record_size": 2`, "rows, record_size is 2"},
		{"grid too large for files", `"shape": [4]`, `"shape": [9000000000000]`, "not covered"},
		{"reference beyond the grid", `"shape": [4]`, `"shape": [3]`, "beyond the grid"},
		{"unsafe path", `"v/.zarray"`, `"../v/.zarray"`, `"../v"`},
		{"no metadata", `"metadata"`, `"metadota"`, "no \"metadata\""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeRefsDir(t, s, 4)
			editZMetadata(t, dir, c.old, c.new)
			_, err := ReadParquet(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one with %q", err, c.want)
			}
		})
	}
	t.Run("record beyond the grid", func(t *testing.T) {
		dir := writeRefsDir(t, s, 4)
		if err := os.WriteFile(filepath.Join(dir, "v", "refs.1.parq"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadParquet(dir); err == nil || !strings.Contains(err.Error(), "refs.1.parq") {
			t.Fatalf("error %v", err)
		}
	})
}

// TestReadParquetCorrupt truncates and garbles every refs file of a written
// set: each read must fail with an error naming the file, or succeed, and
// never panic.
func TestReadParquetCorrupt(t *testing.T) {
	s := richSet(t)
	m := addArray(t, s, "many", []int64{3000}, []int64{1})
	for i := range m.Len() {
		if i%3 != 0 {
			m.SetRange(i, "/data/many-"+string(rune('a'+i%5))+".nc", int64(i*100), 100)
		} else if i%9 == 0 {
			m.SetInline(i, bytes.Repeat([]byte{byte(i)}, i%40))
		}
	}
	dir := writeRefsDir(t, s, 1000)
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".parq") {
			files = append(files, p)
		}
		return err
	})
	rng := rand.New(rand.NewPCG(1, 2))
	tries, failed := 0, 0
	for _, f := range files {
		orig, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var variants [][]byte
		for _, n := range []int{0, 3, 4, 11, 12, len(orig) / 3, len(orig) / 2, len(orig) - 9, len(orig) - 8, len(orig) - 1} {
			if n >= 0 && n < len(orig) {
				variants = append(variants, orig[:n])
			}
		}
		for range 60 {
			b := slices.Clone(orig)
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] ^= byte(1 + rng.IntN(255))
			}
			variants = append(variants, b)
		}
		// The footer length itself, and garbage after a valid start.
		huge := slices.Clone(orig)
		copy(huge[len(huge)-8:], []byte{0xff, 0xff, 0xff, 0x7f})
		junk := slices.Clone(orig)
		for i := len(junk) / 2; i < len(junk)-4; i++ {
			junk[i] = byte(rng.Uint32())
		}
		variants = append(variants, huge, junk)
		for _, v := range variants {
			if err := os.WriteFile(f, v, 0o644); err != nil {
				t.Fatal(err)
			}
			tries++
			if _, err := ReadParquet(dir); err != nil {
				failed++
				if !strings.Contains(err.Error(), filepath.Base(f)) {
					t.Errorf("error does not name the file %s: %v", f, err)
				}
			}
		}
		if err := os.WriteFile(f, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%d corrupt variants of %d files, %d refused", tries, len(files), failed)
	if failed == 0 {
		t.Error("no corrupt variant was refused")
	}
}

// FuzzReadParquetFile: any bytes as a refs file either fail to read with an
// error or read into a set; neither panics nor allocates without bound.
func FuzzReadParquetFile(f *testing.F) {
	s := NewSet()
	m := addArray(f, s, "v", []int64{6}, []int64{1})
	m.SetRange(0, "/a", 1, 2)
	m.SetRange(1, "/b", 3, 4)
	m.SetInline(2, []byte("xyz"))
	m.SetRange(4, "/a", 0, -1)
	dir := writeRefsDir(f, s, 8)
	seed, err := os.ReadFile(filepath.Join(dir, "v", "refs.0.parq"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "v", "refs.0.parq"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ReadParquet(dir)
	})
}
