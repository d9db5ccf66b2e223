package combine

import (
	"context"
	"fmt"
	"math"
	"sync"

	"gokerchunk/blob"
	"gokerchunk/internal/pool"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// Options tune Combine.
type Options struct {
	// Dims are the dimensions the inputs are concatenated along, the
	// outermost first (as xarray's combine_nested concat_dim): with
	// member and time, the inputs are joined along time member by member,
	// then the members along member.
	Dims []Dim
	// ConcatDim and Coord are shorthand for one dimension the inputs
	// have, when Dims is empty: Dims = {{Name: ConcatDim, Coord: Coord}}.
	ConcatDim string
	Coord     CoordSpec
	// TimeUnits, when set, are the CF units of the output's time
	// coordinate; otherwise those of the first input in coordinate order
	// are kept.
	TimeUnits string
	// IdenticalDims, when not nil, lists the variables without ConcatDim
	// whose values are compared across inputs when their references
	// differ; any other such variable must then have identical references
	// in every input. When nil, every such variable is compared by value.
	IdenticalDims []string
	// Opener fetches the chunks combine reads (coordinates, variables
	// compared by value). It may be nil when every such chunk is inline.
	Opener *blob.Opener
	// Workers bounds how many inputs are read at once (0: 1).
	Workers int
	// RewriteMismatched lets inputs that store an array in other layouts
	// (byte order, chunks, codecs: netCDF-3 files among netCDF-4 ones) be
	// joined: the layout that leaves the most values referenced is kept,
	// and the other inputs' values are decoded and written inline in it
	// (at most 1 GiB of decoded values a join). Without it such inputs are
	// refused.
	RewriteMismatched bool
	// AppendTo names the input that is the set appended to (combine
	// --append): it has the Dims marked New already. With several dims
	// the inputs join it along the outermost (new members, say), each of
	// them covering its steps along the others.
	AppendTo string
}

// Result is a combined reference set and what was done to make it.
type Result struct {
	Set *refs.Set
	// Order lists the inputs' names in coordinate order (along the
	// innermost dimension within the outer ones).
	Order []string
	// Extent is the output's extent along the innermost concat dim, Outer
	// along the others, outermost first.
	Extent
	Outer []Extent
	// Notices are the conflicts combine resolved and what it changed, for
	// the user to read: attributes that differ (the first input's kept),
	// time units converted.
	Notices []string
}

// Extent is the output's length along one concat dim (Steps) and its
// first and last coordinate (dates for CF times).
type Extent struct {
	Dim         string
	Steps       int
	First, Last string
}

// combiner is the state of a join along one dimension.
type combiner struct {
	opts   Options
	inputs []*inputInfo // command-line order until ordered, then coordinate order
	axis   *axis

	// rewritten adds up the decoded bytes rewritten inline so far
	// (rewriteParts), which maxRewriteBytes bounds.
	rewritten float64

	mu      sync.Mutex
	stores  map[*inputInfo]*zarr.Store
	notices []string
}

// Combine merges inputs along opts.Dims. Inputs may come in any order:
// they are ordered by coordinate. It fails, naming the inputs, when they
// cannot be combined without guessing.
func Combine(ctx context.Context, inputs []Input, opts Options) (*Result, error) {
	dims := opts.Dims
	if len(dims) == 0 && opts.ConcatDim != "" {
		dims = []Dim{{Name: opts.ConcatDim, Coord: opts.Coord}}
	}
	if err := checkDims(dims); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("combine: no inputs")
	}
	inputs, err := addNewDims(inputs, dims, opts.TimeUnits, opts.AppendTo)
	if err != nil {
		return nil, err
	}
	return combineNested(ctx, inputs, dims, opts)
}

// combineAlong merges inputs along one dimension they have.
func combineAlong(ctx context.Context, inputs []Input, dim Dim, opts Options) (*Result, error) {
	c, err := newCombiner(ctx, inputs, dim, opts)
	if err != nil {
		return nil, err
	}
	if err := c.order(); err != nil {
		return nil, err
	}
	if err := c.firstUnits(); err != nil {
		return nil, err
	}
	out, err := c.build(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Set: out, Notices: c.notices, Extent: Extent{Dim: dim.Name}}
	for _, in := range c.inputs {
		res.Order = append(res.Order, in.Name)
		res.Steps += in.steps
	}
	res.First, res.Last = c.describe(c.inputs[0], 0), c.describe(c.inputs[len(c.inputs)-1], -1)
	return res, nil
}

// newCombiner reads the inputs' metadata and their coordinates along dim.
func newCombiner(ctx context.Context, inputs []Input, dim Dim, opts Options) (*combiner, error) {
	opts.ConcatDim, opts.Coord, opts.Dims = dim.Name, dim.Coord, nil
	if dim.New {
		// addNewDims gave the inputs the dimension and its coordinate
		// variable, read as any other.
		opts.Coord = CoordSpec{}
	}
	c := &combiner{opts: opts, stores: map[*inputInfo]*zarr.Store{}}
	c.inputs = make([]*inputInfo, len(inputs))
	err := parallel(ctx, indexes(len(inputs)), opts.Workers, func(_ context.Context, i int) error {
		info, err := parseInput(inputs[i], i, dim.Name)
		c.inputs[i] = info
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := c.coordinates(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// store returns the zarr view of an input, made once.
func (c *combiner) store(in *inputInfo) *zarr.Store {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.stores[in]
	if !ok {
		s = zarr.Open(in.Set, c.opts.Opener)
		c.stores[in] = s
	}
	return s
}

// notef records a notice.
func (c *combiner) notef(format string, args ...any) {
	c.mu.Lock()
	c.notices = append(c.notices, fmt.Sprintf(format, args...))
	c.mu.Unlock()
}

// describe formats the coordinate of step i of an input (negative i counts
// from the end) for messages.
func (c *combiner) describe(in *inputInfo, i int) string {
	if i < 0 {
		i += len(in.values)
	}
	if in.dates != nil {
		return in.dates[i]
	}
	return fmt.Sprint(in.values[i])
}

// parallel runs fn on every item with at most workers at once, returning
// the first error in item order (so the message does not depend on timing).
func parallel[T any](ctx context.Context, items []T, workers int, fn func(context.Context, T) error) error {
	errs := make([]error, len(items))
	pool.Each(len(items), workers, func(i int) {
		if ctx.Err() == nil {
			errs[i] = fn(ctx, items[i])
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

var nan = math.NaN()
