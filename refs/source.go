package refs

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
	// JSON writer makes two when it writes templates), not at once.
	Open() (ChunkReader, error)
}

// A ChunkReader is one pass over a ChunkSource.
type ChunkReader interface {
	// Next fills w with the references of the next n chunk positions
	// (n is at most the positions left): w.Target, w.Offset and w.Length
	// resized to n and indexed from 0, w.Inline cleared and keyed from 0,
	// w.URLs the table w.Target indexes (it may differ from one call to
	// the next). w.Grid is left alone. The slices Next fills are the
	// caller's to keep only until the next call.
	Next(n int, w *Manifest) error
	// Close ends the pass and releases what it holds.
	Close() error
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

// manifestSource reads a Manifest as a ChunkSource.
type manifestSource struct{ m *Manifest }

func (s manifestSource) Grid() []int { return s.m.Grid }

func (s manifestSource) Open() (ChunkReader, error) { return &manifestReader{m: s.m}, nil }

// manifestReader hands out windows of the manifest's own slices.
type manifestReader struct {
	m   *Manifest
	pos int
}

func (r *manifestReader) Next(n int, w *Manifest) error {
	m, end := r.m, r.pos+n
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
