package combine

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"gokerchunk/refs"
)

// Input is one reference set to combine.
type Input struct {
	// Name identifies the input in messages (the sidecar, Parquet directory
	// or source file as given); --coord regex:... matches its base name.
	Name string
	Set  *refs.Set
}

// array is what combine needs of one array of one input.
type array struct {
	path  string
	z     *refs.ZArray
	dims  []string
	attrs map[string]json.RawMessage
	axis  int // position of the concat dim in dims, -1 without it
}

// inputInfo is an input with its arrays parsed once.
type inputInfo struct {
	Input
	index  int // position on the command line
	arrays map[string]*array
	steps  int // length along the concat dim
	// values are the input's coordinates along the concat dim, in the
	// output's units; dates the same instants for messages ("" when the
	// coordinate is not a CF time).
	values []float64
	dates  []string
}

// parseInput reads the metadata of every array of in and its length along
// dim.
func parseInput(in Input, index int, dim string) (*inputInfo, error) {
	info := &inputInfo{Input: in, index: index, arrays: map[string]*array{}, steps: -1}
	var stepsFrom string
	for _, path := range in.Set.ArrayPaths() {
		z, err := in.Set.ZArray(path)
		if err != nil {
			return nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
		}
		if err := checkManifest(in.Set.Arrays[path].Manifest, z.Grid()); err != nil {
			return nil, &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
		}
		a := &array{path: path, z: z, axis: -1, attrs: attrsOf(in.Set, path)}
		if raw, ok := a.attrs["_ARRAY_DIMENSIONS"]; ok {
			if err := json.Unmarshal(raw, &a.dims); err != nil || len(a.dims) != len(z.Shape) {
				return nil, &Error{Inputs: []string{in.Name}, Variable: path,
					Reason: fmt.Sprintf("_ARRAY_DIMENSIONS %s does not name one dimension per axis of shape %v", raw, z.Shape)}
			}
		}
		a.axis = slices.Index(a.dims, dim)
		if a.axis >= 0 {
			n := int(z.Shape[a.axis])
			switch {
			case info.steps < 0:
				info.steps, stepsFrom = n, path
			case n != info.steps:
				return nil, &Error{Inputs: []string{in.Name}, Variable: path,
					Reason: fmt.Sprintf("has %d steps along %s, but %s has %d", n, dim, stepsFrom, info.steps)}
			}
		}
		info.arrays[path] = a
	}
	if info.steps < 0 {
		return nil, &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("no variable has the dimension %q (_ARRAY_DIMENSIONS)", dim)}
	}
	if info.steps == 0 {
		return nil, &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("dimension %q has length 0", dim)}
	}
	return info, nil
}

// checkManifest requires a manifest to fit the chunk grid of its .zarray
// and every chunk to point at a URL of its table, inline bytes or nothing:
// concat indexes by both, and a set made in memory need not hold to them.
func checkManifest(m *refs.Manifest, grid []int) error {
	if m == nil {
		return nil
	}
	n, _ := refs.GridSize(grid, math.MaxInt)
	if l := uint64(len(m.Target)); !slices.Equal(m.Grid, grid) || l != n || l != uint64(len(m.Offset)) || l != uint64(len(m.Length)) {
		return fmt.Errorf("manifest of grid %v (%d chunks) does not fit the chunk grid %v of its .zarray", m.Grid, len(m.Target), grid)
	}
	for i, t := range m.Target {
		if t >= int32(len(m.URLs)) || (t < 0 && t != refs.NoChunk && t != refs.InlineChunk) {
			return fmt.Errorf("chunk %d points at target %d; the URL table has %d", i, t, len(m.URLs))
		}
	}
	return nil
}

// attrsOf returns the attributes of a node; missing ones are empty.
func attrsOf(s *refs.Set, path string) map[string]json.RawMessage {
	if a := s.Attrs(path); a != nil {
		return a
	}
	return map[string]json.RawMessage{}
}

// stringAttr returns a string attribute, or "" when it is absent or not a
// string.
func stringAttr(attrs map[string]json.RawMessage, name string) string {
	var s string
	if raw, ok := attrs[name]; ok {
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
	}
	return s
}
