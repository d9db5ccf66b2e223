package combine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// randomManifest fills a grid with references to a few targets, inline
// chunks and missing ones.
func randomManifest(rng *rand.Rand, grid []int, name string) *refs.Manifest {
	m := refs.NewManifest(grid)
	for i := range m.Target {
		switch rng.IntN(4) {
		case 0: // missing
		case 1:
			m.SetInline(i, []byte(fmt.Sprintf("%s-%d", name, i)))
		default:
			m.SetRange(i, fmt.Sprintf("s3://b/%s-%d.nc", name, rng.IntN(3)), rng.Int64N(1<<40), rng.Int64N(1<<20))
		}
	}
	return m
}

// TestConcatSource joins manifests along each axis of a 3-D grid and reads
// the result in windows of every size, against the chunks copied one by
// one; the parts are read from a spill, as combine reads them, or from a
// manifest in place, in turn, and a manifest read in place is left as it
// was (a reader that fills a window must not write into the last one,
// which may be a view of a manifest).
func TestConcatSource(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	spill, err := NewSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer spill.Close()
	for axis := range 3 {
		steps := []int{2, 1, 3}
		var parts []*refs.Manifest
		var sources []refs.ChunkSource
		for k, g := range steps {
			grid := []int{2, 3, 2}
			grid[axis] = g
			m := randomManifest(rng, grid, fmt.Sprintf("p%d", k))
			parts = append(parts, m)
			z := &refs.ZArray{ZarrFormat: 2, Shape: []int64{int64(grid[0]), int64(grid[1]), int64(grid[2])}, Chunks: []int64{1, 1, 1}}
			set := refs.NewSet()
			set.PutArray("v", z, nil, m)
			if k%2 == 1 {
				sources = append(sources, set.Arrays["v"].Chunks())
				continue
			}
			held, err := spill.Hold(Input{Name: "p", Set: set})
			if err != nil {
				t.Fatal(err)
			}
			sources = append(sources, held.Set.Arrays["v"].Source)
		}
		grid := []int{2, 3, 2}
		grid[axis] = 6
		want := refs.NewManifest(grid)
		base := 0
		for k, m := range parts {
			for i := range m.Target {
				c := m.Coords(i)
				c[axis] += base
				j := want.Linear(c)
				if r, ok := m.Chunk(i); ok {
					if r.URL == "" {
						want.SetInline(j, r.Data)
					} else {
						want.SetRange(j, r.URL, r.Offset, r.Length)
					}
				}
			}
			base += steps[k]
		}
		kept := jsonOf(t, setOf(parts[1]))
		src, err := newConcatSource(grid, axis, sources)
		if err != nil {
			t.Fatal(err)
		}
		if stored, inline, ok := src.Counts(); !ok || stored != want.Stored() || inline != len(want.Inline) {
			t.Errorf("axis %d: counts %d, %d; want %d, %d", axis, stored, inline, want.Stored(), len(want.Inline))
		}
		for window := 1; window <= want.Len(); window++ {
			r, err := src.Open()
			if err != nil {
				t.Fatal(err)
			}
			var w refs.Manifest
			for pos := 0; pos < want.Len(); pos += window {
				n := min(window, want.Len()-pos)
				if err := r.Next(n, &w); err != nil {
					t.Fatal(err)
				}
				for i := range n {
					wr, wok := want.Chunk(pos + i)
					gr, gok := w.Chunk(i)
					if wok != gok || wr.URL != gr.URL || wr.Offset != gr.Offset || wr.Length != gr.Length || !slices.Equal(wr.Data, gr.Data) {
						t.Fatalf("axis %d, window %d: chunk %d is %+v, %v; want %+v, %v", axis, window, pos+i, gr, gok, wr, wok)
					}
				}
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if got := jsonOf(t, setOf(parts[1])); !slices.Equal(got, kept) {
				t.Fatalf("axis %d, window %d: the manifest read in place changed", axis, window)
			}
		}
	}
}

// setOf is a set of one array "v" holding m.
func setOf(m *refs.Manifest) *refs.Set {
	s := refs.NewSet()
	shape := make([]int64, len(m.Grid))
	for d, g := range m.Grid {
		shape[d] = int64(g)
	}
	z := &refs.ZArray{ZarrFormat: 2, Shape: shape, Chunks: []int64{1, 1, 1}, DType: []byte(`"<i4"`), FillValue: []byte("0"), Order: "C"}
	s.PutArray("v", z, nil, m)
	return s
}

// TestSpillWriteFails: a spill that cannot be written says so with a
// SpillError (the run's failure, not the input's).
func TestSpillWriteFails(t *testing.T) {
	spill, err := NewSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spill.Close()
	set := refs.NewSet()
	z := &refs.ZArray{ZarrFormat: 2, Shape: []int64{2}, Chunks: []int64{1}, DType: []byte(`"<i4"`), FillValue: []byte("0"), Order: "C"}
	m := refs.NewManifest(z.Grid())
	m.SetRange(0, "s3://b/x.nc", 10, 20)
	set.PutArray("v", z, nil, m)
	_, err = spill.Hold(Input{Name: "x.json", Set: set})
	var se *SpillError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "TMPDIR") {
		t.Fatalf("Hold on a closed spill: %v, want a SpillError", err)
	}
}
