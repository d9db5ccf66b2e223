package combine

import (
	"fmt"

	"gokerchunk/refs"
)

// concatSource is an array of the output: its inputs' chunks joined along
// one axis, produced on demand. In C order the output runs, for each index
// of the axes before the concat axis ("outer"), through every input's
// chunks along it, each with all the chunks of the axes after ("inner");
// each input is thereby read in its own C order, once, so a pass holds one
// window of each input, never the array.
type concatSource struct {
	grid  []int
	axis  int
	parts []refs.ChunkSource
	outer int
	inner int
	steps []int // each part's chunks along the axis
}

// newConcatSource joins parts along axis into an array of the given grid.
func newConcatSource(grid []int, axis int, parts []refs.ChunkSource) (*concatSource, error) {
	s := &concatSource{grid: grid, axis: axis, parts: parts, outer: 1, inner: 1}
	for d, g := range grid {
		switch {
		case d < axis:
			s.outer *= g
		case d > axis:
			s.inner *= g
		}
	}
	total := 0
	for _, p := range parts {
		g := p.Grid()
		if len(g) != len(grid) {
			return nil, fmt.Errorf("a part of grid %v joins an array of grid %v", g, grid)
		}
		for d := range g {
			if d != axis && g[d] != grid[d] {
				return nil, fmt.Errorf("a part of grid %v joins an array of grid %v along axis %d", g, grid, axis)
			}
		}
		s.steps = append(s.steps, g[axis])
		total += g[axis]
	}
	if total != grid[axis] {
		return nil, fmt.Errorf("%d chunks along axis %d after joining, the grid has %d", total, axis, grid[axis])
	}
	return s, nil
}

func (s *concatSource) Grid() []int { return s.grid }

// Counts adds up the parts' counts; they are known when every part's is.
func (s *concatSource) Counts() (stored, inline int, ok bool) {
	for _, p := range s.parts {
		st, in, known := (&refs.Array{Source: p}).Counts()
		if !known {
			return 0, 0, false
		}
		stored += st
		inline += in
	}
	return stored, inline, true
}

// RecordFile passes the question to the part that holds the whole range,
// when the parts follow one another (nothing in front of the concat axis
// but one step).
func (s *concatSource) RecordFile(first, n, recordSize int) (string, bool) {
	if len(s.parts) == 1 {
		if f, ok := s.parts[0].(refs.RecordFiler); ok {
			return f.RecordFile(first, n, recordSize)
		}
		return "", false
	}
	if s.outer != 1 {
		return "", false
	}
	start := 0
	for k, p := range s.parts {
		end := start + s.steps[k]*s.inner
		if first >= start && first+n <= end {
			if f, ok := p.(refs.RecordFiler); ok {
				return f.RecordFile(first-start, n, recordSize)
			}
			return "", false
		}
		start = end
	}
	return "", false
}

func (s *concatSource) Open() (refs.ChunkReader, error) {
	return &concatReader{src: s, readers: make([]refs.ChunkReader, len(s.parts)), maps: make([]refs.TableMap, len(s.parts))}, nil
}

// concatReader is one pass over a concatSource.
type concatReader struct {
	src     *concatSource
	readers []refs.ChunkReader // opened on first use
	maps    []refs.TableMap    // each part's tables into targets
	targets refs.Targets       // the output's targets so far
	k       int                // the part being read
	done    int                // references of its run read
	part    refs.Manifest      // a part's window
	// The reader's own window: the caller's slices may be views of
	// another reader's memory, never to be written.
	target         []int32
	offset, length []int64
}

func (r *concatReader) Next(n int, w *refs.Manifest) error {
	s := r.src
	r.target, r.offset, r.length = resize(r.target, n), resize(r.offset, n), resize(r.length, n)
	w.Target, w.Offset, w.Length = r.target, r.offset, r.length
	clear(w.Inline)
	for filled := 0; filled < n; {
		run := s.steps[r.k] * s.inner
		if take := min(n-filled, run-r.done); take > 0 {
			if err := r.read(take, filled, w); err != nil {
				return err
			}
			filled += take
			r.done += take
		}
		if err := r.endOfRun(); err != nil {
			return err
		}
	}
	w.URLs = r.targets.URLs
	return nil
}

// Skip passes over n positions, each part's as it can.
func (r *concatReader) Skip(n int) error {
	s := r.src
	for n > 0 {
		run := s.steps[r.k] * s.inner
		if take := min(n, run-r.done); take > 0 {
			cr, err := r.reader(r.k)
			if err != nil {
				return err
			}
			if err := refs.Skip(cr, take, &r.part); err != nil {
				return err
			}
			n -= take
			r.done += take
		}
		if err := r.endOfRun(); err != nil {
			return err
		}
	}
	return nil
}

// reader returns part k's reader, opened on first use.
func (r *concatReader) reader(k int) (refs.ChunkReader, error) {
	if r.readers[k] == nil {
		cr, err := r.src.parts[k].Open()
		if err != nil {
			return nil, err
		}
		r.readers[k] = cr
	}
	return r.readers[k], nil
}

// endOfRun moves on to the next part when the current one's run is done.
func (r *concatReader) endOfRun() error {
	s := r.src
	if r.done < s.steps[r.k]*s.inner {
		return nil
	}
	if s.outer == 1 && r.readers[r.k] != nil {
		// Each part is read once, in turn: let go of it.
		err := r.readers[r.k].Close()
		r.readers[r.k] = nil
		if err != nil {
			return err
		}
	}
	r.done = 0
	if r.k++; r.k == len(s.parts) {
		r.k = 0 // the next outer index
	}
	return nil
}

// read copies the next take references of the current part into w at at.
func (r *concatReader) read(take, at int, w *refs.Manifest) error {
	k := r.k
	cr, err := r.reader(k)
	if err != nil {
		return err
	}
	p := &r.part
	if err := cr.Next(take, p); err != nil {
		return err
	}
	to := r.maps[k].Of(p.URLs, &r.targets)
	for i, t := range p.Target {
		switch {
		case t >= 0:
			if int(t) >= len(to) {
				return fmt.Errorf("chunk points at target %d; the part's table has %d", t, len(to))
			}
			t = to[t]
		case t == refs.InlineChunk:
			if w.Inline == nil {
				w.Inline = map[int][]byte{}
			}
			w.Inline[at+i] = p.Inline[i]
		}
		w.Target[at+i], w.Offset[at+i], w.Length[at+i] = t, p.Offset[i], p.Length[i]
	}
	return nil
}

func (r *concatReader) Close() error {
	var first error
	for i, cr := range r.readers {
		if cr != nil {
			if err := cr.Close(); err != nil && first == nil {
				first = err
			}
			r.readers[i] = nil
		}
	}
	return first
}
