package refs

import (
	"fmt"
	"math"
	"unsafe"
)

// A ChunkSource produces an array's chunk references on demand, in the C
// order of its grid, rather than holding them all: combine's output at
// archive scale has more references than memory holds, so combine streams
// them from its inputs straight into the writers. An Array holds either a
// Manifest or a Source (Array.Chunks gives whichever it has).
type ChunkSource interface {
	// Grid is the number of chunks along each dimension, as Manifest.Grid.
	Grid() []int
	// Open starts a pass over the references from position 0. Every pass
	// yields the same references; passes may run one after another (the
	// JSON writer makes two when it writes templates, Retarget.Apply one
	// to count), not at once.
	Open() (ChunkReader, error)
}

// A ChunkReader is one pass over a ChunkSource.
type ChunkReader interface {
	// Next fills w with the references of the next n chunk positions
	// (n is at most the positions left): w.Target, w.Offset and w.Length
	// resized to n and indexed from 0, w.Inline cleared and keyed from 0,
	// w.URLs the table w.Target indexes (it may differ from one call to
	// the next). w.Grid is left alone. The slices Next fills are the
	// caller's to keep only until the next call, and the caller does not
	// write to them (they may be a Manifest's own). Nor does Next: it
	// sets w's slices to memory it owns (or a Manifest's), never filling
	// the slices w held, which may be views of another reader's memory.
	//
	// A table may hold targets no position refers to, and one target more
	// than once. Callers cache what they derive from a table (the
	// targets' bytes, placeholders, rewritten targets) for as long as
	// Next returns the same table slice (same first element, same
	// length), and extend it when the slice grows (same first element,
	// longer): a reader never changes a target of a table it has given
	// in this pass, and gives new targets in a new array or by appending
	// to the last table (which a join of many inputs does).
	//
	// An error ends the pass; it names what could not be read (a file,
	// an array), as the caller adds only its own context.
	Next(n int, w *Manifest) error
	// Close ends the pass and releases what it holds.
	Close() error
}

// A RecordFiler is a ChunkSource that can tell where some of its records
// already are: a Parquet set's arrays read lazily, and what combine joins
// of them. WriteParquet links such a file instead of writing the same
// references again, so that appending to a Parquet set writes only the
// records that change.
type RecordFiler interface {
	// RecordFile returns the file that holds positions first ..
	// first+n-1, and only those, as one record of recordSize rows, when
	// there is one.
	RecordFile(first, n, recordSize int) (string, bool)
}

// A Skipper is a ChunkReader that can pass over positions without
// reading them (Next on a reader that is not one).
type Skipper interface {
	Skip(n int) error
}

// Skip passes over the next n positions of r, into w when r cannot skip.
func Skip(r ChunkReader, n int, w *Manifest) error {
	if s, ok := r.(Skipper); ok {
		return s.Skip(n)
	}
	return r.Next(n, w)
}

// Chunks returns the array's references as a ChunkSource: its Source, or
// its Manifest read in place; nil when it has neither.
func (a *Array) Chunks() ChunkSource {
	switch {
	case a.Manifest != nil:
		return manifestSource{a.Manifest}
	case a.Source != nil:
		return a.Source
	}
	return nil
}

// A Counter is a ChunkSource that knows how many of its chunks exist
// without a pass over them.
type Counter interface {
	// Counts returns the chunks that exist and how many of them are
	// inline; ok is false when they are not known.
	Counts() (stored, inline int, ok bool)
}

// Counts returns how many of the array's chunks exist and how many of
// those are inline: a Manifest's counted, a Source's when it is a Counter
// that knows; ok is false otherwise.
func (a *Array) Counts() (stored, inline int, ok bool) {
	if c, isCounter := a.Chunks().(Counter); isCounter {
		return c.Counts()
	}
	return 0, 0, false
}

// manifestSource reads a Manifest as a ChunkSource.
type manifestSource struct{ m *Manifest }

func (s manifestSource) Grid() []int { return s.m.Grid }

// Counts returns the chunks that exist and how many of them are inline.
func (s manifestSource) Counts() (stored, inline int, ok bool) {
	return s.m.Stored(), len(s.m.Inline), true
}

func (s manifestSource) Open() (ChunkReader, error) { return &manifestReader{m: s.m}, nil }

// manifestReader hands out windows of the manifest's own slices.
type manifestReader struct {
	m   *Manifest
	pos int
}

func (r *manifestReader) Next(n int, w *Manifest) error {
	m, end := r.m, r.pos+n
	if end > len(m.Target) || end > len(m.Offset) || end > len(m.Length) {
		return fmt.Errorf("manifest holds %d chunk slots, fewer than the %d read from its grid %v", min(len(m.Target), len(m.Offset), len(m.Length)), end, m.Grid)
	}
	w.URLs = m.URLs
	w.Target, w.Offset, w.Length = m.Target[r.pos:end], m.Offset[r.pos:end], m.Length[r.pos:end]
	clear(w.Inline)
	if len(m.Inline) > 0 {
		if w.Inline == nil {
			w.Inline = map[int][]byte{}
		}
		for i, t := range w.Target {
			if t == InlineChunk {
				w.Inline[i] = m.Inline[r.pos+i]
			}
		}
	}
	r.pos = end
	return nil
}

func (r *manifestReader) Close() error { return nil }

// streamWindow is the number of positions the writers and Retarget.Apply
// ask a ChunkReader for at a time (the Parquet writer asks for one record
// instead). A variable so that tests can make windows small and odd.
var streamWindow = 1 << 16

// sourceLen is the number of positions of src's grid.
func sourceLen(src ChunkSource) (int, error) {
	n, ok := GridSize(src.Grid(), math.MaxInt)
	if !ok {
		return 0, fmt.Errorf("chunk grid %v has more positions than an int holds", src.Grid())
	}
	return int(n), nil
}

// EachWindow makes one pass over src, calling f with each window of at
// most window positions in order; first is the position of w's index 0.
// w is the same Manifest at each call.
func EachWindow(src ChunkSource, window int, f func(first int, w *Manifest) error) (err error) {
	return eachWindow(src, window, false, f)
}

// EachStoredWindow is EachWindow for a pass that needs only the chunks
// that exist: the stretches of a sparse source (a StoredSeeker's) that
// hold none are passed over, so windows may start anywhere. The pass
// costs what the source stores, not its grid.
func EachStoredWindow(src ChunkSource, window int, f func(first int, w *Manifest) error) (err error) {
	return eachWindow(src, window, true, f)
}

// A StoredSeeker is a ChunkReader that can tell where its next chunk that
// exists lies (SparseChunks').
type StoredSeeker interface {
	// NextStored returns the position of the first chunk at or after
	// the reader's position that exists, or the grid's length if none.
	NextStored() int
}

func eachWindow(src ChunkSource, window int, storedOnly bool, f func(first int, w *Manifest) error) (err error) {
	n, err := sourceLen(src)
	if err != nil {
		return err
	}
	r, err := src.Open()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := r.Close(); err == nil {
			err = cerr
		}
	}()
	seeker, _ := r.(StoredSeeker)
	if !storedOnly {
		seeker = nil
	}
	var w Manifest
	for first := 0; first < n; first += window {
		if seeker != nil {
			next := seeker.NextStored()
			if next >= n {
				break
			}
			if next > first {
				if err := Skip(r, next-first, &w); err != nil {
					return err
				}
				first = next
			}
		}
		k := min(window, n-first)
		if err := r.Next(k, &w); err != nil {
			return err
		}
		if len(w.Target) != k || len(w.Offset) != k || len(w.Length) != k {
			return fmt.Errorf("chunk reader gave %d, %d, %d references for %d positions from %d", len(w.Target), len(w.Offset), len(w.Length), k, first)
		}
		if err := f(first, &w); err != nil {
			return err
		}
	}
	return nil
}

// grownTable tells whether b is a, grown by appending (see
// ChunkReader.Next): a's targets are b's first ones.
func grownTable(a, b []string) bool {
	return len(a) > 0 && len(b) >= len(a) && unsafe.SliceData(a) == unsafe.SliceData(b)
}

// sameTable tells whether a and b are the same table slice, which a
// ChunkReader promises holds the same targets (see ChunkReader.Next).
func sameTable(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b))
}

// checkTarget refuses a target index that is neither a marker nor in the
// table of nurls targets.
func checkTarget(i int, t int32, nurls int) error {
	if t >= int32(nurls) || t < InlineChunk {
		return fmt.Errorf("chunk %d: target %d outside the URL table", i, t)
	}
	return nil
}

// Targets is a table of distinct targets that the tables of one or more
// ChunkReaders are merged into: ReadManifest's, the spill's, a join's.
type Targets struct {
	URLs  []string
	index map[string]int32
}

// TableMap renumbers the tables one reader gives into Targets.
type TableMap struct {
	tab []string // the table to was made for
	to  []int32
}

// Of returns the index in into of each target of tab, adding the new
// ones. The last answer is kept while the reader gives the same table,
// and extended when it grows by appending (see ChunkReader.Next).
func (m *TableMap) Of(tab []string, into *Targets) []int32 {
	switch {
	case sameTable(tab, m.tab):
		return m.to
	case grownTable(m.tab, tab):
	default:
		m.to = m.to[:0]
	}
	if into.index == nil {
		into.index = map[string]int32{}
	}
	for _, u := range tab[len(m.to):] {
		i, ok := into.index[u]
		if !ok {
			i = int32(len(into.URLs))
			into.URLs = append(into.URLs, u)
			into.index[u] = i
		}
		m.to = append(m.to, i)
	}
	m.tab = tab
	return m.to
}

// ReadManifest reads every reference of src into a Manifest: what a
// Source-only array would hold in memory. Its URL table lists each
// distinct target of the tables src gave once, in the order they came;
// inline bytes are copied. The caller has bounded src's grid (it
// allocates about 20 bytes a position).
func ReadManifest(src ChunkSource) (*Manifest, error) {
	if _, err := sourceLen(src); err != nil {
		return nil, err
	}
	m := NewManifest(src.Grid())
	var targets Targets
	var tm TableMap
	window := streamWindow
	if rs, ok := src.(recordSized); ok {
		window = rs.recordSize()
	}
	err := EachWindow(src, window, func(first int, w *Manifest) error {
		remap := tm.Of(w.URLs, &targets)
		copy(m.Offset[first:], w.Offset)
		copy(m.Length[first:], w.Length)
		for i, t := range w.Target {
			switch {
			case t >= 0 && int(t) < len(remap):
				m.Target[first+i] = remap[t]
			case t == NoChunk:
			case t == InlineChunk:
				m.Target[first+i] = InlineChunk
				m.Inline[first+i] = append([]byte{}, w.Inline[i]...)
			default:
				return checkTarget(first+i, t, len(w.URLs))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.URLs = targets.URLs
	return m, nil
}

// recordSized is a ChunkSource read best a record of this many positions
// at a time.
type recordSized interface{ recordSize() int }

// Materialize reads the references of every array that has a Source and
// no Manifest into a Manifest (ReadManifest), which replaces the Source.
func (s *Set) Materialize() error {
	for _, path := range s.ArrayPaths() {
		a := s.Arrays[path]
		if a.Manifest != nil || a.Source == nil {
			continue
		}
		m, err := ReadManifest(a.Source)
		if err != nil {
			return err
		}
		a.Manifest, a.Source = m, nil
	}
	return nil
}
