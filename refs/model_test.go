package refs

import (
	"bytes"
	"strings"
	"testing"
)

func TestAttrsRoundTrip(t *testing.T) {
	for _, doc := range []string{
		`{}`,
		`{"_ARRAY_DIMENSIONS": ["time", "lat"], "scale_factor": 0.01, "valid_max": NaN}`,
		// Numbers keep their text: 1.50 is not rewritten as 1.5, 1e20 not as 100000000000000000000.
		`{"a": 1.50, "b": 1e20, "c": -Infinity, "d": [1, 2.0, Infinity], "e": {"x": null}}`,
		`{"caf\u00e9": "\ud83c\udf0d", "q\"uote": "a\\b"}`,
	} {
		a, err := ParseAttrs([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		if got := a.Marshal(); !bytes.Equal(got, []byte(doc)) {
			t.Errorf("round trip\n got %s\nwant %s", got, doc)
		}
	}
}

func TestPutDocuments(t *testing.T) {
	zarray := []byte(`{"chunks": [2], "compressor": null, "dtype": "<i2", "fill_value": 0, "filters": null, "order": "C", "shape": [4], "zarr_format": 2}`)
	cases := []struct {
		name    string
		docs    map[string][]byte
		wantErr string
		check   func(t *testing.T, s *Set)
	}{
		{name: "typed", docs: map[string][]byte{".zgroup": []byte(`{"zarr_format": 2}`), ".zattrs": []byte(`{"title": "t"}`),
			"g/.zgroup": []byte(`{"zarr_format":2}`), "g/v/.zarray": zarray, "g/v/.zattrs": []byte(`{"units": "K"}`)},
			check: func(t *testing.T, s *Set) {
				if v, _ := s.Attrs("").String("title"); v != "t" {
					t.Errorf("root title %q", v)
				}
				if s.Groups["g"] == nil || s.Groups["g"].Attrs != nil {
					t.Errorf("group g %+v, want one without attributes", s.Groups["g"])
				}
				if a := s.Arrays["g/v"]; a == nil || a.ZArray.Shape[0] != 4 || a.Manifest != nil {
					t.Errorf("array g/v %+v", a)
				}
				if u, _ := s.Attrs("g/v").String("units"); u != "K" {
					t.Errorf("g/v units %q", u)
				}
			}},
		{name: "kept as they are", docs: map[string][]byte{".zmetadata": []byte(`{"metadata": {}}`), "nowhere/.zattrs": []byte(`[1]`)},
			check: func(t *testing.T, s *Set) {
				if len(s.Extra) != 2 || string(s.Extra["nowhere/.zattrs"].Data) != `[1]` {
					t.Errorf("extra %v", s.Extra)
				}
			}},
		{name: "attributes not an object", docs: map[string][]byte{"v/.zarray": zarray, "v/.zattrs": []byte(`[1, 2]`)}, wantErr: "v/.zattrs"},
		{name: "attributes cut short", docs: map[string][]byte{".zgroup": []byte(`{"zarr_format": 2}`), ".zattrs": []byte(`{"units": `)}, wantErr: ".zattrs"},
		{name: "attribute not JSON", docs: map[string][]byte{".zgroup": []byte(`{"zarr_format": 2}`), ".zattrs": []byte(`{"units": nope}`)}, wantErr: `"units"`},
		{name: "zarr v3 group", docs: map[string][]byte{".zgroup": []byte(`{"zarr_format": 3}`)}, wantErr: "zarr_format 3"},
		{name: "bad zarray", docs: map[string][]byte{"v/.zarray": []byte(`{"zarr_format": 2, "shape": [1], "chunks": []}`)}, wantErr: "v/.zarray"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet()
			err := s.PutDocuments(tc.docs)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

// TestDocumentsInverse: canonical documents read into the model are
// written back byte for byte.
func TestDocumentsInverse(t *testing.T) {
	s := richSet(t)
	docs, err := s.Documents()
	if err != nil {
		t.Fatal(err)
	}
	back := NewSet()
	if err := back.PutDocuments(docs); err != nil {
		t.Fatal(err)
	}
	again, err := back.Documents()
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(docs) {
		t.Fatalf("%d documents, want %d", len(again), len(docs))
	}
	for k, d := range docs {
		if !bytes.Equal(again[k], d) {
			t.Errorf("%s:\n got %s\nwant %s", k, again[k], d)
		}
	}
}
