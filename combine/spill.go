package combine

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
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
}

// spillRecord is the size of one reference in the spill: target (int32),
// offset and length (int64), little-endian. An inline chunk's offset is
// that of its bytes in the segment's inline area.
const spillRecord = 20

// NewSpill makes a spill file in dir ("" for the system's temporary
// directory).
func NewSpill(dir string) (*Spill, error) {
	f, err := os.CreateTemp(dir, "gokerchunk-spill-")
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("spill: %w", err)
	}
	return &Spill{f: f}, nil
}

// Close releases the file; the sources Hold returned can no longer be read.
func (s *Spill) Close() error { return s.f.Close() }

// Size is the number of bytes written to the spill.
func (s *Spill) Size() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.end
}

// Hold moves the manifests of in's arrays into the spill. The Input it
// returns has the same metadata, its arrays' references read back from the
// spill by Sources; in's manifests can then be dropped. Arrays that already
// have a Source (a Parquet set read lazily) keep it.
func (s *Spill) Hold(in Input) (Input, error) {
	out := refs.NewSet()
	out.Groups, out.Extra = in.Set.Groups, in.Set.Extra
	var seg []byte
	for p, a := range in.Set.Arrays {
		held := &refs.Array{ZArray: a.ZArray, Attrs: a.Attrs, Source: a.Source}
		out.Arrays[p] = held
		m := a.Manifest
		if m == nil {
			continue
		}
		if a.ZArray != nil {
			if err := checkManifest(m, a.ZArray.Grid()); err != nil {
				return Input{}, &Error{Inputs: []string{in.Name}, Variable: p, Err: err}
			}
		}
		seg = encodeSegment(seg[:0], m)
		off, err := s.write(seg)
		if err != nil {
			return Input{}, fmt.Errorf("%s: %s: %w", in.Name, p, err)
		}
		held.Source = &spillSource{
			spill: s, grid: m.Grid, urls: m.URLs, off: off, n: m.Len(),
			stored: m.Stored(), inline: len(m.Inline),
		}
	}
	return Input{Name: in.Name, Set: out}, nil
}

// encodeSegment appends a manifest's records, then its inline bytes.
func encodeSegment(b []byte, m *refs.Manifest) []byte {
	var inline int64
	for i, t := range m.Target {
		off, length := m.Offset[i], m.Length[i]
		if t == refs.InlineChunk {
			off, length = inline, int64(len(m.Inline[i]))
			inline += length
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(t))
		b = binary.LittleEndian.AppendUint64(b, uint64(off))
		b = binary.LittleEndian.AppendUint64(b, uint64(length))
	}
	for i, t := range m.Target {
		if t == refs.InlineChunk {
			b = append(b, m.Inline[i]...)
		}
	}
	return b
}

// write appends a segment, returning where it starts.
func (s *Spill) write(seg []byte) (int64, error) {
	s.mu.Lock()
	off := s.end
	s.end += int64(len(seg))
	s.mu.Unlock()
	if _, err := s.f.WriteAt(seg, off); err != nil {
		return 0, fmt.Errorf("spill: %w", err)
	}
	return off, nil
}

// spillSource reads one array of one input back from the spill.
type spillSource struct {
	spill  *Spill
	grid   []int
	urls   []string
	off    int64 // the segment's start
	n      int   // chunk positions
	stored int   // chunks that exist
	inline int   // of which inline
}

func (s *spillSource) Grid() []int { return s.grid }

// Counts returns the chunks that exist and how many of them are inline.
func (s *spillSource) Counts() (stored, inline int) { return s.stored, s.inline }

func (s *spillSource) Open() (refs.ChunkReader, error) {
	records := int64(s.n) * spillRecord
	return &spillReader{
		src:    s,
		r:      bufio.NewReaderSize(io.NewSectionReader(s.spill.f, s.off, records), 4096),
		inline: s.off + records,
	}, nil
}

// spillReader is one pass over a spillSource.
type spillReader struct {
	src     *spillSource
	r       *bufio.Reader
	inline  int64 // where the segment's inline bytes start
	scratch []byte
}

func (r *spillReader) Next(n int, w *refs.Manifest) error {
	r.scratch = resize(r.scratch, n*spillRecord)
	if _, err := io.ReadFull(r.r, r.scratch); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	w.URLs = r.src.urls
	w.Target, w.Offset, w.Length = resize(w.Target, n), resize(w.Offset, n), resize(w.Length, n)
	clear(w.Inline)
	b := r.scratch
	for i := range n {
		t := int32(binary.LittleEndian.Uint32(b))
		off := int64(binary.LittleEndian.Uint64(b[4:]))
		length := int64(binary.LittleEndian.Uint64(b[12:]))
		b = b[spillRecord:]
		if t == refs.InlineChunk {
			data := make([]byte, length)
			if _, err := r.src.spill.f.ReadAt(data, r.inline+off); err != nil {
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

func (r *spillReader) Close() error { return nil }

// resize returns s with length n, reusing its array when it is large
// enough.
func resize[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n)
}
