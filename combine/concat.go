package combine

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"gokerchunk/refs"
)

// concat joins an array's manifests along the concat dim, input after
// input, and writes its .zarray with the combined length. Chunk indices
// shift by the chunks the inputs before hold; targets are renumbered into
// one table of distinct URLs.
func (c *combiner) concat(out *refs.Set, path string) error {
	first := c.inputs[0]
	a := first.arrays[path]
	ax := a.axis
	chunk := a.z.Chunks[ax]
	var steps int64
	for _, in := range c.inputs {
		steps += in.arrays[path].z.Shape[ax]
	}
	z := *a.z
	z.Shape = slices.Clone(a.z.Shape)
	z.Shape[ax] = steps
	if _, err := z.Marshal(); err != nil {
		return err
	}
	out.Arrays[path].ZArray = &z

	grid := z.Grid()
	m := refs.NewManifest(grid)
	outer, inner := 1, 1
	for d, g := range grid {
		switch {
		case d < ax:
			outer *= g
		case d > ax:
			inner *= g
		}
	}
	urls := map[string]int32{}
	var remap []int32
	offset := 0 // chunks along the axis held by the inputs before
	for _, in := range c.inputs {
		src := in.Set.Arrays[path].Manifest
		if src == nil {
			src = refs.NewManifest(in.arrays[path].z.Grid())
		}
		remap = remap[:0]
		for _, u := range src.URLs {
			i, ok := urls[u]
			if !ok {
				i = int32(len(m.URLs))
				m.URLs = append(m.URLs, u)
				urls[u] = i
			}
			remap = append(remap, i)
		}
		g := src.Grid[ax]
		for o := range outer {
			for j := range g {
				from := (o*g + j) * inner
				to := (o*grid[ax] + offset + j) * inner
				for r := range inner {
					t := src.Target[from+r]
					switch {
					case t >= 0:
						t = remap[t]
					case t == refs.InlineChunk:
						m.Inline[to+r] = src.Inline[from+r]
					}
					m.Target[to+r] = t
					m.Offset[to+r] = src.Offset[from+r]
					m.Length[to+r] = src.Length[from+r]
				}
			}
		}
		offset += g
	}
	if offset != grid[ax] {
		return fmt.Errorf("%s: %d chunks along %s after joining, the grid has %d (chunk length %d)", path, offset, c.axis.dim, grid[ax], chunk)
	}
	out.Arrays[path].Manifest = m
	return nil
}

// checkStatic requires an array without the concat dim to be the same in
// every input: the same references, or else (when allowed) the same
// values.
func (c *combiner) checkStatic(ctx context.Context, path string) error {
	first := c.inputs[0]
	byValue := c.opts.IdenticalDims == nil || slices.Contains(c.opts.IdenticalDims, path)
	var differ []*inputInfo
	for _, in := range c.inputs[1:] {
		if sameRefs(first.Set.Arrays[path].Manifest, in.Set.Arrays[path].Manifest) {
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
	want, wantStrings, err := c.readValues(ctx, first, path)
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
		if !bytes.Equal(want, got) || !slices.Equal(wantStrings, gotStrings) {
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
