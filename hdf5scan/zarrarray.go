package hdf5scan

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// The translation of one dataset into a Zarr v2 array: its .zarray (dtype,
// shape, chunks, fill_value, filters), its .zattrs and its dense manifest,
// from the messages readDataset decoded and the chunks walkChunks yields.

// variable is a dataset as the translation presents it: its decoded
// messages and the Zarr element type chosen for them.
type variable struct {
	*dataset
	ztype *zarrType
}

// emitDataset translates one dataset into .zarray, .zattrs and its manifest.
func (s *scanner) emitDataset(o *object, attrs map[string]any) error {
	if name, _ := attrs["NAME"].(string); strings.HasPrefix(name, dimensionPlaceholder) {
		// A netCDF dimension without a coordinate variable: not an array.
		return nil
	}
	ds := o.ds
	if ds.invalid != nil {
		return ds.invalid
	}
	if ds.space.null {
		// HDF5's empty dataset (h5py.Empty): no shape and no elements,
		// which no Zarr array can be.
		s.note("%s has a null dataspace (no shape, no elements): not listed", o.path)
		return nil
	}
	dims, err := s.axisNames(o, ds, attrs)
	if err != nil {
		return err
	}
	zt, err := zarrTypeOf(ds.dtype)
	if err != nil {
		return err
	}
	v := &variable{dataset: ds, ztype: zt}
	z, err := s.zarrArray(o, v, attrs)
	if err != nil {
		return err
	}
	fl := s.datasetFills(ds, o)
	strFill, err := s.setFillValue(v, z, fl, attrs)
	if err != nil {
		return err
	}
	m, positions, plan, err := s.manifest(v, z)
	if err != nil {
		return err
	}
	if err := s.normalizeStrings(v, z, m, plan); err != nil {
		return err
	}
	za := s.arrayAttrs(o, v, attrs, fl, dims)
	if positions != nil {
		if err := sparseFills(v, z, fl, len(positions)); err != nil {
			return err
		}
		sparse, err := refs.NewSparseChunks(z.Grid(), positions, m)
		if err != nil {
			return err
		}
		return s.putArray(o, z, &refs.Array{Source: sparse}, za)
	}
	if err := s.fillUnwritten(v, z, m, plan, fl, strFill); err != nil {
		return err
	}
	return s.putArray(o, z, &refs.Array{Manifest: m}, za)
}

// axisNames names the dataset's axes, or reports why its data cannot be
// located. The names come first: netCDF-C numbers phony dimensions for
// every variable it lists, also those this scanner cannot represent.
func (s *scanner) axisNames(o *object, ds *dataset, attrs map[string]any) ([]string, error) {
	var dims []string
	if ds.storageErr == nil || netCDFListsType(ds.dtype) {
		var err error
		if dims, err = s.dimensionNames(o, ds, attrs); err != nil {
			return nil, err
		}
	}
	if ds.storageErr != nil {
		return nil, ds.storageErr
	}
	return dims, nil
}

// zarrArray builds the array's Zarr shape and chunk shape: the dataspace,
// then the dimensions of an array datatype as trailing axes, with chunks
// from the layout (or the external files' rows), and the shape lengthened
// to the netCDF dimensions.
func (s *scanner) zarrArray(o *object, ds *variable, attrs map[string]any) (*refs.ZArray, error) {
	zt := ds.ztype
	rank := len(ds.space.dims)
	zrank := rank + len(zt.extra)
	z := &refs.ZArray{ZarrFormat: 2, Order: "C", Shape: make([]int64, zrank), Chunks: make([]int64, zrank), DType: zt.dtype}
	for i, n := range zt.extra {
		if n < 1 {
			return nil, s.f.formatError("datatype message", s.f.abs(o.addr), "%s: array datatype dimension %d", o.path, n)
		}
		z.Shape[rank+i], z.Chunks[rank+i] = n, n
	}
	for i, n := range ds.space.dims {
		if n > math.MaxInt64/2 {
			return nil, s.f.formatError("dataspace message", s.f.abs(o.addr), "dimension %d of %s is %d", i, o.path, n)
		}
		z.Shape[i] = int64(n)
		z.Chunks[i] = max(int64(n), 1)
	}
	if ds.layout.class == layoutChunked {
		if len(ds.layout.chunk) != rank {
			return nil, s.f.formatError("data layout message", s.f.abs(o.addr), "%s: chunk rank %d, dataspace rank %d", o.path, len(ds.layout.chunk), rank)
		}
		if int(ds.layout.elemSize) != ds.dtype.size {
			return nil, s.f.formatError("data layout message", s.f.abs(o.addr), "%s: element size %d, datatype size %d", o.path, ds.layout.elemSize, ds.dtype.size)
		}
		for i, c := range ds.layout.chunk {
			z.Chunks[i] = int64(c)
		}
	}
	if ds.external != nil && rank > 0 {
		z.Chunks[0] = int64(ds.external.rows) // externalfiles.go
	}
	if s.netCDF {
		s.netCDFShape(o, z, attrs)
	}
	return z, nil
}

// netCDFShape lengthens z's shape to the netCDF dimensions: netCDF presents
// a variable with the length of its dimensions, which may exceed the
// dataset's extent; the rest reads as fill.
func (s *scanner) netCDFShape(o *object, z *refs.ZArray, attrs map[string]any) {
	for axis := range z.Shape {
		if axis < len(o.scales) && len(o.scales[axis]) > 0 {
			z.Shape[axis] = max(z.Shape[axis], int64(s.dimLen[o.scales[axis][len(o.scales[axis])-1]]))
		}
	}
	if class, _ := attrs["CLASS"].(string); class == "DIMENSION_SCALE" && len(o.ds.space.dims) == 1 {
		z.Shape[0] = max(z.Shape[0], int64(s.dimLen[o.addr]))
	}
}

// setFillValue sets z's fill_value and returns, for variable-length
// strings, the string that unwritten chunks hold.
func (s *scanner) setFillValue(ds *variable, z *refs.ZArray, fl fills, attrs map[string]any) (string, error) {
	var err error
	if ds.ztype.vlenString {
		var strFill string
		z.FillValue, strFill, err = s.stringFill(ds, attrs, fl.attr != nil)
		return strFill, err
	}
	z.FillValue, err = ds.ztype.zarrFill(fl, ds.dtype)
	return "", err
}

// manifest makes the array's manifest, bounded in size, fills it from the
// dataset's storage and sets z's filters to the codecs its chunks are read
// with. A chunked dataset whose grid is larger than a dense manifest may
// be gets a sparse one: m holds its stored chunks, one a slot, and
// positions their places in the grid (nil for a dense m).
func (s *scanner) manifest(ds *variable, z *refs.ZArray) (m *refs.Manifest, positions []int, plan *codecPlan, err error) {
	grid := z.Grid()
	bound := max(maxGridPositions, uint64(s.f.size)/8)
	limit := bound
	if s.opts.MaxDenseGrid > 0 {
		limit = s.opts.MaxDenseGrid
	}
	if n := gridPositions(grid, limit); n > limit {
		if ds.layout.class != layoutChunked {
			return nil, nil, nil, errUnsupported(fmt.Sprintf("a chunk grid of %v chunks (shape %v, chunks %v) is larger than a dense manifest may be (%d positions)", grid, z.Shape, z.Chunks, limit))
		}
		m, positions, plan, err = s.sparseChunks(ds, z, bound)
	} else {
		m = refs.NewManifest(grid)
		plan, err = s.addChunks(ds, z, m)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if plan != nil {
		z.Filters = plan.codecs
	}
	if ds.ztype.vlenString {
		z.Filters = []refs.Codec{{"id": "vlen-utf8"}}
	}
	return m, positions, plan, nil
}

// arrayAttrs is the array's .zattrs: the user attributes, without a
// _FillValue that became the fill_value, and _ARRAY_DIMENSIONS, which
// names the axes of an array datatype too.
func (s *scanner) arrayAttrs(o *object, ds *variable, attrs map[string]any, fl fills, dims []string) map[string]any {
	user := visibleAttrs(attrs)
	if fl.attr != nil {
		delete(user, "_FillValue")
	}
	for _, n := range ds.ztype.extra {
		dims = append(dims, s.phonyDim(o.group, uint64(n), false, dims))
	}
	user["_ARRAY_DIMENSIONS"] = dims
	return user
}

// putArray adds the array's documents and chunks (a's Manifest or
// Source) to the set.
func (s *scanner) putArray(o *object, z *refs.ZArray, a *refs.Array, attrs map[string]any) error {
	za, err := s.zattrs(attrs)
	if err != nil {
		return err
	}
	// Marshal checks the raw fragments (dtype, fill_value) once, here,
	// so that a writer cannot fail on them later.
	if _, err := z.Marshal(); err != nil {
		return err
	}
	a.ZArray, a.Attrs = z, za
	s.res.Set.Arrays[zarrPath(o.path)] = a
	stored, inline, _ := a.Counts()
	s.res.Chunks += stored
	s.res.Inlined += inline
	return nil
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// chunkBytes is the size of one uncompressed chunk, saturated just above
// maxChunkBytes so that absurd dimensions cannot overflow.
func chunkBytes(z *refs.ZArray, elemSize int) int64 {
	n, _ := refs.GridSize(append([]int64{int64(elemSize)}, z.Chunks...), maxChunkBytes+1)
	return int64(n)
}

// maxChunkBytes is HDF5's limit on the size of one chunk (32-bit sizes).
const maxChunkBytes = 1<<32 - 1

// addChunks fills the manifest from the dataset's storage and returns the
// codec plan for chunked data.
func (s *scanner) addChunks(ds *variable, z *refs.ZArray, m *refs.Manifest) (*codecPlan, error) {
	nbytes := chunkBytes(z, ds.ztype.size)
	if nbytes > maxChunkBytes && ds.layout.class == layoutChunked {
		return nil, s.f.formatError("data layout message", 0, "%s: chunks of %v elements exceed HDF5's 4 GiB chunk limit", ds.path, z.Chunks)
	}
	empty := false
	for _, n := range z.Shape {
		empty = empty || n == 0
	}
	switch ds.layout.class {
	case layoutCompact:
		if empty {
			return nil, nil
		}
		data := ds.layout.compact
		if int64(len(data)) != nbytes {
			return nil, s.f.formatError("data layout message", 0, "%s: compact data of %d bytes, want %d", ds.path, len(data), nbytes)
		}
		if ds.ztype.vlenString {
			budget := s.maxDecodedInline()
			return nil, s.embedStrings(ds, m, 0, data, &budget)
		}
		data = append([]byte(nil), data...)
		if ds.ztype.narrow != nil {
			widen(ds.ztype.narrow, data)
		}
		m.SetInline(0, data)
		return nil, nil
	case layoutContiguous:
		if ds.external != nil && ds.ztype.narrow != nil {
			return nil, errUnsupported("n-bit integers or floats in external data files (the values would need widening)")
		}
		if ds.external != nil {
			return nil, s.addExternalChunks(ds.dataset, z, m)
		}
		if ds.layout.address == undefinedAddr || empty {
			return nil, nil // never written: every element is the fill value
		}
		if ds.layout.size < uint64(nbytes) {
			return nil, s.f.formatError("data layout message", 0, "%s: contiguous storage of %d bytes, want %d", ds.path, ds.layout.size, nbytes)
		}
		if ds.ztype.vlenString || ds.ztype.narrow != nil {
			// Values to embed or widen: decoded as one chunk.
			return s.placeChunks(ds, m, []gridChunk{{addr: ds.layout.address, size: nbytes}}, nbytes)
		}
		return nil, s.setChunk(m, 0, ds.layout.address, nbytes)
	case layoutChunked:
		if ds.layout.indexType == indexBTree1 && ds.layout.address == undefinedAddr {
			return newCodecPlan(ds.filters, 0, ds.dtype.size, ds.ztype.narrow)
		}
		recs, err := s.gridChunks(ds.dataset, m.Grid, m.Len(), nbytes)
		if err != nil {
			return nil, err
		}
		return s.placeChunks(ds, m, recs, nbytes)
	}
	return nil, errUnsupported(ds.layout.describe() + " layout")
}

// setChunk references (or inlines, below the threshold) n bytes at addr.
func (s *scanner) setChunk(m *refs.Manifest, i int, addr uint64, n int64) error {
	off := s.f.abs(addr)
	if addr == undefinedAddr || off < 0 || n < 0 || off+n > s.f.size {
		return s.f.formatError("chunk", off, "%d bytes at %d lie outside the file (size %d)", n, off, s.f.size)
	}
	if n < int64(s.opts.InlineThreshold) {
		data, err := s.f.read("chunk", addr, int(n))
		if err != nil {
			return err
		}
		m.SetInline(i, data)
		return nil
	}
	m.SetRange(i, s.opts.URL, off, n)
	return nil
}

// gridChunk is a stored chunk at its position in the manifest.
type gridChunk struct {
	linear int
	addr   uint64
	size   int64
	mask   uint32
}

// gridChunks reads the dataset's chunk index and places each chunk in
// grid: HDF5's chunk coordinates are the Zarr chunk indices, with 0 along
// the trailing axes of an array datatype. Chunks beyond the grid (a v1
// B-tree keeps those of a dataset that shrank) are left out. More than
// maxChunks chunks is an error.
func (s *scanner) gridChunks(ds *dataset, grid []int, maxChunks int, nbytes int64) ([]gridChunk, error) {
	p := &gridPlacer{s: s, ds: ds, grid: grid, maxChunks: maxChunks}
	if len(ds.layout.chunk) < len(grid) {
		p.idx = make([]int, len(grid))
	}
	if err := s.f.walkChunks(s.ctx, ds, nbytes, p); err != nil {
		return nil, err
	}
	return p.recs, nil
}

// gridPlacer is the chunkSink of gridChunks.
type gridPlacer struct {
	s         *scanner
	ds        *dataset
	grid      []int
	idx       []int // Zarr chunk indices, when the array has trailing axes
	maxChunks int
	recs      []gridChunk
}

func (p *gridPlacer) chunk(r chunkRecord) error {
	for i, c := range r.coords {
		if c >= p.grid[i] {
			return nil
		}
	}
	idx := r.coords
	if p.idx != nil {
		copy(p.idx, r.coords)
		idx = p.idx
	}
	p.recs = append(p.recs, gridChunk{linear: refs.Linear(p.grid, idx), addr: r.addr, size: r.size, mask: r.mask})
	if len(p.recs) > p.maxChunks {
		return p.s.f.formatError("chunk index", p.s.f.abs(p.ds.layout.address), "%s: more than %d chunks, the most its grid %v or a manifest may hold", p.ds.path, p.maxChunks, p.grid)
	}
	return nil
}

// placeChunks turns placed chunks into manifest entries. Zarr v2 has one
// codec list per array, so the most common filter mask decides it; chunks
// stored with another mask are decoded and re-encoded to match, and inlined.
func (s *scanner) placeChunks(ds *variable, m *refs.Manifest, recs []gridChunk, nbytes int64) (*codecPlan, error) {
	counts := map[uint32]int{}
	var common uint32
	for _, r := range recs {
		counts[r.mask]++
		if counts[r.mask] > counts[common] || (counts[r.mask] == counts[common] && r.mask < common) {
			common = r.mask
		}
	}
	if ds.ztype.vlenString {
		return nil, s.embedChunks(ds, m, recs, nbytes)
	}
	plan, err := s.codecPlan(ds, common, recs)
	if err != nil {
		return nil, err
	}
	if plan.zfp != nil {
		return plan, s.inlineZFP(ds, m, recs, plan, nbytes)
	}
	var reencoded int64
	for _, r := range recs {
		size := r.size
		if len(ds.filters) == 0 {
			size = nbytes // unfiltered chunks are always stored whole
		}
		if r.mask != common || plan.reencodeAll {
			if reencoded += nbytes; reencoded > s.maxDecodedInline() {
				if plan.reencodeAll {
					why := plan.why
					if why == "" {
						why = fmt.Sprintf("filters %s cannot be expressed with numcodecs", describeFilters(ds.filters))
					}
					return nil, errUnsupported(fmt.Sprintf("%s and the data is too large (over %d MiB) to inline", why, s.maxDecodedInline()>>20))
				}
				return nil, errUnsupported(fmt.Sprintf("%d chunks stored with filter mask %#x, too many to re-encode and inline", counts[r.mask], r.mask))
			}
			stored, err := s.f.read("chunk", r.addr, int(size))
			if err != nil {
				return nil, err
			}
			data, err := plan.reencode(stored, r.mask, ds.dtype.size, int(nbytes)+checksumSlack)
			if err != nil {
				return nil, s.chunkError(r, err)
			}
			m.SetInline(r.linear, data)
			continue
		}
		if plan.trimChecksum {
			size -= 4
		}
		if err := s.setChunk(m, r.linear, r.addr, size); err != nil {
			return nil, err
		}
	}
	return plan, nil
}

// gridPositions is the number of chunk positions of grid, saturated at
// limit+1 so that absurd grids cannot overflow.
func gridPositions(grid []int, limit uint64) uint64 {
	n, _ := refs.GridSize(grid, limit)
	return n
}

// maxGridPositions bounds the chunk positions of one array's dense
// manifest (about 20 bytes each) unless the file is large enough to
// justify more: a corrupt dataspace must not make the scanner allocate
// terabytes. Past it a chunked dataset gets a sparse manifest, whose
// stored chunks the same bound limits.
const maxGridPositions = 1 << 22

// checksumSlack is room, beyond a chunk's size, for the checksums that
// filters such as fletcher32 append before later filters run.
const checksumSlack = 64

// defaultMaxDecodedInline bounds the data that re-encoding or embedding may
// inline for one dataset unless Options say otherwise: beyond it the dataset
// is reported instead of bloating the JSON.
const defaultMaxDecodedInline = 16 << 20

func (s *scanner) maxDecodedInline() int64 {
	if s.opts.MaxDecodedInline > 0 {
		return s.opts.MaxDecodedInline
	}
	return defaultMaxDecodedInline
}

// embedChunks reads, unfilters and embeds every chunk of a string dataset.
func (s *scanner) embedChunks(ds *variable, m *refs.Manifest, recs []gridChunk, nbytes int64) error {
	budget := s.maxDecodedInline()
	for _, r := range recs {
		size := r.size
		if len(ds.filters) == 0 {
			size = nbytes
		}
		stored, err := s.f.read("chunk", r.addr, int(size))
		if err != nil {
			return err
		}
		raw, err := unfilter(ds.filters, stored, r.mask, ds.dtype.size, int(nbytes)+checksumSlack)
		if err != nil {
			return s.chunkError(r, err)
		}
		if int64(len(raw)) != nbytes {
			return s.f.formatError("chunk", s.f.abs(r.addr), "%s: chunk of %d bytes unfiltered, want %d", ds.path, len(raw), nbytes)
		}
		if err := s.embedStrings(ds, m, r.linear, raw, &budget); err != nil {
			return err
		}
	}
	return nil
}

// chunkError says why a stored chunk the scan had to decode did not: a
// filter the scanner cannot run stays unsupported, anything else means the
// chunk is damaged, which costs its dataset only (a *format.Error).
func (s *scanner) chunkError(r gridChunk, err error) error {
	var ue *format.UnsupportedError
	if errors.As(err, &ue) {
		return err
	}
	return s.f.formatError("chunk", s.f.abs(r.addr), "filter mask %#x: does not decode: %v", r.mask, err)
}

func describeFilters(filters []filter) string {
	names := make([]string, len(filters))
	for i, flt := range filters {
		names[i] = knownFilterNames[flt.id]
		if names[i] == "" {
			names[i] = fmt.Sprint(flt.id)
		}
	}
	return strings.Join(names, " → ")
}
