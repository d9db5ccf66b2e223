package refs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// sparseAndDense are the same chunks of grid [5, 7] held both ways: two
// targets, an inline chunk, and positions at both ends.
func sparseAndDense(t *testing.T) (*SparseChunks, *Manifest) {
	t.Helper()
	grid := []int{5, 7}
	dense := NewManifest(grid)
	slots := NewManifest([]int{5})
	positions := []int{0, 3, 17, 18, 34}
	for k, p := range positions {
		switch k {
		case 2:
			dense.SetInline(p, []byte("in"))
			slots.SetInline(k, []byte("in"))
		default:
			url := fmt.Sprintf("u%d", k%2)
			dense.SetRange(p, url, int64(100*k), int64(10+k))
			slots.SetRange(k, url, int64(100*k), int64(10+k))
		}
	}
	sp, err := NewSparseChunks(grid, positions, slots)
	if err != nil {
		t.Fatal(err)
	}
	return sp, dense
}

// TestSparseChunksReadsAsDense: every pass over the sparse source, in
// windows of any size, gives what the dense manifest holds; lookups and
// the JSON written agree too.
func TestSparseChunksReadsAsDense(t *testing.T) {
	sp, dense := sparseAndDense(t)
	defer func(w int) { streamWindow = w }(streamWindow)
	for _, window := range []int{1, 2, 3, 7, 16, 35, 64} {
		streamWindow = window
		got, err := ReadManifest(sp)
		if err != nil {
			t.Fatal(err)
		}
		for i := range dense.Len() {
			r1, ok1 := dense.Chunk(i)
			r2, ok2 := got.Chunk(i)
			r3, ok3 := sp.Chunk(i)
			if ok1 != ok2 || ok1 != ok3 || r1.URL != r2.URL || r1.Offset != r2.Offset || r1.Length != r2.Length || !bytes.Equal(r1.Data, r2.Data) ||
				r3.URL != r1.URL || r3.Offset != r1.Offset || !bytes.Equal(r3.Data, r1.Data) {
				t.Errorf("window %d, chunk %d: read %+v %v, looked up %+v %v; want %+v %v", window, i, r2, ok2, r3, ok3, r1, ok1)
			}
		}
		for _, opts := range []JSONOptions{{}, {Templates: true}} {
			var a, b bytes.Buffer
			if err := WriteJSONOptions(&a, setOf(sp), opts); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSONOptions(&b, setOf(dense), opts); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("window %d, %+v: JSON differs:\n%s\n%s", window, opts, a.String(), b.String())
			}
		}
	}
	if st, in, ok := (&Array{Source: sp}).Counts(); !ok || st != 5 || in != 1 {
		t.Errorf("counts %d, %d, %v", st, in, ok)
	}
}

// setOf is a set of one array "a" of grid [5, 7] held by src.
func setOf(src any) *Set {
	s := NewSet()
	z := &ZArray{Shape: []int64{5, 7}, Chunks: []int64{1, 1}, DType: []byte(`"<i4"`), FillValue: []byte("0"), Order: "C", ZarrFormat: 2}
	a := &Array{ZArray: z}
	switch v := src.(type) {
	case *Manifest:
		a.Manifest = v
	case ChunkSource:
		a.Source = v
	}
	s.Arrays["a"] = a
	return s
}

// TestEachStoredWindowSkips: a pass for stored chunks only sees windows
// that hold them, each starting at one.
func TestEachStoredWindowSkips(t *testing.T) {
	sp, _ := sparseAndDense(t)
	var firsts []int
	seen := 0
	err := EachStoredWindow(sp, 2, func(first int, w *Manifest) error {
		firsts = append(firsts, first)
		for _, tg := range w.Target {
			if tg != NoChunk {
				seen++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(firsts) != "[0 3 17 34]" || seen != 5 {
		t.Errorf("windows at %v, %d chunks seen", firsts, seen)
	}
}

func TestNewSparseChunksRefuses(t *testing.T) {
	slots := NewManifest([]int{2})
	for name, c := range map[string]struct {
		grid      []int
		positions []int
	}{
		"out of order": {[]int{10}, []int{5, 3}},
		"twice":        {[]int{10}, []int{3, 3}},
		"outside":      {[]int{10}, []int{3, 10}},
		"too many":     {[]int{10}, []int{1, 2, 3}},
		"huge grid":    {[]int{1 << 20, 1 << 20, 1 << 20}, []int{1, 2}},
	} {
		if _, err := NewSparseChunks(c.grid, c.positions, slots); err == nil || !strings.Contains(err.Error(), "sparse") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// BenchmarkSparseJSON writes and reads back an array of 2^32 chunk
// positions with three chunks: the cost follows what is stored, not the
// grid (a dense pass would take seconds and a dense manifest 80 GB).
func BenchmarkSparseJSON(b *testing.B) {
	grid := []int{1 << 16, 1 << 16}
	slots := NewManifest([]int{3})
	for k := range 3 {
		slots.SetRange(k, "f.h5", int64(4096*k), 64)
	}
	sp, err := NewSparseChunks(grid, []int{0, 1 << 31, 1<<32 - 1}, slots)
	if err != nil {
		b.Fatal(err)
	}
	s := NewSet()
	s.Arrays["a"] = &Array{ZArray: &ZArray{Shape: []int64{1 << 22, 1 << 22}, Chunks: []int64{64, 64}, DType: []byte(`"|u1"`), FillValue: []byte("7"), Order: "C", ZarrFormat: 2}, Source: sp}
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, s); err != nil {
			b.Fatal(err)
		}
		back, err := ReadJSON(&buf)
		if err != nil {
			b.Fatal(err)
		}
		if st, _, _ := back.Arrays["a"].Counts(); st != 3 {
			b.Fatalf("%d chunks read back", st)
		}
	}
}
