package combine

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"sync"

	"gokerchunk/refs"
)

// A Spill holds the chunk references of combine's inputs in a temporary
// file, so that combining an archive keeps the inputs' metadata in memory
// but not their references: an input is read, its manifests written to the
// spill (Hold) and dropped, and the output's writer reads them back, array
// by array, in the order it writes them. The file is unlinked as soon as it
// is made, so nothing is left behind however the run ends.
type Spill struct {
	f   *os.File
	mu  sync.Mutex
	end int64 // where the next segment goes

	// The metadata of an archive's inputs is mostly the same from one
	// input to the next: Hold keeps one copy of each distinct .zarray
	// and attribute set, so that what stays in memory per input is
	// little more than its name and its arrays' places in the spill.
	internMu sync.Mutex
	zarrays  map[string]*refs.ZArray
	attrs    map[string]refs.Attrs
}

// spillRecord is the size of one reference in the spill: target (int32),
// offset and length (int64), little-endian. An inline chunk's offset is
// that of its bytes among the array's inline bytes.
const spillRecord = 20

// NewSpill makes a spill file in dir ("" for the system's temporary
// directory).
func NewSpill(dir string) (*Spill, error) {
	f, err := os.CreateTemp(dir, "gokerchunk-spill-")
	if err != nil {
		return nil, fmt.Errorf("spill file: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &Spill{f: f, zarrays: map[string]*refs.ZArray{}, attrs: map[string]refs.Attrs{}}, nil
}

// Close releases the file; the sources Hold returned can no longer be read.
func (s *Spill) Close() error { return s.f.Close() }

// Hold moves the references of in's arrays into the spill: the Input it
// returns has the same metadata, its arrays' references read back from
// the spill by Sources, and in's own can be dropped. Each array is read
// once, a window at a time (a Parquet input's record by record), so an
// input read lazily is never whole in memory either.
func (s *Spill) Hold(in Input) (Input, error) {
	out := refs.NewSet()
	out.Extra = in.Set.Extra
	for p, g := range in.Set.Groups {
		out.Groups[p] = &refs.Group{Attrs: s.internAttrs(g.Attrs)}
	}
	for _, p := range in.Set.ArrayPaths() {
		a := in.Set.Arrays[p]
		held := &refs.Array{ZArray: s.internZArray(a.ZArray), Attrs: s.internAttrs(a.Attrs)}
		out.Arrays[p] = held
		if a.Manifest != nil && a.ZArray != nil {
			if err := checkManifest(a.Manifest, a.ZArray.Grid()); err != nil {
				return Input{}, &Error{Inputs: []string{in.Name}, Variable: p, Err: err}
			}
		}
		src := a.Chunks()
		if src == nil {
			continue
		}
		var err error
		if held.Source, err = s.hold(src); err != nil {
			return Input{}, fmt.Errorf("%s: %s: %w", in.Name, p, err)
		}
	}
	return Input{Name: in.Name, Set: out}, nil
}

// internZArray returns the one copy of z's document that the spill keeps
// (combine reads .zarray and attributes, and copies what it changes).
func (s *Spill) internZArray(z *refs.ZArray) *refs.ZArray {
	if z == nil {
		return nil
	}
	doc, err := z.Marshal()
	if err != nil {
		return z // refused later, with its input named
	}
	s.internMu.Lock()
	defer s.internMu.Unlock()
	if kept, ok := s.zarrays[string(doc)]; ok {
		return kept
	}
	s.zarrays[string(doc)] = z
	return z
}

// internAttrs returns the one copy of a set of attributes that the spill
// keeps.
func (s *Spill) internAttrs(a refs.Attrs) refs.Attrs {
	if a == nil {
		return nil
	}
	key := string(a.Marshal())
	s.internMu.Lock()
	defer s.internMu.Unlock()
	if kept, ok := s.attrs[key]; ok {
		return kept
	}
	s.attrs[key] = a
	return a
}

// holdWindow is how many references Hold encodes at a time.
const holdWindow = 1 << 14

// hold writes one array's references to the spill: its records in one
// segment, its inline bytes in another.
func (s *Spill) hold(src refs.ChunkSource) (*spillSource, error) {
	n, ok := refs.GridSize(src.Grid(), math.MaxInt)
	if !ok {
		return nil, fmt.Errorf("chunk grid %v has more positions than an int holds", src.Grid())
	}
	held := &spillSource{spill: s, grid: src.Grid(), n: int(n), off: s.reserve(int64(n) * spillRecord)}
	var targets refs.Targets
	var tm refs.TableMap
	var inline, rec []byte
	err := refs.EachWindow(src, holdWindow, func(first int, w *refs.Manifest) error {
		remap := tm.Of(w.URLs, &targets)
		rec = resize(rec, len(w.Target)*spillRecord)
		for i, t := range w.Target {
			off, length := w.Offset[i], w.Length[i]
			switch {
			case t >= 0:
				if int(t) >= len(remap) {
					return fmt.Errorf("chunk %d points at target %d; the URL table has %d", first+i, t, len(remap))
				}
				t = remap[t]
				held.stored++
			case t == refs.InlineChunk:
				data := w.Inline[i]
				off, length = int64(len(inline)), int64(len(data))
				inline = append(inline, data...)
				held.stored++
				held.inline++
			case t != refs.NoChunk:
				return fmt.Errorf("chunk %d has target %d", first+i, t)
			}
			b := rec[i*spillRecord : (i+1)*spillRecord]
			binary.LittleEndian.PutUint32(b, uint32(t))
			binary.LittleEndian.PutUint64(b[4:], uint64(off))
			binary.LittleEndian.PutUint64(b[12:], uint64(length))
		}
		return s.writeAt(rec, held.off+int64(first)*spillRecord)
	})
	if err != nil {
		return nil, err
	}
	held.urls = targets.URLs
	held.inlineOff = s.reserve(int64(len(inline)))
	if err := s.writeAt(inline, held.inlineOff); err != nil {
		return nil, err
	}
	return held, nil
}

// reserve sets n bytes of the file aside, returning where they start.
func (s *Spill) reserve(n int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	off := s.end
	s.end += n
	return off
}

func (s *Spill) writeAt(b []byte, off int64) error {
	if _, err := s.f.WriteAt(b, off); err != nil {
		return &SpillError{Err: err}
	}
	return nil
}

// SpillError is a failure to write the spill file (a full disk, say): the
// run's, not one input's.
type SpillError struct{ Err error }

func (e *SpillError) Error() string {
	return fmt.Sprintf("writing the spill file, where the inputs' references wait (about 20 bytes each; TMPDIR says where): %v", e.Err)
}

func (e *SpillError) Unwrap() error { return e.Err }

// spillSource reads one array of one input back from the spill.
type spillSource struct {
	spill     *Spill
	grid      []int
	urls      []string
	off       int64 // where the records start
	inlineOff int64 // where the inline bytes start
	n         int   // chunk positions
	stored    int   // chunks that exist
	inline    int   // of which inline
}

func (s *spillSource) Grid() []int { return s.grid }

// Counts returns the chunks that exist and how many of them are inline.
func (s *spillSource) Counts() (stored, inline int, ok bool) { return s.stored, s.inline, true }

func (s *spillSource) Open() (refs.ChunkReader, error) {
	records := int64(s.n) * spillRecord
	return &spillReader{
		src: s,
		r:   bufio.NewReaderSize(io.NewSectionReader(s.spill.f, s.off, records), 4096),
	}, nil
}

// spillReader is one pass over a spillSource.
type spillReader struct {
	src     *spillSource
	r       *bufio.Reader
	scratch []byte
	// The reader's own window: the caller's slices may be views of
	// another reader's memory, never to be written.
	target         []int32
	offset, length []int64
}

func (r *spillReader) Next(n int, w *refs.Manifest) error {
	r.scratch = resize(r.scratch, n*spillRecord)
	if _, err := io.ReadFull(r.r, r.scratch); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w.URLs = r.src.urls
	r.target, r.offset, r.length = resize(r.target, n), resize(r.offset, n), resize(r.length, n)
	w.Target, w.Offset, w.Length = r.target, r.offset, r.length
	clear(w.Inline)
	b := r.scratch
	for i := range n {
		t := int32(binary.LittleEndian.Uint32(b))
		off := int64(binary.LittleEndian.Uint64(b[4:]))
		length := int64(binary.LittleEndian.Uint64(b[12:]))
		b = b[spillRecord:]
		if t == refs.InlineChunk {
			data := make([]byte, length)
			if _, err := r.src.spill.f.ReadAt(data, r.src.inlineOff+off); err != nil {
				return fmt.Errorf("spill: %w", err)
			}
			if w.Inline == nil {
				w.Inline = map[int][]byte{}
			}
			w.Inline[i] = data
			off = 0
		}
		w.Target[i], w.Offset[i], w.Length[i] = t, off, length
	}
	return nil
}

// Skip passes over n references.
func (r *spillReader) Skip(n int) error {
	if _, err := r.r.Discard(n * spillRecord); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

func (r *spillReader) Close() error { return nil }

// resize returns s with length n, reusing its array when it is large
// enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}
