package hdf5scan

import (
	"bytes"
	"fmt"
	"math"
	"slices"

	"gokerchunk/refs"
)

// sparseChunks reads the chunk index of a chunked dataset whose grid has
// more positions than a dense manifest may: a 4 GiB dataset of small
// chunks of which few were written. The stored chunks go into m, one a
// slot in C order, and positions says where each lies in the grid; limit
// bounds the stored chunks.
func (s *scanner) sparseChunks(ds *variable, z *refs.ZArray, limit uint64) (m *refs.Manifest, positions []int, plan *codecPlan, err error) {
	if _, ok := refs.GridSize(z.Grid(), refs.MaxSparseGrid); !ok {
		return nil, nil, nil, errUnsupported(fmt.Sprintf("a chunk grid of %v chunks (shape %v, chunks %v) has more than %d positions, the most a sparse manifest may have", z.Grid(), z.Shape, z.Chunks, uint64(refs.MaxSparseGrid)))
	}
	nbytes := chunkBytes(z, ds.ztype.size)
	if nbytes > maxChunkBytes {
		return nil, nil, nil, s.f.formatError("data layout message", 0, "%s: chunks of %v elements exceed HDF5's 4 GiB chunk limit", ds.path, z.Chunks)
	}
	var recs []gridChunk
	if ds.layout.indexType != indexBTree1 || ds.layout.address != undefinedAddr {
		if recs, err = s.gridChunks(ds.dataset, z.Grid(), int(limit), nbytes); err != nil {
			return nil, nil, nil, err
		}
	}
	// C order, one entry a position: a damaged index that names a
	// position twice keeps its last entry, as a dense manifest would.
	slices.SortStableFunc(recs, func(a, b gridChunk) int { return a.linear - b.linear })
	kept := recs[:0]
	for _, r := range recs {
		if n := len(kept); n > 0 && kept[n-1].linear == r.linear {
			kept[n-1] = r
			continue
		}
		kept = append(kept, r)
	}
	recs = kept
	positions = make([]int, len(recs))
	for k := range recs {
		positions[k], recs[k].linear = recs[k].linear, k
	}
	m = refs.NewManifest([]int{len(recs)})
	if len(recs) == 0 {
		plan, err = newCodecPlan(ds.filters, 0, ds.dtype.size, ds.ztype.narrow)
	} else {
		plan, err = s.placeChunks(ds, m, recs, nbytes)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return m, positions, plan, nil
}

// sparseFills tells whether the never-written chunks of a sparse array
// read right without explicit chunks, which a sparse grid has too many
// positions for (fillUnwritten stores them for a dense one): only where
// fill_value is the value the source's readers return there.
func sparseFills(ds *variable, z *refs.ZArray, fl fills, stored int) error {
	if n, _ := refs.GridSize(z.Grid(), math.MaxInt); uint64(stored) == n {
		return nil // every chunk written
	}
	fillValueReads := func(want []byte) bool {
		return !ds.ztype.vlenString && fl.attr != nil && string(z.FillValue) != "null" && bytes.Equal(want, fl.attr)
	}
	extended := false // netCDF lengthened an axis past the HDF5 extent
	for a := 0; a < len(ds.space.dims) && a < len(z.Shape); a++ {
		extended = extended || uint64(z.Shape[a]) > ds.space.dims[a]
	}
	if fillValueReads(fl.stored) && (!extended || fillValueReads(fl.beyond)) {
		return nil
	}
	why := "it has no _FillValue attribute, so its fill_value is null and the source's readers return the HDF5 fill value there, unmasked"
	if fl.attr != nil {
		why = "its _FillValue differs from the value the source's readers return there"
	}
	return errUnsupported(fmt.Sprintf("a sparse chunk grid of %v chunks (shape %v, chunks %v) with %d stored: the never-written chunks would each need an explicit fill chunk, as %s",
		z.Grid(), z.Shape, z.Chunks, stored, why))
}
