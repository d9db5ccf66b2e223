package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// treeFiles lists the files below dir by slash path, and the hidden
// directories (staging) with a trailing "/".
func treeFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if !d.IsDir() {
			out = append(out, filepath.ToSlash(rel))
		} else if strings.HasPrefix(d.Name(), ".") {
			out = append(out, filepath.ToSlash(rel)+"/")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func TestDirTree(t *testing.T) {
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "new", "root")
	out := NewDirTree(root)
	a, err := out.Create(ctx, "K=1/a.parquet")
	if err != nil {
		t.Fatal(err)
	}
	b, err := out.Create(ctx, "K=2/b.parquet")
	if err != nil {
		t.Fatal(err)
	}
	a.Write([]byte("hello"))
	b.Write([]byte("bye"))
	// Nothing is visible before Commit but the hidden staging directory.
	for _, f := range treeFiles(t, root) {
		if !strings.HasPrefix(f, ".gokerchunk-staging-") {
			t.Errorf("before commit: %s", f)
		}
	}
	if err := a.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := b.Abort(); err != nil {
		t.Errorf("a second Abort: %v", err)
	}
	if got := treeFiles(t, root); !slices.Equal(got, []string{"K=1/a.parquet"}) {
		t.Errorf("after commit and abort: %v", got)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "K=1", "a.parquet")); string(data) != "hello" {
		t.Errorf("content %q", data)
	}
	st, _ := os.Stat(filepath.Join(root, "K=1", "a.parquet"))
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", st.Mode())
	}
	if err := a.Commit(ctx); err == nil {
		t.Error("a second Commit succeeded")
	}

	// Commit replaces.
	c, _ := out.Create(ctx, "K=1/a.parquet")
	c.Write([]byte("again"))
	if err := c.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "K=1", "a.parquet")); string(data) != "again" {
		t.Errorf("content %q", data)
	}

	list, err := out.List(ctx, "")
	if err != nil || !slices.Equal(list, []string{"K=1/"}) {
		t.Errorf("List root: %v, %v", list, err)
	}
	list, err = out.List(ctx, "K=1")
	if err != nil || !slices.Equal(list, []string{"a.parquet"}) {
		t.Errorf("List K=1: %v, %v", list, err)
	}
	if list, err := out.List(ctx, "K=9/"); err != nil || len(list) != 0 {
		t.Errorf("List of a missing directory: %v, %v", list, err)
	}
	if err := out.Remove(ctx, "K=1/a.parquet"); err != nil {
		t.Fatal(err)
	}
	if err := out.Remove(ctx, "K=1/a.parquet"); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}

	for _, bad := range []string{"", "/abs", "../up", "a/../../b", "a//b", "./a", "a/."} {
		if _, err := out.Create(ctx, bad); err == nil {
			t.Errorf("Create(%q) accepted", bad)
		}
		if err := out.Remove(ctx, bad); err == nil {
			t.Errorf("Remove(%q) accepted", bad)
		}
	}
}
