package netcdf3

import (
	"fmt"
	"io"
	"slices"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// Chunks under the inline threshold are copied into the set. Record
// variables make many of them (a time coordinate: 8 bytes a record,
// recsize apart), so they are read together once every variable is
// planned: sorted by offset, neighbours within spanGap merged into one
// read of at most maxSpan bytes, and the spans hinted to readers that
// fetch ahead, a batch at a time, so that a remote file costs a round trip
// per batch rather than per chunk.

type inlineChunk struct {
	m      *refs.Manifest
	i      int
	off, n int64
}

const (
	spanGap   = 4 << 10
	maxSpan   = 1 << 20
	spanBatch = 64 // spans hinted at once: as many of a remote reader's blocks fit in its cache
)

// prefetcher is a reader that can fetch byte ranges ({offset, length}) in
// the background (blob's remote readers, which declare the same method).
type prefetcher interface {
	Prefetch(ranges [][2]int64)
}

// span is one read covering chunks [first, last) of the sorted list.
type span struct {
	off, end    int64
	first, last int
}

// readInline reads the queued chunks and stores them in their manifests.
func (s *scanner) readInline() error {
	chunks := s.inline
	if len(chunks) == 0 {
		return nil
	}
	slices.SortFunc(chunks, func(a, b inlineChunk) int {
		switch {
		case a.off < b.off:
			return -1
		case a.off > b.off:
			return 1
		}
		return 0
	})
	var total int64
	var spans []span
	for k, c := range chunks {
		total += c.n
		if n := len(spans); n > 0 && c.off-spans[n-1].end <= spanGap && c.off+c.n-spans[n-1].off <= maxSpan {
			spans[n-1].end = max(spans[n-1].end, c.off+c.n)
			spans[n-1].last = k + 1
			continue
		}
		spans = append(spans, span{off: c.off, end: c.off + c.n, first: k, last: k + 1})
	}
	// One buffer holds every inlined chunk: each was checked to lie in
	// the file, so the total is bounded by the file's size.
	data := make([]byte, total)
	pf, _ := s.r.(prefetcher)
	var buf []byte
	for b := 0; b < len(spans); b += spanBatch {
		batch := spans[b:min(b+spanBatch, len(spans))]
		if pf != nil {
			ranges := make([][2]int64, len(batch))
			for k, sp := range batch {
				ranges[k] = [2]int64{sp.off, sp.end - sp.off}
			}
			pf.Prefetch(ranges)
		}
		for _, sp := range batch {
			if err := s.ctx.Err(); err != nil {
				return err
			}
			buf = slices.Grow(buf[:0], int(sp.end-sp.off))[:sp.end-sp.off]
			if n, err := s.r.ReadAt(buf, sp.off); n < len(buf) {
				if err == nil || err == io.EOF {
					return &format.Error{File: s.f.name, Structure: "variable data", Offset: sp.off, Msg: fmt.Sprintf("%d bytes read of %d", n, len(buf))}
				}
				return fmt.Errorf("%s: reading variable data (%d bytes at %d): %w", s.f.name, len(buf), sp.off, err)
			}
			for _, c := range chunks[sp.first:sp.last] {
				chunk := data[:c.n:c.n]
				data = data[c.n:]
				copy(chunk, buf[c.off-sp.off:])
				c.m.SetInline(c.i, chunk)
			}
		}
	}
	s.res.Inlined += len(chunks)
	s.inline = nil
	return nil
}
