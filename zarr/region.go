package zarr

import (
	"context"
	"fmt"
)

// Read returns the region of count elements from start along each
// dimension, in C order, with elements in the array's own byte order. It
// fetches and decodes only the chunks the region overlaps, one at a time,
// and trims edge chunks to the array's shape.
func (a *Array) Read(ctx context.Context, start, count []int64) ([]byte, error) {
	shape := a.Meta.Shape
	rank := len(shape)
	if len(start) != rank || len(count) != rank {
		return nil, fmt.Errorf("read %s: start %v and count %v for a %d-dimensional array", a.Path, start, count, rank)
	}
	for d := range rank {
		if start[d] < 0 || count[d] < 0 || start[d] > shape[d] || count[d] > shape[d]-start[d] {
			return nil, fmt.Errorf("read %s: region start %v count %v lies outside shape %v", a.Path, start, count, shape)
		}
	}
	n, err := elements(count, a.DType.Size)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", a.Path, err)
	}
	item := int64(a.DType.Size)
	out := make([]byte, n*item)
	if n == 0 {
		return out, nil
	}

	chunks := a.Meta.Chunks
	// Byte strides of the output region and of one decoded chunk.
	outStride := make([]int64, rank)
	chunkStride := make([]int64, rank)
	for s, t, d := item, item, rank-1; d >= 0; d-- {
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

	var scratch [2][]byte
	coords := append([]int(nil), first...)
	lo := make([]int64, rank) // the part of the region in this chunk
	hi := make([]int64, rank)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read %s: %w", a.Path, err)
		}
		i := a.manifest.Linear(coords)
		raw, ok, err := a.RawChunk(ctx, i)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", a.Path, err)
		}
		var chunk []byte
		if ok {
			if chunk, err = a.decode(raw, &scratch); err != nil {
				return nil, fmt.Errorf("read %s: chunk %s: %w", a.Path, a.chunkKey(i), err)
			}
		}
		for d := range rank {
			origin := int64(coords[d]) * chunks[d]
			lo[d] = max(start[d], origin)
			hi[d] = min(start[d]+count[d], origin+chunks[d])
		}
		forEachRun(lo, hi, func(x []int64, run int64) {
			var src, dst int64
			for d := range rank {
				src += (x[d] - int64(coords[d])*chunks[d]) * chunkStride[d]
				dst += (x[d] - start[d]) * outStride[d]
			}
			if chunk == nil {
				fillRun(out[dst:dst+run*item], a.Fill)
			} else {
				copy(out[dst:dst+run*item], chunk[src:src+run*item])
			}
		})
		if !nextCoords(coords, first, last) {
			return out, nil
		}
	}
}

// ReadAll returns the whole array in C order.
func (a *Array) ReadAll(ctx context.Context) ([]byte, error) {
	return a.Read(ctx, make([]int64, len(a.Meta.Shape)), a.Meta.Shape)
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
