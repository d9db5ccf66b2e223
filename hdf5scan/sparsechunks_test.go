package hdf5scan

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// jsonKeys is a set written as JSON (no templates), its "refs" by key.
func jsonKeys(t *testing.T, set *refs.Set) map[string]json.RawMessage {
	t.Helper()
	var buf bytes.Buffer
	if err := refs.WriteJSON(&buf, set); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Refs map[string]json.RawMessage `json:"refs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Refs
}

// TestSparseGridMatchesDense scans every fixture twice: as it is, and
// with a dense bound of one position, so that every chunked dataset of
// more than one chunk takes the sparse path. Each array the sparse scan
// keeps has exactly the dense scan's keys; one it reports is one whose
// never-written chunks the dense scan stored explicitly.
func TestSparseGridMatchesDense(t *testing.T) {
	var paths []string
	for _, dir := range []string{"fixtures", "fixtures/features"} {
		paths = append(paths, fixtures(t, dir)...)
	}
	sparseArrays := 0
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{URL: path, InlineThreshold: 100, SkipUnsupported: true}
			dense, err := scanBytes(data, path, opts)
			if err != nil {
				t.Skipf("not scanned: %v", err)
			}
			opts.MaxDenseGrid = 1
			sparse, err := scanBytes(data, path, opts)
			if err != nil {
				t.Fatalf("sparse scan: %v", err)
			}
			want, got := jsonKeys(t, dense.Set), jsonKeys(t, sparse.Set)
			reported := map[string]string{}
			for _, ue := range sparse.Skipped {
				reported[strings.TrimPrefix(ue.Path, "/")] = ue.Feature
			}
			for _, p := range dense.Set.ArrayPaths() {
				a := sparse.Set.Arrays[p]
				if a == nil {
					why := reported[p]
					switch {
					case strings.Contains(why, "would each need an explicit fill chunk"):
						// The dense scan stored them, inline.
						if d := dense.Set.Arrays[p]; d.Manifest == nil || len(d.Inline) == 0 {
							t.Errorf("%s: reported for never-written chunks, but the dense scan stored no chunk inline", p)
						}
					case strings.Contains(path, "storage_external") && strings.Contains(why, "larger than a dense manifest may be"):
						// Contiguous data in external files, a chunk a
						// slice of the file list: only chunked datasets
						// go sparse.
					default:
						t.Errorf("%s: dropped by the sparse scan (%q)", p, why)
					}
					continue
				}
				if _, ok := a.Source.(*refs.SparseChunks); ok {
					sparseArrays++
				}
				for k, v := range want {
					if (k == p || strings.HasPrefix(k, p+"/")) && !bytes.Equal(got[k], v) {
						t.Errorf("%s: %s differs: sparse %s, dense %s", p, k, got[k], v)
					}
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					t.Errorf("key %s only in the sparse scan", k)
				}
			}
		})
	}
	t.Logf("%d arrays took the sparse path", sparseArrays)
	if sparseArrays < 50 {
		t.Errorf("only %d arrays took the sparse path", sparseArrays)
	}
}

// TestSparse4GiB: a 4 GiB dataset with 2^26 chunk positions, two written,
// is held sparse (not refused), written as its two chunk keys, and read
// back from the JSON as the same sparse chunks.
func TestSparse4GiB(t *testing.T) {
	path := filepath.Join("..", "testdata", "fixtures", "sparse", "h5_sparse_4gib.h5")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanBytes(data, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	sp, ok := res.Set.Arrays["huge"].Source.(*refs.SparseChunks)
	if !ok {
		t.Fatalf("huge: not sparse: %+v", res.Set.Arrays["huge"])
	}
	last := 1<<26 - 1
	if sp.Len() != 1<<26 || sp.Stored() != 2 || res.Chunks != 2 {
		t.Fatalf("huge: %d positions, %d stored (result: %d chunks)", sp.Len(), sp.Stored(), res.Chunks)
	}
	for _, i := range []int{0, last} {
		ref, ok := sp.Chunk(i)
		if !ok || ref.URL != path || ref.Length != 64 || ref.Offset <= 0 || ref.Offset+64 > int64(len(data)) {
			t.Fatalf("chunk %d: %+v, %v", i, ref, ok)
		}
		want := byte(0)
		if i == last {
			want = 64
		}
		if b := data[ref.Offset : ref.Offset+64]; b[0] != want || b[63] != want+63 {
			t.Errorf("chunk %d holds %v..%v, want %d..%d", i, b[0], b[63], want, want+63)
		}
	}
	if _, ok := sp.Chunk(1); ok {
		t.Error("chunk 1 exists")
	}
	keys := slices.Sorted(maps.Keys(jsonKeys(t, res.Set)))
	wantKeys := []string{".zattrs", ".zgroup", "huge/.zarray", "huge/.zattrs", "huge/0", "huge/67108863"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys %v, want %v", keys, wantKeys)
	}
	var buf bytes.Buffer
	if err := refs.WriteJSON(&buf, res.Set); err != nil {
		t.Fatal(err)
	}
	back, err := refs.ReadJSON(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	bsp, ok := back.Arrays["huge"].Source.(*refs.SparseChunks)
	if !ok || back.Arrays["huge"].Manifest != nil {
		t.Fatalf("read back: not sparse: %+v", back.Arrays["huge"])
	}
	for _, i := range []int{0, 1, last - 1, last} {
		r1, ok1 := sp.Chunk(i)
		r2, ok2 := bsp.Chunk(i)
		if ok1 != ok2 || r1.URL != r2.URL || r1.Offset != r2.Offset || r1.Length != r2.Length {
			t.Errorf("chunk %d read back as %+v %v, want %+v %v", i, r2, ok2, r1, ok1)
		}
	}
	var again bytes.Buffer
	if err := refs.WriteJSON(&again, back); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), buf.Bytes()) {
		t.Error("the JSON read back writes other bytes")
	}
}
