package combine

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// concat joins an array's references along the concat dim, input after
// input, and writes its .zarray with the combined length. The references
// are not copied: the output array is a concatSource, read when the output
// is written. With layouts (inputs that store the array differently), the
// output takes the layout kept and the inputs stored otherwise join as
// their chunks rewritten inline.
func (c *combiner) concat(ctx context.Context, out *refs.Set, path string, layouts *rewrite) error {
	first := c.inputs[0]
	a := first.arrays[path]
	ax := a.axis
	z := *a.z
	var rewritten []*refs.Manifest
	if layouts != nil {
		z = *layouts.target
		var err error
		if rewritten, err = c.rewriteParts(ctx, path, layouts); err != nil {
			return err
		}
	}
	chunk := z.Chunks[ax]
	var steps int64
	for _, in := range c.inputs {
		steps += in.arrays[path].z.Shape[ax]
	}
	z.Shape = slices.Clone(z.Shape)
	z.Shape[ax] = steps
	if _, err := z.Marshal(); err != nil {
		return err
	}
	out.Arrays[path].ZArray = &z

	parts := make([]refs.ChunkSource, len(c.inputs))
	for k, in := range c.inputs {
		if rewritten != nil && rewritten[k] != nil {
			parts[k] = (&refs.Array{Manifest: rewritten[k]}).Chunks()
			continue
		}
		if parts[k] = in.Set.Arrays[path].Chunks(); parts[k] == nil {
			parts[k] = (&refs.Array{Manifest: refs.NewManifest(in.arrays[path].z.Grid())}).Chunks()
		}
	}
	src, err := newConcatSource(z.Grid(), ax, parts)
	if err != nil {
		return fmt.Errorf("%s: joining along %s (chunk length %d): %w", path, c.axis.dim, chunk, err)
	}
	out.Arrays[path].Source = src
	return nil
}

// checkStatic requires an array without the concat dim to be the same in
// every input: the same references, or else (when allowed) the same
// values.
func (c *combiner) checkStatic(ctx context.Context, path string) error {
	first := c.inputs[0]
	byValue := c.opts.IdenticalDims == nil || slices.Contains(c.opts.IdenticalDims, path)
	var differ []*inputInfo
	want, err := manifestOf(first, path)
	if err != nil {
		return err
	}
	for _, in := range c.inputs[1:] {
		got, err := manifestOf(in, path)
		if err != nil {
			return err
		}
		if sameRefs(want, got) {
			continue
		}
		if !byValue {
			return &Error{Inputs: []string{first.Name, in.Name}, Variable: path, Reason: fmt.Sprintf(
				"has no %s dimension and its references differ; list it in --identical-dims to compare its values instead", c.axis.dim)}
		}
		differ = append(differ, in)
	}
	if len(differ) == 0 {
		return nil
	}
	wantValues, wantStrings, err := c.readValues(ctx, first, path)
	if err != nil {
		return err
	}
	// Each input its own file: read them in parallel (on S3, one round
	// trip each), as the coordinates are.
	return parallel(ctx, differ, c.opts.Workers, func(ctx context.Context, in *inputInfo) error {
		got, gotStrings, err := c.readValues(ctx, in, path)
		if err != nil {
			return err
		}
		// In the first input's byte order, when the inputs store the
		// same values differently (--rewrite-mismatched, planRewrite).
		if err := c.inOrderOf(first, in, path, got); err != nil {
			return err
		}
		if !bytes.Equal(wantValues, got) || !slices.Equal(wantStrings, gotStrings) {
			return &Error{Inputs: []string{first.Name, in.Name}, Variable: path, Reason: fmt.Sprintf(
				"has no %s dimension and its values differ between inputs", c.axis.dim)}
		}
		return nil
	})
}

// readValues reads a whole array of an input: bytes, or strings for an
// object array.
func (c *combiner) readValues(ctx context.Context, in *inputInfo, path string) ([]byte, []string, error) {
	arr, err := c.store(in).Array(path)
	if err != nil {
		return nil, nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
	}
	if arr.DType.Kind == 'O' {
		s, err := arr.ReadStrings(ctx)
		if err != nil {
			return nil, nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
		}
		return nil, s, nil
	}
	b, err := arr.ReadAll(ctx)
	if err != nil {
		return nil, nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
	}
	return b, nil, nil
}

// manifestOf returns an input's references of an array, read back from
// the spill when they are there; nil when it has none.
func manifestOf(in *inputInfo, path string) (*refs.Manifest, error) {
	a := in.Set.Arrays[path]
	if a.Manifest != nil || a.Source == nil {
		return a.Manifest, nil
	}
	m, err := refs.ReadManifest(a.Source)
	if err != nil {
		return nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
	}
	return m, nil
}

// sameRefs reports whether two manifests point every chunk at the same
// bytes.
func sameRefs(a, b *refs.Manifest) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !slices.Equal(a.Grid, b.Grid) {
		return false
	}
	for i := range a.Target {
		ra, oka := a.Chunk(i)
		rb, okb := b.Chunk(i)
		if oka != okb || ra.URL != rb.URL || ra.Offset != rb.Offset || ra.Length != rb.Length || !bytes.Equal(ra.Data, rb.Data) {
			return false
		}
	}
	return true
}

// inOrderOf brings values read from an input into the byte order of
// another input's dtype of the same array, when they differ only in it.
func (c *combiner) inOrderOf(want, in *inputInfo, path string, values []byte) error {
	to, err := zarr.ParseDTypeJSON(want.arrays[path].z.DType)
	if err != nil {
		return &Error{Inputs: []string{want.Name}, Variable: path, Err: err}
	}
	from, err := zarr.ParseDTypeJSON(in.arrays[path].z.DType)
	if err != nil {
		return &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
	}
	if values == nil || !zarr.SameValues(from, to) {
		return nil // compared as they are
	}
	if err := zarr.ToByteOrder(values, from, to); err != nil {
		return &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
	}
	return nil
}
