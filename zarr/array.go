package zarr

import (
	"context"
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
	// order included), or nil when fill_value is null.
	Fill []byte

	manifest   *refs.Manifest
	opener     *blob.Opener
	stages     []stage
	chunkBytes int // decoded size of one chunk
}

func newArray(set *refs.Set, path string, o *blob.Opener) (*Array, error) {
	z, err := set.ZArray(path)
	if err != nil {
		return nil, err
	}
	s, ok := z.SimpleDType()
	if !ok {
		return nil, fmt.Errorf("dtype %s: structured dtypes are not supported", z.DType)
	}
	dt, err := ParseDType(s)
	if err != nil {
		return nil, err
	}
	fill, err := parseFill(z.FillValue, dt)
	if err != nil {
		return nil, err
	}
	stages, err := newPipeline(z)
	if err != nil {
		return nil, err
	}
	n := int64(dt.Size)
	for _, c := range z.Chunks {
		if c > maxChunkBytes/n {
			return nil, fmt.Errorf("chunks %v of %d-byte items exceed %d bytes", z.Chunks, dt.Size, int64(maxChunkBytes))
		}
		n *= c
	}
	grid := z.Grid()
	m := set.Arrays[path]
	if m == nil {
		m = refs.NewManifest(grid)
	} else if !slices.Equal(m.Grid, grid) {
		return nil, fmt.Errorf("manifest grid %v does not match the chunk grid %v of shape %v and chunks %v", m.Grid, grid, z.Shape, z.Chunks)
	}
	return &Array{
		Path: path, Meta: z, DType: dt, Fill: fill,
		manifest: m, opener: o, stages: stages, chunkBytes: int(n),
	}, nil
}

// NumChunks is the number of chunk positions in the chunk grid.
func (a *Array) NumChunks() int { return a.manifest.Len() }

// ChunkBytes is the decoded size of one chunk: the product of the chunk
// shape and the item size. Edge chunks are stored at full size too.
func (a *Array) ChunkBytes() int { return a.chunkBytes }

// chunkKey names chunk i in errors the way a Zarr client would.
func (a *Array) chunkKey(i int) string {
	return a.manifest.ChunkKey(a.Path, i, a.Meta.Separator())
}

// RawChunk returns the stored (encoded) bytes of chunk i, the linear C-order
// position in the chunk grid; ok is false when the chunk is missing. The
// bytes belong to the caller.
func (a *Array) RawChunk(ctx context.Context, i int) (data []byte, ok bool, err error) {
	if i < 0 || i >= a.manifest.Len() {
		return nil, false, fmt.Errorf("chunk %d of %s: outside the %d chunks of grid %v", i, a.Path, a.manifest.Len(), a.manifest.Grid)
	}
	ref, ok := a.manifest.Chunk(i)
	if !ok {
		return nil, false, nil
	}
	if ref.URL == "" {
		// Copied so the caller cannot change the manifest through it.
		return append([]byte(nil), ref.Data...), true, nil
	}
	if a.opener == nil {
		return nil, false, fmt.Errorf("chunk %s refers to %s, but the store has no opener", a.chunkKey(i), ref.URL)
	}
	r, err := a.opener.Open(ctx, ref.URL)
	if err != nil {
		return nil, false, fmt.Errorf("chunk %s: %w", a.chunkKey(i), err)
	}
	n := ref.Length
	if n < 0 { // kerchunk's [url]: the whole target
		n = r.Size() - ref.Offset
	}
	data, err = blob.ReadRange(ctx, r, ref.URL, ref.Offset, n)
	if err != nil {
		return nil, false, fmt.Errorf("chunk %s: %w", a.chunkKey(i), err)
	}
	return data, true, nil
}

// DecodeChunk runs stored chunk bytes through the array's codec pipeline.
// The result has exactly ChunkBytes bytes, or DecodeChunk fails saying how
// many it got. Without codecs the result is raw itself.
func (a *Array) DecodeChunk(raw []byte) ([]byte, error) {
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
		return nil, fmt.Errorf("chunk %s: %w", a.chunkKey(i), err)
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

// elements is the product of dims, or an error when it overflows.
func elements(dims []int64, itemSize int) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d != 0 && n > math.MaxInt64/d {
			return 0, fmt.Errorf("%v elements overflow", dims)
		}
		n *= d
	}
	if n > math.MaxInt/int64(itemSize) {
		return 0, fmt.Errorf("%v elements of %d bytes overflow", dims, itemSize)
	}
	return n, nil
}
