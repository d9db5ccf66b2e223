package hdf5scan

import (
	"bytes"
	"context"
	"os"
	"testing"

	"gokerchunk/refs"
)

// hintReader is a byte slice that takes prefetch hints and records which
// v1 B-tree chunk index nodes were read after being hinted and which not.
type hintReader struct {
	data    []byte
	hinted  [][2]int64
	nodes   map[int64]bool // node offset → hinted before its first read
	prefers int            // Prefetch calls
}

func (h *hintReader) ReadAt(p []byte, off int64) (int, error) {
	n := copy(p, h.data[off:])
	// Chunk B-tree nodes (type 1); group B-trees are metadata of their own.
	if n > 4 && bytes.HasPrefix(p[:n], []byte("TREE")) && p[4] == 1 {
		if _, seen := h.nodes[off]; !seen {
			covered := false
			for _, r := range h.hinted {
				covered = covered || off >= r[0] && off+int64(n) <= r[0]+r[1]
			}
			h.nodes[off] = covered
		}
	}
	return n, nil
}

func (h *hintReader) Prefetch(ranges [][2]int64) {
	h.prefers++
	h.hinted = append(h.hinted, ranges...)
}

// TestPrefetchHints scans files with chunk B-trees (multi-level in
// nc4_many_chunks.nc) through a reader that takes hints: every node the
// scan reads was hinted before (so a remote reader has fetched them, a
// level of all trees at a time), and the result is the same as without
// hints.
func TestPrefetchHints(t *testing.T) {
	for _, name := range []string{"nc4_many_chunks.nc", "nc4_dense150.nc", "h5_earliest.h5"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(fixtureDir + name)
			if err != nil {
				t.Fatal(err)
			}
			h := &hintReader{data: data, nodes: map[int64]bool{}}
			opts := Options{InlineThreshold: 100}
			hinted, err := Scan(context.Background(), h, int64(len(data)), name, opts)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := Scan(context.Background(), bytes.NewReader(data), int64(len(data)), name, opts)
			if err != nil {
				t.Fatal(err)
			}
			var a, b bytes.Buffer
			refs.WriteJSON(&a, hinted.Set)
			refs.WriteJSON(&b, plain.Set)
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Error("the scan with hints differs from the one without")
			}
			if len(h.nodes) == 0 {
				t.Fatal("no v1 B-tree node read: the fixture does not test this")
			}
			for off, ok := range h.nodes {
				if !ok {
					t.Errorf("B-tree node at %d read without a hint", off)
				}
			}
			t.Logf("%d B-tree nodes, %d hints", len(h.nodes), h.prefers)
		})
	}
}
