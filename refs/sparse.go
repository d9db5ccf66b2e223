package refs

import (
	"fmt"
	"sort"
)

// SparseChunks holds the chunks of an array that exist and nothing for
// the positions that do not: a dataset of 4 GiB in chunks of 100 bytes of
// which two were ever written has 43 million positions, which a dense
// Manifest (about 20 bytes a position) would spend 860 MB on, while its
// references are two JSON keys. It is a ChunkSource, so the writers read
// it as they read any array, and answers lookups by position (Chunk).
//
// The scanner makes one when an array's grid is larger than a dense
// manifest may be; ReadJSON reads such an array back as one.
type SparseChunks struct {
	grid []int
	n    int // the grid's positions
	// positions, ascending, are the grid positions of slots' entries.
	positions []int
	// slots holds the references, one a position, on a 1-D grid.
	slots *Manifest
}

// MaxSparseGrid bounds the chunk positions of a sparse array. Passes that
// need only the chunks that exist (JSON, check's references) cost what
// is stored, but a Parquet set has a row a position and combine holds 20
// bytes a position: 4 Gi positions (a 4 GiB array of one-byte chunks) is
// the most those can be asked to handle.
const MaxSparseGrid = 1 << 32

// NewSparseChunks holds slots (a manifest of grid [len(positions)]) as
// the chunks at positions of grid. positions must be ascending and in the
// grid; the manifest is the SparseChunks' own from then on.
func NewSparseChunks(grid []int, positions []int, slots *Manifest) (*SparseChunks, error) {
	n, ok := GridSize(grid, MaxSparseGrid)
	if !ok {
		return nil, fmt.Errorf("chunk grid %v has more than %d positions, the most a sparse manifest may have", grid, uint64(MaxSparseGrid))
	}
	if len(slots.Grid) != 1 || slots.Grid[0] != len(positions) || slots.Len() != len(positions) {
		return nil, fmt.Errorf("sparse chunks: %d positions for a manifest of grid %v", len(positions), slots.Grid)
	}
	for k, p := range positions {
		if p < 0 || uint64(p) >= n || (k > 0 && p <= positions[k-1]) {
			return nil, fmt.Errorf("sparse chunks: position %d (entry %d) is out of order or outside grid %v", p, k, grid)
		}
	}
	return &SparseChunks{grid: append([]int(nil), grid...), n: int(n), positions: positions, slots: slots}, nil
}

// Grid is the number of chunks along each dimension.
func (s *SparseChunks) Grid() []int { return s.grid }

// Len is the number of chunk positions of the grid.
func (s *SparseChunks) Len() int { return s.n }

// Counts returns the chunks that exist and how many of them are inline.
func (s *SparseChunks) Counts() (stored, inline int, ok bool) {
	return s.slots.Stored(), len(s.slots.Inline), true
}

// Chunk returns the reference of the chunk at position i and whether the
// chunk exists.
func (s *SparseChunks) Chunk(i int) (Ref, bool) {
	k := sort.SearchInts(s.positions, i)
	if k == len(s.positions) || s.positions[k] != i {
		return Ref{}, false
	}
	return s.slots.Chunk(k)
}

// Each calls fn with the position and reference of each chunk that
// exists, in C order; an error from fn stops it.
func (s *SparseChunks) Each(fn func(i int, ref Ref) error) error {
	for k, p := range s.positions {
		if ref, ok := s.slots.Chunk(k); ok {
			if err := fn(p, ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// Open starts a pass over the references from position 0.
func (s *SparseChunks) Open() (ChunkReader, error) { return &sparseReader{s: s}, nil }

// sparseReader fills windows of missing chunks with the entries that fall
// in them.
type sparseReader struct {
	s      *SparseChunks
	pos    int // the next grid position
	slot   int // the first entry at or after pos
	target []int32
	offset []int64
	length []int64
	inline map[int][]byte
}

func (r *sparseReader) Next(n int, w *Manifest) error {
	if n > cap(r.target) {
		r.target, r.offset, r.length = make([]int32, n), make([]int64, n), make([]int64, n)
	}
	r.target, r.offset, r.length = r.target[:n], r.offset[:n], r.length[:n]
	for i := range r.target {
		r.target[i] = NoChunk
	}
	clear(r.offset)
	clear(r.length)
	if r.inline == nil {
		r.inline = map[int][]byte{}
	}
	clear(r.inline)
	m, end := r.s.slots, r.pos+n
	for ; r.slot < len(r.s.positions) && r.s.positions[r.slot] < end; r.slot++ {
		i := r.s.positions[r.slot] - r.pos
		r.target[i], r.offset[i], r.length[i] = m.Target[r.slot], m.Offset[r.slot], m.Length[r.slot]
		if m.Target[r.slot] == InlineChunk {
			r.inline[i] = m.Inline[r.slot]
		}
	}
	r.pos = end
	w.URLs, w.Target, w.Offset, w.Length, w.Inline = m.URLs, r.target, r.offset, r.length, r.inline
	return nil
}

// NextStored returns the position of the next chunk that exists.
func (r *sparseReader) NextStored() int {
	if r.slot < len(r.s.positions) {
		return r.s.positions[r.slot]
	}
	return r.s.Len()
}

// Skip passes over n positions.
func (r *sparseReader) Skip(n int) error {
	r.pos += n
	r.slot += sort.SearchInts(r.s.positions[r.slot:], r.pos)
	return nil
}

func (r *sparseReader) Close() error { return nil }

// grow adds a missing chunk at the end of a 1-D manifest and returns its
// position.
func (m *Manifest) grow() int {
	m.Target = append(m.Target, NoChunk)
	m.Offset = append(m.Offset, 0)
	m.Length = append(m.Length, 0)
	m.Grid[0] = len(m.Target)
	return len(m.Target) - 1
}

// sparseFromKeys holds slots, one a key in the order read, at positions
// of grid: sorted into C order, a position given twice keeping its last
// slot (as a dense manifest keeps the last key).
func sparseFromKeys(grid []int, positions []int, slots *Manifest) (*SparseChunks, error) {
	order := make([]int, len(positions))
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return positions[order[a]] < positions[order[b]] })
	var kept []int
	for _, k := range order {
		if n := len(kept); n > 0 && positions[kept[n-1]] == positions[k] {
			kept[n-1] = k
			continue
		}
		kept = append(kept, k)
	}
	m := NewManifest([]int{len(kept)})
	m.URLs = slots.URLs
	pos := make([]int, len(kept))
	for j, k := range kept {
		pos[j] = positions[k]
		m.Target[j], m.Offset[j], m.Length[j] = slots.Target[k], slots.Offset[k], slots.Length[k]
		if slots.Target[k] == InlineChunk {
			m.Inline[j] = slots.Inline[k]
		}
	}
	return NewSparseChunks(grid, pos, m)
}

// ChunkKey is the Zarr v2 key of the chunk at position i (Manifest.ChunkKey).
func (s *SparseChunks) ChunkKey(path string, i int, sep string) string {
	return (&Manifest{Grid: s.grid}).ChunkKey(path, i, sep)
}

// Stored counts the chunks that exist.
func (s *SparseChunks) Stored() int { return s.slots.Stored() }

// URLs is the table of the targets the chunks lie in.
func (s *SparseChunks) URLs() []string { return s.slots.URLs }
