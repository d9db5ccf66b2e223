package zarrcheck

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"gokerchunk/cftime"
)

// ConcatAxis tells Concat how one array of a combined reference set relates
// to its sources.
type ConcatAxis struct {
	// Axis is the position of the concat dimension in the array's
	// dimensions, -1 when the array does not have it (every source must
	// then hold the same values).
	Axis int
	// Units and Calendar are the CF time units of the combined array when
	// its values are times (the coordinate, its bounds): each source's
	// values are converted from the source's own units before they are
	// joined. Empty when the values are joined as stored.
	Units, Calendar string
	// Bounds names the coordinate whose units a bounds variable without
	// units of its own takes (CF 7.1).
	Bounds string
	// Type is the combined array's element type, which converted times
	// are written in.
	Type ElemType
}

// concatSource presents sources, in coordinate order, as the one dataset a
// combined reference set describes.
type concatSource struct {
	sources []Source
	names   []string
	axes    map[string]ConcatAxis
	vars    []Variable
	// steps holds, for each variable with the concat axis, every
	// source's length along it.
	steps map[string][]int64
}

// Concat joins sources along a dimension for checking a combined reference
// set. dim names the coordinate variable the sources are ordered by: its
// first value in each source, converted to the combined units when it is a
// CF time. Sources without it keep the order given. Every variable must be
// in every source with the same type and, but along the concat axis, the
// same shape.
func Concat(ctx context.Context, sources []Source, names []string, dim string, axes map[string]ConcatAxis) (Source, []string, error) {
	c := &concatSource{sources: slices.Clone(sources), names: slices.Clone(names), axes: axes, steps: map[string][]int64{}}
	if err := c.order(ctx, dim); err != nil {
		return nil, nil, err
	}
	lists := make([]map[string]Variable, len(c.sources))
	for k, s := range c.sources {
		vars, err := s.Variables(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", c.names[k], err)
		}
		lists[k] = map[string]Variable{}
		for _, v := range vars {
			lists[k][v.Path] = v
		}
	}
	for path, v := range lists[0] {
		ax, ok := axes[path]
		if !ok {
			ax.Axis = -1
		}
		if v.Unreadable != nil {
			v.Unreadable = fmt.Errorf("%s: %w", c.names[0], v.Unreadable)
		}
		joined := ax.Axis >= 0 && ax.Axis < len(v.Shape)
		var steps []int64
		if joined {
			steps = []int64{v.Shape[ax.Axis]}
		}
		for k := 1; k < len(c.sources) && v.Unreadable == nil; k++ {
			w, ok := lists[k][path]
			if !ok {
				return nil, nil, fmt.Errorf("variable /%s is in %s, not in %s", path, c.names[0], c.names[k])
			}
			if w.Unreadable != nil {
				// One source's damaged object leaves the joined
				// variable unchecked, not the whole check.
				v = Variable{Path: path, Unreadable: fmt.Errorf("%s: %w", c.names[k], w.Unreadable)}
				break
			}
			if len(w.Shape) != len(v.Shape) || (ax.Units == "" && w.Type.Name != v.Type.Name) {
				return nil, nil, fmt.Errorf("variable /%s: %s and %s differ in type or rank", path, c.names[0], c.names[k])
			}
			for d := range v.Shape {
				if d != ax.Axis && v.Shape[d] != w.Shape[d] {
					return nil, nil, fmt.Errorf("variable /%s: shapes %v in %s and %v in %s", path, v.Shape, c.names[0], w.Shape, c.names[k])
				}
			}
			if joined {
				v.Shape = slices.Clone(v.Shape)
				v.Shape[ax.Axis] += w.Shape[ax.Axis]
				steps = append(steps, w.Shape[ax.Axis])
			}
		}
		if joined && v.Unreadable == nil {
			c.steps[path] = steps
		}
		if ax.Units != "" && v.Unreadable == nil {
			v.Type = ax.Type
		}
		c.vars = append(c.vars, v)
	}
	sort.Slice(c.vars, func(i, j int) bool { return c.vars[i].Path < c.vars[j].Path })
	return c, c.names, nil
}

// order sorts the sources by their first coordinate along dim.
func (c *concatSource) order(ctx context.Context, dim string) error {
	ax, ok := c.axes[dim]
	if !ok || len(c.sources) < 2 {
		return nil
	}
	first := make([]float64, len(c.sources))
	for k := range c.sources {
		vals, err := c.numbers(ctx, k, dim, ax)
		if err != nil || len(vals) == 0 {
			return nil // no coordinate of their own: the order given
		}
		first[k] = vals[0]
	}
	idx := make([]int, len(c.sources))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return first[idx[i]] < first[idx[j]] })
	srcs, names := make([]Source, len(idx)), make([]string, len(idx))
	for i, k := range idx {
		srcs[i], names[i] = c.sources[k], c.names[k]
	}
	c.sources, c.names = srcs, names
	return nil
}

// numbers reads a numeric variable of source k as float64, converted to
// the combined CF units when ax has them.
func (c *concatSource) numbers(ctx context.Context, k int, path string, ax ConcatAxis) ([]float64, error) {
	src := c.sources[k]
	vars, err := src.Variables(ctx)
	if err != nil {
		return nil, err
	}
	var v *Variable
	for i := range vars {
		if vars[i].Path == path {
			v = &vars[i]
		}
	}
	if v == nil {
		return nil, fmt.Errorf("%s: no variable /%s", c.names[k], path)
	}
	raw, err := src.Read(ctx, path, nil, nil)
	if err != nil {
		return nil, err
	}
	vals, err := hostNumbers(raw, v.Type)
	if err != nil {
		return nil, fmt.Errorf("%s: /%s: %w", c.names[k], path, err)
	}
	if ax.Units == "" {
		return vals, nil
	}
	ta, ok := src.(TextAttrs)
	if !ok {
		return nil, fmt.Errorf("%s: the source cannot read the units of /%s", c.names[k], path)
	}
	unitsOf := path
	if _, has, _ := ta.TextAttr(path, "units"); !has && ax.Bounds != "" {
		unitsOf = ax.Bounds
	}
	units, _, err := ta.TextAttr(unitsOf, "units")
	if err != nil {
		return nil, err
	}
	calendar, _, err := ta.TextAttr(unitsOf, "calendar")
	if err != nil {
		return nil, err
	}
	from, err := cftime.ParseUnits(units, calendar)
	if err != nil {
		return nil, fmt.Errorf("%s: /%s: %w", c.names[k], unitsOf, err)
	}
	to, err := cftime.ParseUnits(ax.Units, ax.Calendar)
	if err != nil {
		return nil, fmt.Errorf("combined /%s: %w", path, err)
	}
	for i, x := range vals {
		if x != x { // NaN: a missing time stays missing
			continue
		}
		if vals[i], err = from.Convert(x, to); err != nil {
			return nil, fmt.Errorf("%s: /%s: %w", c.names[k], path, err)
		}
	}
	return vals, nil
}

func (c *concatSource) Variables(ctx context.Context) ([]Variable, error) {
	return slices.Clone(c.vars), ctx.Err()
}

func (c *concatSource) variable(path string) (Variable, ConcatAxis, error) {
	i := sort.Search(len(c.vars), func(i int) bool { return c.vars[i].Path >= path })
	if i == len(c.vars) || c.vars[i].Path != path {
		return Variable{}, ConcatAxis{}, fmt.Errorf("no variable /%s in %s", path, strings.Join(c.names, ", "))
	}
	ax, ok := c.axes[path]
	if !ok {
		ax.Axis = -1
	}
	return c.vars[i], ax, nil
}

// Read joins the sources' values along the concat axis; a variable without
// it must read the same in every source. A region reads from each source
// the part of it that source holds.
func (c *concatSource) Read(ctx context.Context, path string, start, count []int64) ([]byte, error) {
	v, ax, err := c.variable(path)
	if err != nil {
		return nil, err
	}
	r, _, err := regionOf(v.Shape, start, count, v.Type.Size)
	if err != nil {
		return nil, fmt.Errorf("/%s: %w", path, err)
	}
	steps, joined := c.steps[path]
	parts := make([][]byte, 0, len(c.sources))
	var first int64 // the source's first step along the axis
	for k, s := range c.sources {
		sub, shape := r, v.Shape
		if joined {
			n := steps[k]
			from := max(r.Start[ax.Axis], first)
			to := min(r.Start[ax.Axis]+r.Count[ax.Axis], first+n)
			shape = slices.Clone(v.Shape)
			shape[ax.Axis] = n
			sub = region{Start: slices.Clone(r.Start), Count: slices.Clone(r.Count)}
			sub.Start[ax.Axis], sub.Count[ax.Axis] = from-first, to-from
			first += n
			if from >= to {
				continue // the region holds none of this source's steps
			}
		}
		var part []byte
		if ax.Units != "" {
			// Times converted from the source's units: read whole
			// (coordinates and their bounds are small) and cut.
			vals, err := c.numbers(ctx, k, path, ax)
			if err != nil {
				return nil, err
			}
			whole, err := hostEncode(vals, v.Type)
			if err != nil {
				return nil, fmt.Errorf("/%s: %w", path, err)
			}
			part = extractRegion(whole, shape, sub, v.Type.Size)
		} else if part, err = s.Read(ctx, path, sub.Start, sub.Count); err != nil {
			return nil, err
		}
		parts = append(parts, part)
	}
	return joinParts(parts, Variable{Shape: r.Count}, ax, c.names, path)
}

// ReadStrings joins string variables the way Read joins numbers.
func (c *concatSource) ReadStrings(ctx context.Context, path string) ([]string, error) {
	v, ax, err := c.variable(path)
	if err != nil {
		return nil, err
	}
	parts := make([][]string, len(c.sources))
	for k, s := range c.sources {
		if parts[k], err = s.ReadStrings(ctx, path); err != nil {
			return nil, err
		}
	}
	return joinParts(parts, v, ax, c.names, path)
}

// joinParts concatenates the sources' C-order values along ax.Axis: for
// each index of the dimensions before it, every source's block in turn.
// Without the axis, all parts must be equal and the first is returned.
func joinParts[T byte | string](parts [][]T, v Variable, ax ConcatAxis, names []string, path string) ([]T, error) {
	if ax.Axis < 0 || ax.Axis >= len(v.Shape) {
		for k := 1; k < len(parts); k++ {
			if !slices.Equal(parts[0], parts[k]) {
				return nil, fmt.Errorf("/%s has no concat dimension and differs between %s and %s", path, names[0], names[k])
			}
		}
		return parts[0], nil
	}
	outer := int64(1)
	for _, d := range v.Shape[:ax.Axis] {
		outer *= d
	}
	if outer == 0 {
		return []T{}, nil
	}
	total := 0
	for _, p := range parts {
		total += len(p)
	}
	out := make([]T, 0, total)
	for o := range outer {
		for _, p := range parts {
			block := int64(len(p)) / outer
			out = append(out, p[o*block:(o+1)*block]...)
		}
	}
	return out, nil
}

func (c *concatSource) Close() error {
	var errs []error
	for _, s := range c.sources {
		if err := s.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// hostNumbers converts values in the host's byte order to float64.
func hostNumbers(raw []byte, t ElemType) ([]float64, error) {
	if (t.Kind != 'i' && t.Kind != 'u' && t.Kind != 'f') || t.Size == 0 {
		return nil, fmt.Errorf("type %s is not numeric", t.Name)
	}
	n := len(raw) / t.Size
	out := make([]float64, n)
	le := binary.NativeEndian
	for i := range out {
		b := raw[i*t.Size:]
		switch {
		case t.Kind == 'f' && t.Size == 8:
			out[i] = math.Float64frombits(le.Uint64(b))
		case t.Kind == 'f' && t.Size == 4:
			out[i] = float64(math.Float32frombits(le.Uint32(b)))
		case t.Kind == 'i' && t.Size == 1:
			out[i] = float64(int8(b[0]))
		case t.Kind == 'u' && t.Size == 1:
			out[i] = float64(b[0])
		case t.Kind == 'i' && t.Size == 2:
			out[i] = float64(int16(le.Uint16(b)))
		case t.Kind == 'u' && t.Size == 2:
			out[i] = float64(le.Uint16(b))
		case t.Kind == 'i' && t.Size == 4:
			out[i] = float64(int32(le.Uint32(b)))
		case t.Kind == 'u' && t.Size == 4:
			out[i] = float64(le.Uint32(b))
		case t.Kind == 'i' && t.Size == 8:
			out[i] = float64(int64(le.Uint64(b)))
		case t.Kind == 'u' && t.Size == 8:
			out[i] = float64(le.Uint64(b))
		default:
			return nil, fmt.Errorf("type %s is not supported", t.Name)
		}
	}
	return out, nil
}

// hostEncode writes float64 values in type t, host byte order.
func hostEncode(vals []float64, t ElemType) ([]byte, error) {
	out := make([]byte, len(vals)*t.Size)
	le := binary.NativeEndian
	for i, x := range vals {
		b := out[i*t.Size:]
		switch {
		case t.Kind == 'f' && t.Size == 8:
			le.PutUint64(b, math.Float64bits(x))
		case t.Kind == 'f' && t.Size == 4:
			le.PutUint32(b, math.Float32bits(float32(x)))
		case (t.Kind == 'i' || t.Kind == 'u') && t.Size == 8:
			le.PutUint64(b, uint64(int64(x)))
		case (t.Kind == 'i' || t.Kind == 'u') && t.Size == 4:
			le.PutUint32(b, uint32(int64(x)))
		case (t.Kind == 'i' || t.Kind == 'u') && t.Size == 2:
			le.PutUint16(b, uint16(int64(x)))
		case (t.Kind == 'i' || t.Kind == 'u') && t.Size == 1:
			b[0] = byte(int64(x))
		default:
			return nil, fmt.Errorf("cannot write times as %s", t.Name)
		}
	}
	return out, nil
}
