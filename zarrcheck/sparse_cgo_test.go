//go:build cgo

package zarrcheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/hdf5scan"
	"gokerchunk/refs"
)

// TestCheckSparseGrid: arrays scanned into sparse manifests (a dense
// bound lower than their grids) check equal to libhdf5's values, their
// never-written chunks reading as the fill value; the one the scanner
// reported is unchecked with its reason. (refs' and hdf5scan's tests show
// the JSON written and read back.)
func TestCheckSparseGrid(t *testing.T) {
	path := filepath.Join("..", "testdata", "fixtures", "features", "h5_sparse_grid.h5")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := hdf5scan.Scan(context.Background(), bytes.NewReader(data), int64(len(data)), path,
		hdf5scan.Options{URL: path, SkipUnsupported: true, MaxDenseGrid: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sparse", "sparse2d"} {
		if _, ok := res.Set.Arrays[p].Source.(*refs.SparseChunks); !ok {
			t.Fatalf("%s: not sparse", p)
		}
	}
	unref := map[string]string{}
	for _, ue := range res.Skipped {
		unref[strings.TrimPrefix(ue.Path, "/")] = ue.Feature
	}
	r, err := Check(context.Background(), res.Set, newOpener(t), openSource(t, path), Options{Unreferenced: unref})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Status{"sparse": StatusOK, "sparse2d": StatusOK, "nofill": StatusUnchecked}
	for _, e := range r.Entries {
		if e.Status != want[e.Path] {
			t.Errorf("%s: %s %q, want %s", e.Path, e.Status, e.Detail, want[e.Path])
		}
		if e.Path == "sparse" && (e.Chunks != 3 || e.Elements != 4096) {
			t.Errorf("sparse: %d chunks, %d elements checked", e.Chunks, e.Elements)
		}
	}
	if len(r.Entries) != len(want) {
		t.Errorf("%d entries: %+v", len(r.Entries), r.Entries)
	}
}
