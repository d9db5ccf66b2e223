package combine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Dim is one dimension to concatenate along.
type Dim struct {
	Name string
	// Coord says where the coordinate values along Name come from.
	Coord CoordSpec
	// New: the inputs do not have the dimension; each input is one step
	// along it, its value from Coord (regex, attr or index). It is added
	// to every array that has one of the other concat dims (to every
	// array but the dimension coordinates when there are none), with its
	// coordinate written inline.
	New bool
}

// checkDims refuses an empty or repeated dimension, and a new one whose
// values would come from variables the inputs do not have.
func checkDims(dims []Dim) error {
	if len(dims) == 0 {
		return fmt.Errorf("combine: no concat dimension")
	}
	seen := map[string]bool{}
	for _, d := range dims {
		switch {
		case d.Name == "":
			return fmt.Errorf("combine: a concat dimension has no name")
		case seen[d.Name]:
			return fmt.Errorf("combine: dimension %q is named twice", d.Name)
		case d.New && d.Coord.Kind != CoordRegex && d.Coord.Kind != CoordAttr && d.Coord.Kind != CoordIndex:
			return fmt.Errorf("combine: new dimension %q takes its values from the file name (regex:RE), a global attribute (attr:NAME) or the input order (index)", d.Name)
		}
		seen[d.Name] = true
	}
	return nil
}

// combineNested joins inputs along several dimensions, as xarray's
// combine_nested does: the inputs are grouped by their coordinate along
// the outermost dimension, each group joined along the others, and the
// groups then joined along the outermost. Every check of a join applies
// along each dimension; the groups must agree along the inner ones (no
// input missing from one group and not the others).
func combineNested(ctx context.Context, inputs []Input, dims []Dim, opts Options) (*Result, error) {
	if len(dims) == 1 {
		return combineAlong(ctx, inputs, dims[0], opts)
	}
	outer := dims[0]
	groups, err := groupAlong(ctx, inputs, outer, opts)
	if err != nil {
		return nil, err
	}
	inner := opts
	// Within a group every input holds the same coordinate along the outer
	// dims, each from its own file: compare those by value.
	if inner.IdenticalDims != nil {
		inner.IdenticalDims = append(slices.Clone(inner.IdenticalDims), outer.Name)
	}
	parts := make([]*Result, len(groups))
	joined := make([]Input, len(groups))
	for g, members := range groups {
		res, err := combineNested(ctx, members, dims[1:], inner)
		if err != nil {
			return nil, err
		}
		parts[g] = res
		joined[g] = Input{Name: groupName(outer.Name, res.Order), Set: res.Set}
	}
	if err := sameExtents(parts, joined); err != nil {
		return nil, err
	}
	res, err := combineAlong(ctx, joined, outer, opts)
	if err != nil {
		return nil, err
	}
	// The groups in the order the outer join put them.
	byName := map[string]*Result{}
	for g, in := range joined {
		byName[in.Name] = parts[g]
	}
	out := &Result{Set: res.Set, Extent: parts[0].Extent, Outer: append([]Extent{res.Extent}, parts[0].Outer...)}
	seen := map[string]bool{}
	for _, name := range res.Order {
		part := byName[name]
		out.Order = append(out.Order, part.Order...)
		for _, n := range part.Notices {
			if !seen[n] {
				seen[n] = true
				out.Notices = append(out.Notices, n)
			}
		}
	}
	out.Notices = append(out.Notices, res.Notices...)
	return out, nil
}

// groupAlong groups the inputs by their coordinate values along dim, in
// the order of the groups' first input given.
func groupAlong(ctx context.Context, inputs []Input, dim Dim, opts Options) ([][]Input, error) {
	c, err := newCombiner(ctx, inputs, dim, opts)
	if err != nil {
		return nil, err
	}
	key := func(in *inputInfo) string {
		var b strings.Builder
		for _, v := range in.values {
			fmt.Fprintf(&b, "%x,", math.Float64bits(v))
		}
		return b.String()
	}
	index := map[string]int{}
	var groups [][]Input
	for k, in := range c.inputs {
		g, ok := index[key(in)]
		if !ok {
			g = len(groups)
			index[key(in)] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], inputs[k])
	}
	return groups, nil
}

// groupName names a group of inputs joined along the inner dims in
// messages: the outer dim, then its first and last input.
func groupName(dim string, order []string) string {
	if len(order) == 1 {
		return order[0]
	}
	return fmt.Sprintf("%s .. %s (%d inputs, one %s)", order[0], order[len(order)-1], len(order), dim)
}

// sameExtents requires the groups to cover the same steps along every
// inner dim: a group with fewer or other steps lacks an input (or has one
// too many), which a join along the outer dim could only fill with guesses.
func sameExtents(parts []*Result, joined []Input) error {
	want := append([]Extent{parts[0].Extent}, parts[0].Outer...)
	for g, p := range parts[1:] {
		got := append([]Extent{p.Extent}, p.Outer...)
		for d := range want {
			if got[d] != want[d] {
				return &Error{Inputs: []string{joined[0].Name, joined[g+1].Name}, Variable: want[d].Dim, Reason: fmt.Sprintf(
					"the groups cover different steps along %s: %d (%s .. %s) and %d (%s .. %s); an input is missing from one of them, or one too many",
					want[d].Dim, want[d].Steps, want[d].First, want[d].Last, got[d].Steps, got[d].First, got[d].Last)}
			}
		}
	}
	return nil
}
