package refs

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestParsePrefixRule(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		old, new string
		err      string
	}{
		{spec: "/data/archive/=s3://bucket/archive/", old: "/data/archive/", new: "s3://bucket/archive/"},
		{spec: "/data/archive=s3://bucket/archive", old: "/data/archive", new: "s3://bucket/archive"},
		{spec: "/data/a.nc=https://host/x/a.nc", old: "/data/a.nc", new: "https://host/x/a.nc"},
		{spec: "s3://old/=s3://new/", old: "s3://old/", new: "s3://new/"},
		// "=" inside OLD and NEW (Hive partitions): OLD ends at the "="
		// that makes a valid rule.
		{spec: "/d/year=2020/=s3://b/year=2020/", old: "/d/year=2020/", new: "s3://b/year=2020/"},
		{spec: "/d/x=/y/=s3://b/", old: "/d/x=/y/", new: "s3://b/"},
		{spec: "/data/archive/", err: "want OLD=NEW"},
		{spec: "=s3://b/", err: "must not be empty"},
		{spec: "/data/=", err: "want OLD=NEW"},
		{spec: "/data/=relative/", err: "want OLD=NEW"},
		{spec: "data/=s3://b/", err: "neither an absolute path nor a URL"},
		{spec: "/data/archive=s3://bucket/archive/", err: "both end in"},
		{spec: "/data/archive/=s3://bucket/archive", err: "both end in"},
		{spec: "/data/=1s3://b/", err: "want OLD=NEW"},
	} {
		r, err := ParsePrefixRule(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want one saying %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || r.Old != tc.old || r.New != tc.new {
			t.Errorf("%q: %+v, %v; want %q → %q", tc.spec, r, err, tc.old, tc.new)
		}
	}
}

func TestRetargetURL(t *testing.T) {
	rt, err := NewRetarget([]PrefixRule{
		{Old: "/data/", New: "s3://b/data/"},
		{Old: "/data/archive", New: "s3://archive"},
		{Old: "/data/archive/special.nc", New: "https://host/special.nc"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"/data/x.nc", "s3://b/data/x.nc", true},
		{"/data/archive/y.nc", "s3://archive/y.nc", true},          // the longest OLD wins
		{"/data/archive", "s3://archive", true},                    // OLD itself
		{"/data/archive2/y.nc", "s3://b/data/archive2/y.nc", true}, // not a segment of /data/archive
		{"/data/archive/special.nc", "https://host/special.nc", true},
		{"/data/archive/special.nc.bak", "s3://archive/special.nc.bak", true},
		{"/other/x.nc", "/other/x.nc", false},
		{"/data", "/data", false},
	} {
		got, ok := rt.URL(tc.in)
		if got != tc.out || ok != tc.ok {
			t.Errorf("%s → %s, %v; want %s, %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
	if _, err := NewRetarget([]PrefixRule{{Old: "/a/", New: "/b/"}, {Old: "/a/", New: "/c/"}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("OLD given twice: %v", err)
	}
	if rt, err := NewRetarget(nil); rt != nil || err != nil {
		t.Errorf("no rules: %v, %v", rt, err)
	}
}

func TestRetargetApply(t *testing.T) {
	s := sampleSet(t)
	m := s.Arrays["grp/t"].Manifest
	m.SetRange(2, "/data/b.nc", 300, 40)
	s.Extra["other"] = Ref{URL: "/data/a.nc", Offset: 1, Length: 2}
	s.Extra["far"] = Ref{URL: "/elsewhere/c.nc", Offset: 400, Length: 50}
	rt, err := NewRetarget([]PrefixRule{{Old: "/data/a.nc", New: "s3://b/ab.nc"}, {Old: "/data/b.nc", New: "s3://b/ab.nc"}})
	if err != nil {
		t.Fatal(err)
	}
	rep := rt.Apply(s)
	if rep.References != 5 || rep.Changed != 4 || rep.Targets != 3 || !slices.Equal(rep.Unmatched, []string{"/elsewhere/c.nc"}) {
		t.Errorf("report %+v", rep)
	}
	// /data/a.nc and /data/b.nc became one target: one entry of the table.
	if !slices.Equal(m.URLs, []string{"s3://b/ab.nc"}) {
		t.Errorf("URL table %q", m.URLs)
	}
	for i, want := range map[int]Ref{0: {URL: "s3://b/ab.nc", Offset: 100, Length: 20}, 2: {URL: "s3://b/ab.nc", Offset: 300, Length: 40}, 3: {URL: "s3://b/ab.nc", Offset: 200, Length: 30}} {
		if got, _ := m.Chunk(i); got.URL != want.URL || got.Offset != want.Offset || got.Length != want.Length {
			t.Errorf("chunk %d = %+v, want %+v", i, got, want)
		}
	}
	if r, _ := m.Chunk(1); !bytes.Equal(r.Data, []byte{0, 1, 2, 255}) {
		t.Errorf("inline chunk changed: %+v", r)
	}
	if s.Extra["other"].URL != "s3://b/ab.nc" || s.Extra["far"].URL != "/elsewhere/c.nc" {
		t.Errorf("extra keys: %+v", s.Extra)
	}
}

// TestRetargetThereAndBack: a rewrite and its inverse give the document
// back byte for byte.
func TestRetargetThereAndBack(t *testing.T) {
	var orig bytes.Buffer
	if err := WriteJSON(&orig, sampleSet(t)); err != nil {
		t.Fatal(err)
	}
	s, err := ReadJSON(bytes.NewReader(orig.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	there, _ := NewRetarget([]PrefixRule{{Old: "/data/", New: "s3://bucket/archive/"}})
	back, _ := NewRetarget([]PrefixRule{{Old: "s3://bucket/archive/", New: "/data/"}})
	there.Apply(s)
	var moved bytes.Buffer
	if err := WriteJSON(&moved, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(moved.String(), `["s3://bucket/archive/a.nc", 200, 30]`) {
		t.Errorf("not moved:\n%s", moved.String())
	}
	back.Apply(s)
	var b bytes.Buffer
	if err := WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	if b.String() != orig.String() {
		t.Errorf("there and back:\n%s\n---\n%s", b.String(), orig.String())
	}
}

// TestWriteJSONTemplates: shared targets are named in "templates", the
// document reads back to the same set, and a set with one shared target
// names it u.
func TestWriteJSONTemplates(t *testing.T) {
	s := sampleSet(t)
	var plain, templated bytes.Buffer
	if err := WriteJSON(&plain, s); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSONOptions(&templated, s, JSONOptions{Templates: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"{\"version\": 1, \"templates\": {\n\"u\": \"/data/a.nc\"\n}, \"refs\": {", `"grp/t/1.1": ["{{u}}", 200, 30]`} {
		if !strings.Contains(templated.String(), want) {
			t.Errorf("templated output lacks %q:\n%s", want, templated.String())
		}
	}
	got, err := ReadJSON(bytes.NewReader(templated.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteJSON(&again, got); err != nil {
		t.Fatal(err)
	}
	if again.String() != plain.String() {
		t.Errorf("templated JSON reads back to another set:\n%s\n---\n%s", again.String(), plain.String())
	}

	// Several shared targets: u0, u1 in the order of their first
	// reference; a target referenced once is written as it is.
	m := s.Arrays["grp/t"].Manifest
	m.SetRange(1, "/data/b.nc", 1, 2)
	m.SetRange(2, "/data/b.nc", 3, 4)
	s.Extra["lonely"] = Ref{URL: "/data/c.nc", Length: -1}
	templated.Reset()
	if err := WriteJSONOptions(&templated, s, JSONOptions{Templates: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"\"templates\": {\n\"u0\": \"/data/a.nc\",\n\"u1\": \"/data/b.nc\"\n}", `"grp/t/1.0": ["{{u1}}", 3, 4]`, `"lonely": ["/data/c.nc"]`} {
		if !strings.Contains(templated.String(), want) {
			t.Errorf("templated output lacks %q:\n%s", want, templated.String())
		}
	}
	got, err = ReadJSON(bytes.NewReader(templated.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	plain.Reset()
	again.Reset()
	WriteJSON(&plain, s)
	WriteJSON(&again, got)
	if again.String() != plain.String() {
		t.Errorf("templated JSON reads back to another set:\n%s\n---\n%s", again.String(), plain.String())
	}

	// A target that looks like a template cannot be templated.
	m.SetRange(2, "/data/{{x}}.nc", 3, 4)
	if err := WriteJSONOptions(&bytes.Buffer{}, s, JSONOptions{Templates: true}); err == nil || !strings.Contains(err.Error(), "{{x}}") {
		t.Errorf("target with {{: %v", err)
	}
}

func TestExpandTemplates(t *testing.T) {
	tm := map[string]string{"u": "s3://b/x.nc", "d": "s3://b/"}
	for in, want := range map[string]string{
		"{{u}}":          "s3://b/x.nc",
		"{{ u }}":        "s3://b/x.nc",
		"{{d}}y.nc":      "s3://b/y.nc",
		"{{nope}}/{{d}}": "{{nope}}/s3://b/",
		"/plain":         "/plain",
		"{{u":            "{{u",
	} {
		if got := expandTemplates(in, tm); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
}
