package blob

import (
	"context"
	"testing"
)

func TestPrefixTreeNames(t *testing.T) {
	out := NewPrefixTree("s3://b/p", "")
	if out.Root() != "s3://b/p/" {
		t.Errorf("root %q", out.Root())
	}
	ctx := context.Background()
	for _, bad := range []string{"", "/abs", "../up", "a/../../b", "a//b", "./a", "a/."} {
		if _, err := out.Create(ctx, bad); err == nil {
			t.Errorf("Create(%q) accepted", bad)
		}
		if err := out.Remove(ctx, bad); err == nil {
			t.Errorf("Remove(%q) accepted", bad)
		}
	}
	if _, ok := NewTree("/tmp/x", "").(*DirTree); !ok {
		t.Error("a local prefix is not a DirTree")
	}
}
