package netcdf3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// scanner is the state of one scan.
type scanner struct {
	ctx  context.Context
	r    io.ReaderAt
	f    *file
	opts Options
	res  *format.Result
	// splitAbove, chunkTarget and chunkFloor decide how non-record
	// variables are chunked (rowsPerChunk); tests make them small.
	splitAbove, chunkTarget, chunkFloor int64
	inline                              []inlineChunk
}

// How non-record variables are chunked. A variable of up to splitAbove
// bytes is one chunk, one reference to its contiguous data (what kerchunk
// writes). A larger one is split along its first axis into chunks of
// whole rows, the most rows that stay within chunkTarget bytes and
// divide the first dimension: with no compression a chunk is a plain byte
// range, and a partial last chunk would have to reach past the variable's
// data, so every chunk must be full. Readers then fetch about 16 MiB per
// request instead of the whole variable for any slice. When the first
// dimension has no divisor that gives chunks of at least chunkFloor (a
// prime number of small rows), the variable stays whole rather than
// becoming a flood of tiny chunks, each a request.
const (
	splitAbove  = 32 << 20
	chunkTarget = 16 << 20
	chunkFloor  = 1 << 20
)

// nullJSON is the fill_value of arrays without a _FillValue, shared.
var nullJSON = json.RawMessage("null")

// maxGridPositions bounds the chunk positions of one array's manifest
// (about 20 bytes each) unless the file is large enough to justify more,
// as in hdf5scan.
const maxGridPositions = 1 << 22

func newScanner(ctx context.Context, r io.ReaderAt, f *file, opts Options) *scanner {
	return &scanner{
		ctx: ctx, r: r, f: f, opts: opts,
		res:        &format.Result{Set: refs.NewSet()},
		splitAbove: splitAbove, chunkTarget: chunkTarget, chunkFloor: chunkFloor,
	}
}

func (s *scanner) scan() (*format.Result, error) {
	attrs, _ := s.zattrs(s.f.attrs, nil)
	s.res.Set.Groups[""] = &refs.Group{Attrs: attrs}
	for i := range s.f.vars {
		if err := s.ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.emit(i); err != nil {
			var ue *format.UnsupportedError
			var te *format.TruncatedError
			if errors.As(err, &te) {
				if !s.opts.SkipUnsupported {
					te.Reading = "/" + s.f.vars[i].name
					return nil, te
				}
				s.res.Damaged = append(s.res.Damaged, &format.DamagedError{File: s.f.name, Path: "/" + s.f.vars[i].name, Err: te})
				continue
			}
			if !errors.As(err, &ue) {
				return nil, err
			}
			ue.File, ue.Path = s.f.name, "/"+s.f.vars[i].name
			if !s.opts.SkipUnsupported {
				return nil, ue
			}
			s.res.Skipped = append(s.res.Skipped, ue)
		}
	}
	if err := s.readInline(); err != nil {
		return nil, err
	}
	s.res.Arrays = len(s.res.Set.Arrays)
	return s.res, nil
}

// end is where the header says the file ends: past the data of its last
// variable (the largest end within maxDataBytes).
func (f *file) end() int64 {
	var last int64
	for i := range f.vars {
		if e, ok := f.dataEnd(f.header, i); ok {
			last = max(last, e)
		}
	}
	return last
}

func (s *scanner) note(msg string, args ...any) {
	s.res.Notes = append(s.res.Notes, fmt.Sprintf(msg, args...))
}

// emit adds variable i's array: metadata, attributes and references.
func (s *scanner) emit(i int) error {
	v, vl := &s.f.vars[i], &s.f.varData[i]
	end, ok := s.f.dataEnd(s.f.header, i)
	if ok && end > s.f.size {
		return &format.TruncatedError{File: s.f.name, Size: s.f.size, Want: s.f.end(), Source: "the header"}
	}
	if !ok {
		what := "its data"
		if vl.record {
			what = fmt.Sprintf("its record %d", s.f.records-1)
		}
		return &format.UnsupportedError{Feature: fmt.Sprintf("%s ends past byte %d, past the end of the file (%d bytes): the file is truncated", what, int64(maxDataBytes), s.f.size)}
	}
	z := &refs.ZArray{
		ZarrFormat: 2, Order: "C",
		DType:     dtypeJSON[v.typ],
		FillValue: nullJSON,
		Shape:     make([]int64, len(vl.shape)),
		Chunks:    make([]int64, len(vl.shape)),
	}
	for axis, n := range vl.shape {
		z.Shape[axis] = int64(n) // at most 2^63-1 (decoder.count), or numrecs within the file
		z.Chunks[axis] = max(z.Shape[axis], 1)
	}
	var fill *attribute
	for j := range v.attrs {
		if a := &v.attrs[j]; a.name == "_FillValue" {
			if fv, ok := a.fillValue(v.typ); ok {
				z.FillValue, fill = fv, a
			} else {
				s.note("/%s: _FillValue of type %s with %d values does not match the variable's %s: kept as an attribute, fill_value null", v.name, a.typ, a.n, v.typ)
			}
			break
		}
	}
	var m *refs.Manifest
	var err error
	queued := len(s.inline)
	if vl.record {
		m, err = s.recordChunks(v, vl, z)
	} else {
		m, err = s.contiguousChunks(v, vl, z)
	}
	if err != nil {
		return err
	}
	if n := len(s.inline) - queued; n > 0 {
		m.Inline = make(map[int][]byte, n) // readInline fills it
	}
	attrs, buf := s.zattrs(v.attrs, fill)
	start := len(buf)
	buf = append(buf, '[')
	for axis, id := range v.dimids {
		if axis > 0 {
			buf = append(buf, ", "...)
		}
		buf = refs.AppendString(buf, s.f.dims[id].name)
	}
	attrs["_ARRAY_DIMENSIONS"] = append(buf, ']')[start:]
	// z's raw fragments, dtype and fill_value, are made valid above (a
	// type string, strconv's numbers, refs.FillFloat, a JSON string):
	// no writer can fail on them.
	s.res.Set.PutArray(v.name, z, attrs, m)
	s.res.Chunks += m.Len()
	return nil
}

// zattrs encodes attributes, the first of a repeated name winning as in
// netCDF-C's lookup, leaving out skip (a _FillValue that became the
// fill_value). The values share one buffer, returned for more.
func (s *scanner) zattrs(list []attribute, skip *attribute) (refs.Attrs, []byte) {
	out := make(refs.Attrs, len(list)+1)
	buf := make([]byte, 0, 64+32*len(list))
	for i := range list {
		a := &list[i]
		if _, seen := out[a.name]; seen || a == skip {
			continue
		}
		start := len(buf)
		buf = a.appendJSON(buf)
		out[a.name] = buf[start:len(buf):len(buf)]
	}
	return out, buf
}

// newManifest makes the manifest of z's chunk grid, bounded in size.
func (s *scanner) newManifest(z *refs.ZArray) (*refs.Manifest, error) {
	grid := z.Grid()
	limit := max(maxGridPositions, uint64(s.f.size)/8)
	if n, ok := refs.GridSize(grid, limit); !ok {
		return nil, &format.UnsupportedError{Feature: fmt.Sprintf("a chunk grid of %v chunks (shape %v, chunks %v) is larger than a dense manifest may be (%d positions, %d here)", grid, z.Shape, z.Chunks, limit, n)}
	}
	return refs.NewManifest(grid), nil
}

// recordChunks references a record variable one record per chunk (chunk
// shape [1, rest...]): records of different variables are interleaved, so
// a record is the most that is contiguous. One record per chunk also lets
// files with different numbers of records be combined along the record
// dimension, as Zarr v2 wants one chunk shape along a dimension.
func (s *scanner) recordChunks(v *variable, vl *varLayout, z *refs.ZArray) (*refs.Manifest, error) {
	z.Chunks[0] = 1
	m, err := s.newManifest(z)
	if err != nil {
		return nil, err
	}
	for r := range m.Len() {
		s.setChunk(m, r, v.begin+int64(r)*s.f.recsize, vl.nbytes)
	}
	return m, nil
}

// contiguousChunks references a non-record variable's contiguous data as
// one chunk or, when large, as chunks of whole rows (see splitAbove).
func (s *scanner) contiguousChunks(v *variable, vl *varLayout, z *refs.ZArray) (*refs.Manifest, error) {
	chunkBytes := vl.nbytes
	if len(vl.shape) > 0 && vl.nbytes > s.splitAbove {
		n := vl.shape[0]
		rowBytes := vl.nbytes / int64(n)
		rows := rowsPerChunk(n, rowBytes, s.chunkTarget, s.chunkFloor)
		z.Chunks[0] = int64(rows)
		chunkBytes = int64(rows) * rowBytes
	}
	m, err := s.newManifest(z)
	if err != nil {
		return nil, err
	}
	for k := range m.Len() {
		s.setChunk(m, k, v.begin+int64(k)*chunkBytes, chunkBytes)
	}
	return m, nil
}

// rowsPerChunk is the largest divisor of n whose rows of rowBytes stay
// within target bytes (1 when one row exceeds it), or n when that gives
// chunks under floor.
func rowsPerChunk(n uint64, rowBytes, target, floor int64) uint64 {
	best := uint64(1)
	consider := func(d uint64) {
		if d > best && d <= uint64(target/rowBytes) {
			best = d
		}
	}
	for d := uint64(1); d <= n/d; d++ {
		if n%d == 0 {
			consider(d)
			consider(n / d)
		}
	}
	if int64(best)*rowBytes < floor {
		return n
	}
	return best
}

// setChunk references n bytes at off as chunk i, or queues them to be
// inlined when they are fewer than the inline threshold.
func (s *scanner) setChunk(m *refs.Manifest, i int, off, n int64) {
	if n < int64(s.opts.InlineThreshold) {
		s.inline = append(s.inline, inlineChunk{m: m, i: i, off: off, n: n})
		return
	}
	m.SetRange(i, s.opts.URL, off, n)
}
