package hdf5scan

import (
	"bytes"
	"context"
	"os"
	"testing"
)

const fixtureDir = "../testdata/fixtures/"

// walkFixture opens a fixture and walks its groups, for tests that look at
// object headers.
func walkFixture(t testing.TB, path string) (*scanner, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, sb, err := open(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	s := &scanner{f: f, ctx: context.Background(), gh: &globalHeap{}, byAddr: map[uint64]*object{},
		phony: map[string][]phonyDim{}, res: &Result{}}
	if err := s.walk(sb.rootHeader); err != nil {
		t.Fatal(err)
	}
	return s, data
}
