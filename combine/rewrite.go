package combine

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// maxRewriteBytes bounds the decoded bytes one combine rewrites inline
// (Options.RewriteMismatched): past it, converting the files is the
// better answer, and the output would hold the data itself.
const maxRewriteBytes = 1 << 30

// rewrite is how an array whose inputs store it in more than one layout
// is joined: one layout is kept, the output's .zarray, and every input
// stored otherwise is decoded and written inline in it.
type rewrite struct {
	target *refs.ZArray        // the .zarray of an input whose layout is kept
	odd    map[*inputInfo]bool // the inputs stored otherwise
	kept   int                 // how many inputs have the layout kept
}

// layoutOf is what tells apart inputs that store the same values
// differently: chunk shape, dtype (byte order), memory order and codecs.
// A netCDF-3 file stores numbers big-endian, uncompressed, one record a
// chunk; a netCDF-4 one usually little-endian, compressed, in chunks of
// its own.
func layoutOf(z *refs.ZArray) string {
	return fmt.Sprint(z.Chunks, " ", string(compact(z.DType)), " ", z.Order, z.Separator(), " ", codecString(z.Compressor), " ", codecString(z.Filters))
}

// describeLayout says a layout in words for notes and errors.
func describeLayout(z *refs.ZArray) string {
	var ids []string
	for _, c := range append(slices.Clone(z.Filters), z.Compressor) {
		if c != nil {
			ids = append(ids, c.ID())
		}
	}
	codecs := "no codecs"
	if len(ids) > 0 {
		codecs = strings.Join(ids, "+")
	}
	return fmt.Sprintf("%s, chunks %v, %s", compact(z.DType), z.Chunks, codecs)
}

// planRewrite decides how to join an array its inputs store in several
// layouts, when Options.RewriteMismatched allows it; nil when they store
// it alike (or rewriting is not allowed: checkZArray then explains).
// Only the layout may differ: the dtype's values, the fill value and the
// shape (checkZArray) must agree.
func (c *combiner) planRewrite(path string) (*rewrite, error) {
	if !c.opts.RewriteMismatched {
		return nil, nil
	}
	first := c.inputs[0]
	a := first.arrays[path]
	var keys []string
	groups := map[string][]*inputInfo{}
	for _, in := range c.inputs {
		k := layoutOf(in.arrays[path].z)
		if groups[k] == nil {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], in)
	}
	if len(keys) == 1 {
		return nil, nil
	}
	want, err := zarr.ParseDTypeJSON(a.z.DType)
	if err != nil {
		return nil, &Error{Inputs: []string{first.Name}, Variable: path, Err: err}
	}
	if want.Kind == 'O' && a.axis >= 0 {
		return nil, &Error{Inputs: []string{first.Name}, Variable: path, Reason: fmt.Sprintf(
			"stored in %d layouts; variable-length strings (|O) are not rewritten: store the inputs alike first", len(keys))}
	}
	for _, in := range c.inputs[1:] {
		b := in.arrays[path].z
		got, err := zarr.ParseDTypeJSON(b.DType)
		if err != nil {
			return nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
		}
		if !zarr.SameValues(want, got) {
			return nil, &Error{Inputs: []string{first.Name, in.Name}, Variable: path, Reason: fmt.Sprintf(
				"dtypes %s and %s hold different values; rewriting changes how values are stored, not their type", want.Str, got.Str)}
		}
		if !bytes.Equal(compact(a.z.FillValue), compact(b.FillValue)) {
			return nil, &Error{Inputs: []string{first.Name, in.Name}, Variable: path, Reason: fmt.Sprintf(
				".zarray fill_value: %s and %s differ", a.z.FillValue, b.FillValue)}
		}
	}
	pick := func(k string) *rewrite {
		r := &rewrite{target: groups[k][0].arrays[path].z, odd: map[*inputInfo]bool{}, kept: len(groups[k])}
		for _, other := range keys {
			if other != k {
				for _, in := range groups[other] {
					r.odd[in] = true
				}
			}
		}
		return r
	}
	if a.axis < 0 {
		// Taken from the first input; the others are compared with it by
		// value (checkStatic), never written.
		return pick(layoutOf(a.z)), nil
	}
	// Keep the layout that leaves the most values referenced, among those
	// every input can be stored in.
	best, bestValues := "", -1.0
	var why []string
	for _, k := range keys {
		z := groups[k][0].arrays[path].z
		if err := c.canHold(path, z); err != nil {
			why = append(why, fmt.Sprintf("not %s (%s): %v", describeLayout(z), groups[k][0].Name, err))
			continue
		}
		values := 0.0
		for _, in := range groups[k] {
			values += elementCount(in.arrays[path].z.Shape)
		}
		if values > bestValues {
			best, bestValues = k, values
		}
	}
	if best == "" {
		return nil, &Error{Inputs: []string{first.Name}, Variable: path, Reason: fmt.Sprintf(
			"stored in %d layouts, and no one of them can hold every input: %s", len(keys), strings.Join(why, "; "))}
	}
	return pick(best), nil
}

// canHold reports why the inputs could not all be stored in layout z: a
// codec combine cannot write, or chunks along the concat dim that an
// input but the last does not fill whole (Zarr v2 has one chunk length
// per dimension).
func (c *combiner) canHold(path string, z *refs.ZArray) error {
	if err := zarr.CanEncode(z); err != nil {
		return err
	}
	axis := c.inputs[0].arrays[path].axis
	chunk := z.Chunks[axis]
	for _, in := range c.inputs[:len(c.inputs)-1] {
		if steps := in.arrays[path].z.Shape[axis]; steps%chunk != 0 {
			return fmt.Errorf("%s holds %d steps along %s, not a whole number of chunks of %d", in.Name, steps, c.axis.dim, chunk)
		}
	}
	return nil
}

// elementCount is the number of elements of shape, as a float so that no
// shape overflows it.
func elementCount(shape []int64) float64 {
	n := 1.0
	for _, d := range shape {
		n *= float64(d)
	}
	return n
}

// rewriteParts decodes the array of every input stored otherwise and
// writes it inline in the layout kept, one manifest each (nil for the
// inputs keeping theirs).
func (c *combiner) rewriteParts(ctx context.Context, path string, r *rewrite) ([]*refs.Manifest, error) {
	var decoded float64
	var names []string
	for _, in := range c.inputs {
		if r.odd[in] {
			decoded += elementCount(in.arrays[path].z.Shape)
			names = append(names, in.Name)
		}
	}
	dt, err := zarr.ParseDTypeJSON(r.target.DType)
	if err != nil {
		return nil, &Error{Inputs: names[:1], Variable: path, Err: err}
	}
	decoded *= float64(dt.Size)
	if c.rewritten+decoded > maxRewriteBytes {
		return nil, &Error{Inputs: names, Variable: path, Reason: fmt.Sprintf(
			"rewriting these inputs inline would hold %.0f MiB of data in the output, more than %d MiB; "+
				"store them as the others are first (nccopy -k nc4 -d/-s/-c, or -k classic)", (c.rewritten+decoded)/(1<<20), maxRewriteBytes>>20)}
	}
	c.rewritten += decoded

	parts := make([]*refs.Manifest, len(c.inputs))
	var chunks, stored atomic.Int64
	err = parallel(ctx, indexes(len(c.inputs)), c.opts.Workers, func(ctx context.Context, k int) error {
		in := c.inputs[k]
		if !r.odd[in] {
			return nil
		}
		m, n, err := c.rewriteInput(ctx, in, path, r.target, dt)
		if err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: path, Reason: "rewriting it in the layout of " + describeLayout(r.target), Err: err}
		}
		parts[k] = m
		chunks.Add(int64(m.Stored()))
		stored.Add(int64(n))
		return nil
	})
	if err != nil {
		return nil, err
	}
	var from []string
	for _, in := range c.inputs {
		if r.odd[in] {
			from = append(from, describeLayout(in.arrays[path].z))
		}
	}
	slices.Sort(from)
	c.notef("%s: %d of %d inputs store it otherwise (%s); their values were decoded and written inline in the layout of the other %d (%s): %d chunks, %.1f KiB",
		path, len(names), len(c.inputs), strings.Join(slices.Compact(from), "; "), r.kept, describeLayout(r.target), chunks.Load(), float64(stored.Load())/1024)
	return parts, nil
}

// rewriteInput reads an input's array and stores it chunk by chunk in
// the layout of target: read a slab at a time, brought into target's byte
// order, cut into target's chunks (padded to whole chunks at the edges)
// and encoded with target's codecs. A chunk of
// nothing but the fill value is left out, as it reads the same. It
// returns the manifest and the bytes stored.
func (c *combiner) rewriteInput(ctx context.Context, in *inputInfo, path string, target *refs.ZArray, to zarr.DType) (*refs.Manifest, int, error) {
	arr, err := c.store(in).Array(path)
	if err != nil {
		return nil, 0, err
	}
	z := *target
	z.Shape = in.arrays[path].z.Shape
	fill, err := zarr.ParseFill(z.FillValue, to)
	if err != nil {
		return nil, 0, err
	}
	m := refs.NewManifest(z.Grid())
	// Read in slabs along the first axis whose thickness is a whole
	// number of both the input's chunks and the target's, the other axes
	// whole: every chunk of the input is then decoded once, however the
	// two chunkings differ, and memory holds one slab.
	nd := len(z.Shape)
	rows := lcm(z.Chunks[0], in.arrays[path].z.Chunks[0])
	inner := len(m.Target) / max(m.Grid[0], 1) // chunks per target chunk along the first axis
	slabStart, slabCount := make([]int64, nd), slices.Clone(z.Shape)
	start, count := make([]int64, nd), make([]int64, nd)
	stored := 0
	for r0 := int64(0); r0 < z.Shape[0]; r0 += rows {
		slabStart[0], slabCount[0] = r0, min(rows, z.Shape[0]-r0)
		slab, err := arr.Read(ctx, slabStart, slabCount)
		if err != nil {
			return nil, 0, err
		}
		if err := zarr.ToByteOrder(slab, arr.DType, to); err != nil {
			return nil, 0, err
		}
		first := int(r0/z.Chunks[0]) * inner
		last := int((r0+slabCount[0]+z.Chunks[0]-1)/z.Chunks[0]) * inner
		for i := first; i < last; i++ {
			if err := ctx.Err(); err != nil {
				return nil, 0, err
			}
			// Chunk i's region, its grid position taken apart in C
			// order; along the first axis relative to the slab.
			rest := i
			for d := nd - 1; d >= 0; d-- {
				start[d] = int64(rest%m.Grid[d]) * z.Chunks[d]
				count[d] = min(z.Chunks[d], z.Shape[d]-start[d])
				rest /= m.Grid[d]
			}
			start[0] -= r0
			chunk := chunkOf(slab, slabCount, start, count, z.Chunks, to.Size, fill)
			if fill != nil && onlyFill(chunk, fill) {
				continue
			}
			enc, err := zarr.EncodeChunk(&z, chunk)
			if err != nil {
				return nil, 0, err
			}
			m.SetInline(i, enc)
			stored += len(enc)
		}
	}
	return m, stored, nil
}

// lcm is the least common multiple of two chunk lengths.
func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

// chunkOf copies the region start, count of a slab of the given shape (C
// order, item-byte elements) into a chunk of the given shape, whose
// elements past the region hold the fill value (zero bytes without one):
// a Zarr v2 edge chunk is stored whole.
func chunkOf(slab []byte, shape, start, count, chunks []int64, item int, fill []byte) []byte {
	n := int64(item)
	for _, d := range chunks {
		n *= d
	}
	out := make([]byte, n)
	if fill != nil && !slices.Equal(count, chunks) {
		for i := 0; i < len(out); i += len(fill) {
			copy(out[i:], fill)
		}
	}
	nd := len(chunks)
	row := count[nd-1] * int64(item)
	if row == 0 {
		return out
	}
	// Row by row (a row runs along the last axis); idx is the row's
	// position in the region along the axes before it.
	idx := make([]int64, nd-1)
	for {
		from, to := int64(0), int64(0)
		for d := range nd - 1 {
			from = (from + start[d] + idx[d]) * shape[d+1]
			to = (to + idx[d]) * chunks[d+1]
		}
		from = (from + start[nd-1]) * int64(item)
		copy(out[to*int64(item):], slab[from:from+row])
		d := nd - 2
		for ; d >= 0; d-- {
			if idx[d]++; idx[d] < count[d] {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return out
		}
	}
}

// onlyFill reports whether every element of chunk is fill.
func onlyFill(chunk, fill []byte) bool {
	for i := 0; i < len(chunk); i += len(fill) {
		if !bytes.Equal(chunk[i:i+len(fill)], fill) {
			return false
		}
	}
	return true
}
