package refs

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func sampleSet(t testing.TB) *Set {
	t.Helper()
	s := NewSet()
	putDoc(t, s, ".zgroup", []byte(`{"zarr_format": 2}`))
	z := &ZArray{ZarrFormat: 2, Shape: []int64{4, 5}, Chunks: []int64{2, 3}, DType: []byte(`"<f4"`), FillValue: FillFloat(0), Order: "C",
		Filters: []Codec{{"id": "zlib", "level": 4}}}
	doc, err := z.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	putDoc(t, s, "grp/t/.zarray", doc)
	putDoc(t, s, "grp/t/.zattrs", []byte(`{"_ARRAY_DIMENSIONS": ["y", "x"]}`))
	m := NewManifest(z.Grid())
	m.SetRange(0, "/data/a.nc", 100, 20)
	m.SetRange(3, "/data/a.nc", 200, 30)
	m.SetInline(1, []byte{0, 1, 2, 255})
	m.SetInline(2, []byte("plain text"))
	s.Arrays["grp/t"].Manifest = m
	return s
}

func TestWriteJSONRoundTrip(t *testing.T) {
	s := sampleSet(t)
	var a bytes.Buffer
	if err := WriteJSON(&a, s); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, a.String())
	}
	var b bytes.Buffer
	if err := WriteJSON(&b, got); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("round trip changed the document:\n%s\n---\n%s", a.String(), b.String())
	}
	m := got.Arrays["grp/t"]
	if m == nil || m.Stored() != 4 {
		t.Fatalf("manifest after read: %+v", m)
	}
	if r, ok := m.Chunk(3); !ok || r.URL != "/data/a.nc" || r.Offset != 200 || r.Length != 30 {
		t.Errorf("chunk 1.1 = %+v, %v", r, ok)
	}
	if r, _ := m.Chunk(1); !bytes.Equal(r.Data, []byte{0, 1, 2, 255}) {
		t.Errorf("inline chunk 0.1 = %v", r.Data)
	}
	for _, want := range []string{`"grp/t/0.1": "base64:AAEC/w=="`, `"grp/t/1.1": ["/data/a.nc", 200, 30]`, `"grp/t/1.0": "plain text"`} {
		if !strings.Contains(a.String(), want) {
			t.Errorf("output lacks %s:\n%s", want, a.String())
		}
	}
}

func TestWriteJSONKeyOrder(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleSet(t)); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, line := range strings.Split(b.String(), "\n")[1:] {
		if i := strings.Index(line, `": `); i > 0 {
			keys = append(keys, line[1:i])
		}
	}
	want := []string{".zgroup", "grp/t/.zarray", "grp/t/.zattrs", "grp/t/0.0", "grp/t/0.1", "grp/t/1.0", "grp/t/1.1"}
	if strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Fatalf("keys %v, want %v", keys, want)
	}

	// Chunks follow their grid's C order, so 10 comes after 9 (a sorted
	// writer would put "a/10" before "a/2").
	s := NewSet()
	putDoc(t, s, ".zgroup", []byte(`{"zarr_format": 2}`))
	putDoc(t, s, "a/.zarray", []byte(`{"zarr_format": 2, "shape": [12], "chunks": [1], "dtype": "<i1", "fill_value": null, "order": "C", "filters": null, "compressor": null}`))
	m := NewManifest([]int{12})
	for i := range 12 {
		m.SetRange(i, "f.nc", int64(i), 1)
	}
	s.Arrays["a"].Manifest = m
	b.Reset()
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	got := regexp.MustCompile(`"a/(\d+)"`).FindAllStringSubmatch(b.String(), -1)
	if len(got) != 12 {
		t.Fatalf("got %d chunk keys, want 12", len(got))
	}
	for i, g := range got {
		if g[1] != strconv.Itoa(i) {
			t.Fatalf("chunk key %d is a/%s", i, g[1])
		}
	}
}

func TestEncodeInline(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("abc"), "abc"},
		{[]byte("base64:abc"), "base64:YmFzZTY0OmFiYw=="},
		{[]byte("a\nb"), "base64:YQpi"},
		{[]byte{0x7f}, "base64:fw=="},
		{[]byte{}, ""},
	} {
		if got := EncodeInline(tc.in); got != tc.want {
			t.Errorf("EncodeInline(%q) = %q, want %q", tc.in, got, tc.want)
		}
		back, err := DecodeInline(tc.want)
		if err != nil || !bytes.Equal(back, tc.in) {
			t.Errorf("DecodeInline(%q) = %q, %v", tc.want, back, err)
		}
	}
}

func TestReadJSONVersions(t *testing.T) {
	zarray := `{\"zarr_format\": 2, \"shape\": [4], \"chunks\": [2], \"dtype\": \"<i2\", \"fill_value\": null, \"order\": \"C\", \"filters\": null, \"compressor\": null}`
	v0 := `{".zgroup": "{\"zarr_format\": 2}", "v/.zarray": "` + zarray + `", "v/0": ["s3://b/k.nc", 10, 4], "v/1": ["s3://b/k.nc"], "other": "x"}`
	v1 := `{"version": 1, "templates": {"u": "s3://b/k.nc"}, "refs": {".zgroup": "{\"zarr_format\": 2}", "v/.zarray": "` + zarray + `", "v/0": ["{{u}}", 10, 4], "v/1": ["{{u}}"], "other": "x"}}`
	for name, doc := range map[string]string{"v0": v0, "v1": v1} {
		s, err := ReadJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m := s.Arrays["v"]
		if r, ok := m.Chunk(0); !ok || r.URL != "s3://b/k.nc" || r.Offset != 10 || r.Length != 4 {
			t.Errorf("%s: chunk 0 = %+v", name, r)
		}
		if r, ok := m.Chunk(1); !ok || r.Length != -1 {
			t.Errorf("%s: whole-file chunk 1 = %+v", name, r)
		}
		if string(s.Extra["other"].Data) != "x" {
			t.Errorf("%s: extra key lost: %+v", name, s.Extra)
		}
	}
}

func TestReadJSONErrors(t *testing.T) {
	zarray := `{\"zarr_format\": 2, \"shape\": [4], \"chunks\": [2], \"dtype\": \"<i2\", \"fill_value\": null, \"order\": \"C\", \"filters\": null, \"compressor\": null}`
	for name, doc := range map[string]string{
		"not json":      `{"version": 1,`,
		"version 2":     `{"version": 2, "refs": {}}`,
		"gen":           `{"version": 1, "gen": [], "refs": {}}`,
		"bad list":      `{"a": [1, 2]}`,
		"outside grid":  `{"v/.zarray": "` + zarray + `", "v/2": ["f", 0, 1]}`,
		"negative":      `{"a": ["f", -1, 2]}`,
		"bad zarray":    `{"v/.zarray": "{\"zarr_format\": 3}"}`,
		"meta as range": `{".zgroup": ["f", 0, 10]}`,
		// fsspec fails on these; reading them as no references would
		// hide that the document is broken.
		"refs a list":          `{"version": 1, "refs": [["f", 0, 1]]}`,
		"refs a reference":     `{"version": 1, "refs": ["f", 0, 1]}`,
		"refs null":            `{"version": 1, "refs": null}`,
		"templates a string":   `{"version": 1, "templates": "u", "refs": {"a": ["{{u}}"]}}`,
		"refs without version": `{"refs": {"a": ["f", 0, 1]}}`,
	} {
		if _, err := ReadJSON(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestMarshalCanonical(t *testing.T) {
	nan := float32(0)
	nan = nan / nan
	got, err := MarshalCanonical(map[string]any{
		"b": []any{int64(1), float32(0.1), "é\"\n"},
		"a": map[string]any{"z": nil, "y": true},
		"c": nan,
		"d": float64(3),
		"e": "😀",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a": {"y": true, "z": null}, "b": [1, 0.1, "\u00e9\"\n"], "c": NaN, "d": 3.0, "e": "\ud83d\ude00"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestChunkKeys(t *testing.T) {
	m := NewManifest([]int{2, 3, 4})
	for i := 0; i < m.Len(); i++ {
		key := m.ChunkKey("a/b", i, ".")
		idx, err := ParseChunkKey(strings.TrimPrefix(key, "a/b/"), m.Grid, ".")
		if err != nil || m.Linear(idx) != i {
			t.Fatalf("key %s: %v %v", key, idx, err)
		}
	}
	if got := NewManifest(nil).ChunkKey("s", 0, "."); got != "s/0" {
		t.Errorf("scalar key %q", got)
	}
	for _, bad := range []string{"1.0", "0.3.0", "a.0.0", "01.0.0", "-1.0.0"} {
		if _, err := ParseChunkKey(bad, m.Grid, "."); err == nil {
			t.Errorf("ParseChunkKey(%q) accepted", bad)
		}
	}
}

// A version 1 document may carry top-level keys readers do not know (not
// references, whatever their shape): they are skipped, as fsspec skips
// them, and the references read the same as without them.
func TestReadJSONUnknownTopLevelKeys(t *testing.T) {
	refsKey := `"refs": {"a": ["u", 1, 2]}`
	for _, v := range []string{`[1, 2]`, `["x", "y"]`, `["x", 1, "y"]`, `["x", 1, 2, 3]`, `["x", 1]`,
		`{"k": [1, {"l": 2}]}`, `"s"`, `3`, `null`, `true`, `[]`} {
		for _, doc := range []string{
			`{"version": 1, "meta": ` + v + `, ` + refsKey + `}`,
			`{"version": 1, ` + refsKey + `, "meta": ` + v + `}`,
		} {
			if !json.Valid([]byte(doc)) {
				t.Fatalf("test document %s is not JSON", doc)
			}
			s, err := ReadJSON(strings.NewReader(doc))
			if err != nil {
				t.Errorf("%s: %v", doc, err)
				continue
			}
			if r := s.Extra["a"]; r.URL != "u" || r.Offset != 1 || r.Length != 2 || len(s.Extra) != 1 {
				t.Errorf("%s: read %+v, want only a = [u, 1, 2]", doc, s.Extra)
			}
		}
	}
}

// A .zarray is a few bytes; the dense manifest of its chunk grid is 20
// bytes a position. Grids the document's keys cannot justify are read
// sparse (what is allocated follows the keys), and grids past
// MaxSparseGrid are refused, not left to crash the process.
func TestReadJSONGridBound(t *testing.T) {
	zarray := func(path, shape, chunks string) string {
		return `"` + path + `/.zarray": "{\"zarr_format\": 2, \"shape\": ` + shape + `, \"chunks\": ` + chunks +
			`, \"dtype\": \"<f4\", \"fill_value\": null, \"order\": \"C\", \"filters\": null, \"compressor\": null}"`
	}
	for name, doc := range map[string]string{
		"1e15 chunks":           `{` + zarray("a", "[1000000000000000]", "[1]") + `}`,
		"product overflows":     `{` + zarray("a", "[4000000000, 4000000000, 4000000000]", "[1, 1, 1]") + `}`,
		"grid overflows":        `{` + zarray("a", "[9223372036854775807]", "[2]") + `}`,
		"past the sparse bound": `{` + zarray("a", "[8589934594]", "[2]") + `}`,
	} {
		if _, err := ReadJSON(strings.NewReader(doc)); err == nil || !strings.Contains(err.Error(), "chunk grid") {
			t.Errorf("%s: %v, want an error about the chunk grid", name, err)
		}
	}
	// A sparse grid the scanner writes (a million positions, one chunk)
	// still reads.
	doc := `{` + zarray("a", "[1000000]", "[1]") + `, "a/999999": ["f", 0, 4]}`
	s, err := ReadJSON(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := s.Arrays["a"].Chunk(999999); !ok || r.URL != "f" {
		t.Errorf("chunk 999999 = %+v, %v", r, ok)
	}
	// Dense manifests for the first arrays while the budget lasts, then
	// sparse ones: c's grid would take it past the keys' bound.
	doc = `{` + zarray("a", "[6000000]", "[1]") + `, ` + zarray("b", "[6000000]", "[1]") + `, ` +
		zarray("c", "[6000000]", "[1]") + `, "c/5999999": ["f", 8, 4], "c/0": "base64:AAECAw==", "c/7": ["f", 0, 4], "c/7": ["g", 4, 4]}`
	if s, err = ReadJSON(strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	c, ok := s.Arrays["c"].Source.(*SparseChunks)
	if !ok || s.Arrays["a"].Manifest == nil || s.Arrays["b"].Manifest == nil {
		t.Fatalf("a %+v, b %+v, c %+v", s.Arrays["a"], s.Arrays["b"], s.Arrays["c"])
	}
	if c.Len() != 6000000 || c.Stored() != 3 {
		t.Errorf("c: %d positions, %d stored", c.Len(), c.Stored())
	}
	for i, want := range map[int]Ref{0: {Data: []byte{0, 1, 2, 3}}, 7: {URL: "g", Offset: 4, Length: 4}, 5999999: {URL: "f", Offset: 8, Length: 4}} {
		if r, ok := c.Chunk(i); !ok || r.URL != want.URL || r.Offset != want.Offset || r.Length != want.Length || string(r.Data) != string(want.Data) {
			t.Errorf("c chunk %d = %+v, %v; want %+v", i, r, ok, want)
		}
	}
	if _, ok := c.Chunk(1); ok {
		t.Error("c chunk 1 exists")
	}
}

// putDoc adds one metadata document to s.
func putDoc(t testing.TB, s *Set, key string, doc []byte) {
	t.Helper()
	if err := s.PutDocuments(map[string][]byte{key: doc}); err != nil {
		t.Fatal(err)
	}
}
