package zarr

import (
	"context"
	"fmt"

	"gokerchunk/refs"
)

// Read returns the region of count elements from start along each
// dimension, in C order, with elements in the array's own byte order. It
// fetches and decodes only the chunks the region overlaps, one at a time,
// and trims edge chunks to the array's shape. Object arrays have no bytes
// to return: Read fails for them with ErrObjectArray.
func (a *Array) Read(ctx context.Context, start, count []int64) ([]byte, error) {
	if a.objects != nil {
		return nil, fmt.Errorf("read %s: %w", a.Path, ErrObjectArray)
	}
	n, err := a.regionElements(start, count, a.DType.Size)
	if err != nil {
		return nil, err
	}
	item := int64(a.DType.Size)
	out := make([]byte, n*item)
	if n == 0 {
		return out, nil
	}
	var (
		scratch [2][]byte
		chunk   []byte // the decoded chunk being copied from; nil for a missing one
	)
	load := func(i int) error {
		raw, ok, err := a.RawChunk(ctx, i)
		if err != nil {
			return err
		}
		chunk = nil
		if ok {
			if chunk, err = a.decode(raw, &scratch); err != nil {
				return fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
			}
		}
		return nil
	}
	copyRun := func(src, dst, n int64) {
		if chunk == nil {
			fillRun(out[dst*item:(dst+n)*item], a.Fill)
		} else {
			copy(out[dst*item:(dst+n)*item], chunk[src*item:(src+n)*item])
		}
	}
	if err := a.walkRegion(ctx, start, count, load, copyRun); err != nil {
		return nil, fmt.Errorf("read %s: %w", a.Path, err)
	}
	return out, nil
}

// ReadAll returns the whole array in C order.
func (a *Array) ReadAll(ctx context.Context) ([]byte, error) {
	return a.Read(ctx, make([]int64, len(a.Meta.Shape)), a.Meta.Shape)
}

// regionElements checks that the region lies inside the array and returns
// how many elements it holds, which must fit in memory at itemSize bytes
// each.
func (a *Array) regionElements(start, count []int64, itemSize int) (int64, error) {
	shape := a.Meta.Shape
	rank := len(shape)
	if len(start) != rank || len(count) != rank {
		return 0, fmt.Errorf("read %s: start %v and count %v for a %d-dimensional array", a.Path, start, count, rank)
	}
	for d := range rank {
		if start[d] < 0 || count[d] < 0 || start[d] > shape[d] || count[d] > shape[d]-start[d] {
			return 0, fmt.Errorf("read %s: region start %v count %v lies outside shape %v", a.Path, start, count, shape)
		}
	}
	n, err := elements(count, itemSize)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", a.Path, err)
	}
	return n, nil
}

// walkRegion visits, in C order, every chunk that the region of count
// elements from start overlaps (a checked, non-empty region): chunk(i) with
// the chunk's linear index, then run once for every contiguous run of the
// region inside that chunk, with src the run's first element in the chunk
// (C order over the full chunk shape), dst its first element in the region
// (C order over count) and n its length in elements.
func (a *Array) walkRegion(ctx context.Context, start, count []int64, chunk func(i int) error, run func(src, dst, n int64)) error {
	rank := len(start)
	chunks := a.Meta.Chunks
	// Element strides of the output region and of one chunk.
	outStride := make([]int64, rank)
	chunkStride := make([]int64, rank)
	for s, t, d := int64(1), int64(1), rank-1; d >= 0; d-- {
		outStride[d], chunkStride[d] = s, t
		s *= count[d]
		t *= chunks[d]
	}
	// The box of chunk coordinates that the region overlaps.
	first := make([]int, rank)
	last := make([]int, rank)
	for d := range rank {
		first[d] = int(start[d] / chunks[d])
		last[d] = int((start[d] + count[d] - 1) / chunks[d])
	}
	coords := append([]int(nil), first...)
	lo := make([]int64, rank) // the part of the region in this chunk
	hi := make([]int64, rank)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := chunk(refs.Linear(a.grid, coords)); err != nil {
			return err
		}
		for d := range rank {
			origin := int64(coords[d]) * chunks[d]
			lo[d] = max(start[d], origin)
			hi[d] = min(start[d]+count[d], origin+chunks[d])
		}
		forEachRun(lo, hi, func(x []int64, n int64) {
			var src, dst int64
			for d := range rank {
				src += (x[d] - int64(coords[d])*chunks[d]) * chunkStride[d]
				dst += (x[d] - start[d]) * outStride[d]
			}
			run(src, dst, n)
		})
		if !nextCoords(coords, first, last) {
			return nil
		}
	}
}

// forEachRun calls f for every contiguous run of the box [lo, hi): x is the
// run's first index and run its length along the last dimension. A
// 0-dimensional box is one run of one element.
func forEachRun(lo, hi []int64, f func(x []int64, run int64)) {
	rank := len(lo)
	if rank == 0 {
		f(nil, 1)
		return
	}
	x := append([]int64(nil), lo...)
	run := hi[rank-1] - lo[rank-1]
	for {
		f(x, run)
		d := rank - 2
		for ; d >= 0; d-- {
			x[d]++
			if x[d] < hi[d] {
				break
			}
			x[d] = lo[d]
		}
		if d < 0 {
			return
		}
	}
}

// nextCoords advances coords through the box [first, last] in C order and
// reports whether there was a next position.
func nextCoords(coords, first, last []int) bool {
	for d := len(coords) - 1; d >= 0; d-- {
		coords[d]++
		if coords[d] <= last[d] {
			return true
		}
		coords[d] = first[d]
	}
	return false
}
