package combine

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"

	"gokerchunk/refs"
)

// addNewDims gives every input the dimensions it does not have (Dim.New):
// one step along each, its value from the input's name, a global attribute
// or its position, held in a coordinate variable of its own. The inputs
// then join along them as along any dimension they have.
// appendTo names an input combined before (combine --append's output),
// which has the new dims already and is taken as it is.
func addNewDims(inputs []Input, dims []Dim, timeUnits, appendTo string) ([]Input, error) {
	var existing []string
	for _, d := range dims {
		if !d.New {
			existing = append(existing, d.Name)
		}
	}
	out := slices.Clone(inputs)
	// Each is put in front, the innermost first, so that they come in the
	// order dims gives them.
	for _, d := range slices.Backward(dims) {
		if !d.New {
			continue
		}
		c := &combiner{opts: Options{ConcatDim: d.Name, Coord: d.Coord, TimeUnits: timeUnits}}
		c.axis = &axis{dim: d.Name, spec: d.Coord}
		for i, in := range out {
			if in.Name == appendTo && in.Name != "" {
				if _, ok := in.Set.Arrays[d.Name]; ok {
					continue
				}
			}
			if err := lacksDim(in, d.Name); err != nil {
				return nil, err
			}
			c.inputs = append(c.inputs, &inputInfo{Input: in, index: i, steps: 1})
		}
		if d.Coord.Kind == CoordIndex {
			for i, in := range c.inputs {
				in.values = []float64{float64(i)}
			}
		} else if err := c.coordinatesPerInput(); err != nil {
			return nil, err
		}
		for _, in := range c.inputs {
			set, err := withNewDim(in.Set, d.Name, in.values[0], c.axis, existing)
			if err != nil {
				return nil, &Error{Inputs: []string{in.Name}, Variable: d.Name, Err: err}
			}
			out[in.index] = Input{Name: in.Name, Set: set}
		}
	}
	return out, nil
}

// lacksDim refuses an input that already has the dimension --new-dim
// would add, or a variable of its name.
func lacksDim(in Input, dim string) error {
	if _, ok := in.Set.Arrays[dim]; ok {
		return &Error{Inputs: []string{in.Name}, Variable: dim, Reason: fmt.Sprintf(
			"the input has a variable %q already; join along a dimension the inputs have with --concat-dim, not --new-dim", dim)}
	}
	for _, p := range in.Set.ArrayPaths() {
		if dims, _ := in.Set.Arrays[p].Attrs.Strings("_ARRAY_DIMENSIONS"); slices.Contains(dims, dim) {
			return &Error{Inputs: []string{in.Name}, Variable: p, Reason: fmt.Sprintf(
				"has the dimension %q already; join along it with --concat-dim, not --new-dim", dim)}
		}
	}
	return nil
}

// withNewDim returns a copy of set (sharing its references) with dim added
// in front of the arrays that take it, one step long, and a coordinate
// variable holding value. The arrays that take it are those with one of
// the existing concat dims (every array, with none), the dimension
// coordinates (time(time)) aside.
func withNewDim(set *refs.Set, dim string, value float64, ax *axis, existing []string) (*refs.Set, error) {
	out := refs.NewSet()
	out.Groups, out.Extra = set.Groups, set.Extra
	for p, a := range set.Arrays {
		dims, _ := a.Attrs.Strings("_ARRAY_DIMENSIONS")
		dimCoord := len(dims) == 1 && dims[0] == p
		takes := !dimCoord && (len(existing) == 0 ||
			slices.ContainsFunc(dims, func(d string) bool { return slices.Contains(existing, d) }))
		if !takes || a.ZArray == nil {
			out.Arrays[p] = a
			continue
		}
		z := *a.ZArray
		z.Shape = append([]int64{1}, z.Shape...)
		z.Chunks = append([]int64{1}, z.Chunks...)
		attrs := maps.Clone(a.Attrs)
		if attrs == nil {
			attrs = refs.Attrs{}
		}
		raw, err := refs.MarshalCanonical(append([]string{dim}, dims...))
		if err != nil {
			return nil, err
		}
		attrs["_ARRAY_DIMENSIONS"] = raw
		held := &refs.Array{ZArray: &z, Attrs: attrs}
		if a.Manifest != nil {
			// One step in front changes no chunk's C-order position.
			m := *a.Manifest
			m.Grid = append([]int{1}, m.Grid...)
			held.Manifest = &m
		} else if a.Source != nil {
			held.Source = prepended{a.Source}
		}
		out.Arrays[p] = held
	}
	coord, err := stepCoordinate(dim, value, ax)
	if err != nil {
		return nil, err
	}
	out.Arrays[dim] = coord
	return out, nil
}

// stepCoordinate is the coordinate variable of one step along a new dim:
// an index as int64, a number as float64, a date as a CF time.
func stepCoordinate(dim string, value float64, ax *axis) (*refs.Array, error) {
	dtype := `"<f8"`
	data := binary.LittleEndian.AppendUint64(nil, math.Float64bits(value))
	if ax.spec.Kind == CoordIndex {
		dtype = `"<i8"`
		data = binary.LittleEndian.AppendUint64(nil, uint64(int64(value)))
	}
	z := &refs.ZArray{ZarrFormat: 2, Shape: []int64{1}, Chunks: []int64{1},
		DType: []byte(dtype), FillValue: []byte("null"), Order: "C"}
	if _, err := z.Marshal(); err != nil {
		return nil, err
	}
	attrs := refs.Attrs{}
	values := map[string]any{"_ARRAY_DIMENSIONS": []string{dim}}
	if ax.isTime {
		values["units"], values["calendar"] = ax.unitsAttr, ax.calendarAttr
	}
	for k, v := range values {
		raw, err := refs.MarshalCanonical(v)
		if err != nil {
			return nil, err
		}
		attrs[k] = raw
	}
	m := refs.NewManifest(z.Grid())
	m.SetInline(0, data)
	return &refs.Array{ZArray: z, Attrs: attrs, Manifest: m}, nil
}

// prepended is a source with one step in front of its grid: the same
// references in the same order.
type prepended struct{ refs.ChunkSource }

func (p prepended) Grid() []int { return append([]int{1}, p.ChunkSource.Grid()...) }

// Counts passes on the counts of the source beneath.
func (p prepended) Counts() (stored, inline int, ok bool) {
	return (&refs.Array{Source: p.ChunkSource}).Counts()
}

// RecordFile passes on the question: one step in front moves no position.
func (p prepended) RecordFile(first, n, recordSize int) (string, bool) {
	if f, ok := p.ChunkSource.(refs.RecordFiler); ok {
		return f.RecordFile(first, n, recordSize)
	}
	return "", false
}
