package blob

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestExpandPatternRoot: each kind of local pattern gives its targets,
// the root they are named below and whether it is a collection.
func TestExpandPatternRoot(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"2020/01/data.nc", "2020/02/data.nc", "top.nc"} {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		pattern    string
		root       string
		rels       []string
		collection bool
	}{
		{dir, dir, []string{"2020/01/data.nc", "2020/02/data.nc", "top.nc"}, true},
		{filepath.Join(dir, "2020"), filepath.Join(dir, "2020"), []string{"01/data.nc", "02/data.nc"}, true},
		{filepath.Join(dir, "*", "*", "*.nc"), dir, []string{"2020/01/data.nc", "2020/02/data.nc"}, true},
		{filepath.Join(dir, "2020", "0[12]", "data.nc"), filepath.Join(dir, "2020"), []string{"01/data.nc", "02/data.nc"}, true},
		{filepath.Join(dir, "top.nc"), dir, []string{"top.nc"}, false},
	} {
		e, err := ExpandPattern(context.Background(), tt.pattern, []string{".nc"})
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		var rels []string
		for _, target := range e.Targets {
			rel, ok := Rel(e.Root, target)
			if !ok {
				t.Errorf("%s: %s is not below %s", tt.pattern, target, e.Root)
			}
			rels = append(rels, rel)
		}
		slices.Sort(rels)
		if e.Root != tt.root || !slices.Equal(rels, tt.rels) || e.Collection != tt.collection {
			t.Errorf("%s: root %s, %v, collection %v; want %s, %v, %v", tt.pattern, e.Root, rels, e.Collection, tt.root, tt.rels, tt.collection)
		}
	}
}

func TestRel(t *testing.T) {
	for _, tt := range []struct {
		root, target, rel string
		ok                bool
	}{
		{"/data", "/data/2020/x.nc", "2020/x.nc", true},
		{"/data", "/other/x.nc", "", false},
		{"/data", "/data", "", false},
		{"s3://b/dir/", "s3://b/dir/2020/x.nc", "2020/x.nc", true},
		{"s3://b/dir/", "s3://b/dir/a/../x.nc", "", false},
		{"s3://b/dir/", "s3://b/dir//x.nc", "", false},
		{"s3://b/dir/", "s3://b/other/x.nc", "", false},
		{"https://h/p/", "https://h/p/x.nc", "x.nc", true},
	} {
		if rel, ok := Rel(tt.root, tt.target); rel != tt.rel || ok != tt.ok {
			t.Errorf("Rel(%s, %s) = %q, %v; want %q, %v", tt.root, tt.target, rel, ok, tt.rel, tt.ok)
		}
	}
}
