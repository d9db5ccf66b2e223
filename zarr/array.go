package zarr

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"gokerchunk/blob"
	"gokerchunk/refs"
)

// maxChunkBytes bounds the decoded size of one chunk, so that a corrupt
// .zarray cannot make a reader allocate without bound. numcodecs' Blosc has
// the same 2 GiB limit, so no real Zarr v2 chunk is larger.
const maxChunkBytes = 1 << 31

// decodeSlack is how many bytes a stage of the pipeline may produce beyond
// the decoded chunk size: checksum filters (fletcher32 adds 4) shrink data
// on decode, so their input is slightly larger than the chunk.
const decodeSlack = 1024

// Array is one Zarr v2 array of a Store. Its methods are safe for
// concurrent use.
type Array struct {
	Path  string
	Meta  *refs.ZArray
	DType DType
	// Fill is one element holding the fill value, encoded in DType (byte
	// order included), or nil when fill_value is null. It is nil for object
	// arrays, whose fill value is a string (see ReadStrings).
	Fill []byte

	chunks     chunkIndex
	grid       []int
	opener     *blob.Opener
	stages     []stage
	chunkElems int // elements in one chunk
	chunkBytes int // decoded size of one chunk; 0 for object arrays

	// Object arrays only: the codec that turns the output of stages into
	// strings, and the string of missing chunks (fillErr when fill_value
	// is not a string).
	objects    objectCodec
	fillString string
	fillErr    error
}

// ErrObjectArray is returned by the byte-oriented reads (Read, ReadAll,
// ReadChunk, DecodeChunk) of an object ("|O") array, whose elements are
// strings: use ReadStrings and DecodeStrings.
var ErrObjectArray = errors.New("object (|O) array: its elements are strings, read them with ReadStrings")

func newArray(set *refs.Set, path string, o *blob.Opener) (*Array, error) {
	z, err := set.ZArray(path)
	if err != nil {
		return nil, err
	}
	dt, err := ParseDTypeJSON(z.DType)
	if err != nil {
		return nil, err
	}
	a := &Array{Path: path, Meta: z, DType: dt, opener: o}
	if a.stages, err = newPipeline(z); err != nil {
		return nil, err
	}
	for k, s := range a.stages {
		oc, ok := s.codec.(objectCodec)
		switch {
		case !ok:
		case dt.Kind != 'O':
			return nil, fmt.Errorf("codec %s: %v (dtype %s)", s.id, errObjectCodec, dt.Str)
		case k != len(a.stages)-1:
			return nil, fmt.Errorf("codec %s: %v (it is not the first filter)", s.id, errObjectCodec)
		default:
			a.objects = oc
			a.stages = a.stages[:k]
		}
	}
	// Object elements are counted as one byte each: their decoded size
	// is not fixed, but is never less than that.
	unit := int64(max(dt.Size, 1))
	elems, ok := refs.GridSize(z.Chunks, uint64(maxChunkBytes/unit))
	if !ok {
		return nil, fmt.Errorf("chunks %v of %d-byte items exceed %d bytes", z.Chunks, unit, int64(maxChunkBytes))
	}
	n := int64(elems) * unit
	a.chunkElems = int(elems)
	if dt.Kind == 'O' {
		if err := a.initObjects(); err != nil {
			return nil, err
		}
	} else {
		a.chunkBytes = int(n)
		if a.Fill, err = ParseFill(z.FillValue, dt); err != nil {
			return nil, err
		}
	}
	a.grid = z.Grid()
	if a.chunks, err = chunkIndexOf(set.Arrays[path], a.grid); err != nil {
		return nil, err
	}
	if got := a.chunks.Grid(); !slices.Equal(got, a.grid) {
		return nil, fmt.Errorf("manifest grid %v does not match the chunk grid %v of shape %v and chunks %v", got, a.grid, z.Shape, z.Chunks)
	}
	return a, nil
}

// chunkIndex finds a chunk's reference by its C-order position: a dense
// Manifest, or SparseChunks for a grid too large for one.
type chunkIndex interface {
	Grid() []int
	Len() int
	Chunk(i int) (refs.Ref, bool)
	ChunkKey(path string, i int, sep string) string
	Stored() int
	Each(fn func(i int, ref refs.Ref) error) error
}

// manifestIndex is a Manifest as a chunkIndex.
type manifestIndex struct{ *refs.Manifest }

func (m manifestIndex) Grid() []int { return m.Manifest.Grid }

func (m manifestIndex) Each(fn func(i int, ref refs.Ref) error) error {
	for i := range m.Len() {
		if ref, ok := m.Chunk(i); ok {
			if err := fn(i, ref); err != nil {
				return err
			}
		}
	}
	return nil
}

// chunkIndexOf is the chunk index of array a (nil: no chunks) of grid.
func chunkIndexOf(a *refs.Array, grid []int) (chunkIndex, error) {
	switch {
	case a == nil || a.Manifest == nil && a.Source == nil:
		return manifestIndex{refs.NewManifest(grid)}, nil
	case a.Manifest != nil:
		return manifestIndex{a.Manifest}, nil
	}
	if sp, ok := a.Source.(*refs.SparseChunks); ok {
		return sp, nil
	}
	// References produced on demand (combine's spilled inputs): read
	// whole, as the arrays read through a Store are.
	m, err := refs.ReadManifest(a.Source)
	if err != nil {
		return nil, err
	}
	return manifestIndex{m}, nil
}

// NumChunks is the number of chunk positions in the chunk grid.
func (a *Array) NumChunks() int { return a.chunks.Len() }

// StoredChunks is the number of chunks that exist.
func (a *Array) StoredChunks() int { return a.chunks.Stored() }

// EachChunk calls fn with the position and reference of each chunk that
// exists, in C order; an error from fn stops it.
func (a *Array) EachChunk(fn func(i int, ref refs.Ref) error) error { return a.chunks.Each(fn) }

// ChunkBytes is the decoded size of one chunk: the product of the chunk
// shape and the item size. Edge chunks are stored at full size too. It is
// 0 for object arrays, whose chunks decode to strings.
func (a *Array) ChunkBytes() int { return a.chunkBytes }

// ChunkElements is the number of elements in one chunk: the product of the
// chunk shape.
func (a *Array) ChunkElements() int { return a.chunkElems }

// ChunkKey is the key of chunk i, the way a Zarr client names it.
func (a *Array) ChunkKey(i int) string {
	return a.chunks.ChunkKey(a.Path, i, a.Meta.Separator())
}

// RawChunk returns the stored (encoded) bytes of chunk i, the linear C-order
// position in the chunk grid; ok is false when the chunk is missing. The
// bytes belong to the caller.
func (a *Array) RawChunk(ctx context.Context, i int) (data []byte, ok bool, err error) {
	if i < 0 || i >= a.chunks.Len() {
		return nil, false, fmt.Errorf("chunk %d of %s: outside the %d chunks of grid %v", i, a.Path, a.chunks.Len(), a.grid)
	}
	ref, ok := a.chunks.Chunk(i)
	if !ok {
		return nil, false, nil
	}
	if ref.URL == "" {
		// Copied so the caller cannot change the manifest through it.
		return append([]byte(nil), ref.Data...), true, nil
	}
	if a.opener == nil {
		return nil, false, fmt.Errorf("chunk %s refers to %s, but the store has no opener", a.ChunkKey(i), ref.URL)
	}
	r, err := a.opener.Open(ctx, ref.URL)
	if err != nil {
		return nil, false, fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
	}
	n := ref.Length
	if n < 0 { // kerchunk's [url]: the whole target
		n = r.Size() - ref.Offset
	}
	data, err = blob.ReadRange(ctx, r, ref.URL, ref.Offset, n)
	if err != nil {
		return nil, false, fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
	}
	return data, true, nil
}

// DecodeChunk runs stored chunk bytes through the array's codec pipeline.
// The result has exactly ChunkBytes bytes, or DecodeChunk fails saying how
// many it got. Without codecs the result is raw itself.
func (a *Array) DecodeChunk(raw []byte) ([]byte, error) {
	if a.objects != nil {
		return nil, ErrObjectArray
	}
	var scratch [2][]byte
	return a.decode(raw, &scratch)
}

func (a *Array) decode(raw []byte, scratch *[2][]byte) ([]byte, error) {
	out, err := decodeStages(a.stages, raw, a.chunkBytes+decodeSlack, scratch)
	if err != nil {
		return nil, err
	}
	if len(out) != a.chunkBytes {
		return nil, fmt.Errorf("decoded chunk has %d bytes, want %d (chunks %v of %d-byte %s)",
			len(out), a.chunkBytes, a.Meta.Chunks, a.DType.Size, a.DType.Str)
	}
	return out, nil
}

// ReadChunk returns the decoded bytes of chunk i; a missing chunk is made
// of the fill value (zero bytes when there is none).
func (a *Array) ReadChunk(ctx context.Context, i int) ([]byte, error) {
	if a.objects != nil {
		return nil, fmt.Errorf("chunk %d of %s: %w", i, a.Path, ErrObjectArray)
	}
	raw, ok, err := a.RawChunk(ctx, i)
	if err != nil {
		return nil, err
	}
	if !ok {
		out := make([]byte, a.chunkBytes)
		fillRun(out, a.Fill)
		return out, nil
	}
	out, err := a.DecodeChunk(raw)
	if err != nil {
		return nil, fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
	}
	return out, nil
}

// fillRun repeats the element fill over b; a nil fill leaves b as it is.
func fillRun(b, fill []byte) {
	if len(fill) == 0 || len(b) == 0 {
		return
	}
	n := copy(b, fill)
	for n < len(b) {
		n += copy(b[n:], b[:n])
	}
}

// elements is the product of dims, or an error when their bytes at
// itemSize each would overflow an int.
func elements(dims []int64, itemSize int) (int64, error) {
	n, ok := refs.GridSize(dims, uint64(math.MaxInt/itemSize))
	if !ok {
		return 0, fmt.Errorf("%v elements of %d bytes overflow", dims, itemSize)
	}
	return int64(n), nil
}
