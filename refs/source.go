package refs

import "bytes"

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

// Counts returns how many of the array's chunks exist and how many of
// those are inline: a Manifest's counted, a Source's as it reports them
// (0, 0 from a Source that does not know).
func (a *Array) Counts() (stored, inline int) {
	if c, ok := a.Chunks().(interface{ Counts() (int, int) }); ok {
		return c.Counts()
	}
	return 0, 0
}

// manifestSource reads a Manifest as a ChunkSource.
type manifestSource struct{ m *Manifest }

func (s manifestSource) Grid() []int { return s.m.Grid }

// Counts returns the chunks that exist and how many of them are inline.
func (s manifestSource) Counts() (stored, inline int) { return s.m.Stored(), len(s.m.Inline) }

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

// ReadManifest reads a whole ChunkSource into a Manifest: for arrays small
// enough to hold (a coordinate read for its values, a test's check).
func ReadManifest(src ChunkSource) (*Manifest, error) {
	m := NewManifest(src.Grid())
	r, err := src.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var w Manifest
	const window = 1 << 16
	urls := map[string]int32{}
	for pos := 0; pos < m.Len(); pos += window {
		n := min(window, m.Len()-pos)
		if err := r.Next(n, &w); err != nil {
			return nil, err
		}
		for i, t := range w.Target {
			switch {
			case t >= 0:
				u := w.URLs[t]
				j, ok := urls[u]
				if !ok {
					j = int32(len(m.URLs))
					m.URLs = append(m.URLs, u)
					urls[u] = j
				}
				t = j
			case t == InlineChunk:
				m.Inline[pos+i] = bytes.Clone(w.Inline[i])
			}
			m.Target[pos+i] = t
			m.Offset[pos+i] = w.Offset[i]
			m.Length[pos+i] = w.Length[i]
		}
	}
	return m, r.Close()
}
