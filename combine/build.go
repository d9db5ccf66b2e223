package combine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"gokerchunk/refs"
)

// build checks the ordered inputs against each other and assembles the
// output set.
func (c *combiner) build(ctx context.Context) (*refs.Set, error) {
	first := c.inputs[0]
	out := refs.NewSet()
	if err := c.checkPresence(); err != nil {
		return nil, err
	}
	harmonise, err := c.timeArrays()
	if err != nil {
		return nil, err
	}
	// The first input's groups and arrays, their metadata replaced below
	// where the inputs join.
	for g, grp := range first.Set.Groups {
		out.Groups[g] = &refs.Group{Attrs: grp.Attrs}
	}
	for p, a := range first.Set.Arrays {
		out.PutArray(p, a.ZArray, a.Attrs, nil)
	}
	if err := c.mergeGroups(out); err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(first.arrays))
	for p := range first.arrays {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		a := first.arrays[p]
		if p == c.axis.dim && !c.axis.fromVariable {
			continue // replaced by newCoordinate
		}
		conv, converted := harmonise[p]
		var layouts *rewrite
		if !converted {
			if layouts, err = c.planRewrite(p); err != nil {
				return nil, err
			}
		}
		// Rewritten arrays are decoded and re-encoded: their dtypes and
		// chunks need not agree, only their shapes.
		if err := c.checkZArray(p, converted || layouts != nil); err != nil {
			return nil, err
		}
		if err := c.mergeArrayAttrs(out, p, converted); err != nil {
			return nil, err
		}
		switch {
		case converted:
			if err := c.inlineConverted(ctx, out, p, conv); err != nil {
				return nil, err
			}
		case a.axis >= 0:
			if err := c.concat(ctx, out, p, layouts); err != nil {
				return nil, err
			}
		default:
			if err := c.checkStatic(ctx, p); err != nil {
				return nil, err
			}
			out.Arrays[p].Manifest = first.Set.Arrays[p].Manifest
			out.Arrays[p].Source = first.Set.Arrays[p].Source
		}
	}
	if !c.axis.fromVariable {
		if err := c.newCoordinate(out); err != nil {
			return nil, err
		}
	}
	c.mergeExtra(out)
	return out, nil
}

// checkPresence requires every array in every input, and every array to
// have the same dimensions everywhere.
func (c *combiner) checkPresence() error {
	first := c.inputs[0]
	for _, in := range c.inputs[1:] {
		for p, a := range first.arrays {
			b, ok := in.arrays[p]
			if !ok {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: p, Reason: "present in the first input, missing in the other"}
			}
			if strings.Join(a.dims, ",") != strings.Join(b.dims, ",") {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: p, Reason: fmt.Sprintf("dimensions %v and %v differ", a.dims, b.dims)}
			}
		}
		for p := range in.arrays {
			if _, ok := first.arrays[p]; !ok {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: p, Reason: "missing in the first input, present in the other"}
			}
		}
	}
	return nil
}

// checkZArray requires the same .zarray in every input but for the length
// along the concat dim, and chunks along it that line up: Zarr v2 has one
// chunk length per dimension, so every input but the last must hold a
// whole number of chunks.
func (c *combiner) checkZArray(path string, rewritten bool) error {
	first := c.inputs[0]
	a := first.arrays[path]
	for k, in := range c.inputs {
		b := in.arrays[path]
		if k > 0 {
			if field, x, y, ok := zarrayDiff(a, b, rewritten); !ok {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: path, Reason: fmt.Sprintf(".zarray %s: %s and %s differ%s", field, x, y, layoutHint(field, x, y))}
			}
		}
		if a.axis < 0 || rewritten || k == len(c.inputs)-1 {
			continue
		}
		chunk := b.z.Chunks[a.axis]
		if steps := b.z.Shape[a.axis]; steps%chunk != 0 {
			return &Error{Inputs: []string{in.Name, c.inputs[k+1].Name}, Variable: path, Reason: fmt.Sprintf(
				"%d steps along %s are not a whole number of chunks of %d: Zarr v2 has one chunk length per dimension, "+
					"so a chunk would hold steps of both inputs (only the last input may end in a partial chunk)",
				steps, c.axis.dim, chunk)}
		}
	}
	return nil
}

// layoutHint explains a .zarray difference that comes from the inputs'
// file formats rather than their data, and what to do about it: a netCDF-3
// file stores numbers big-endian and uncompressed, one record per chunk; a
// netCDF-4 one usually little-endian, in chunks of its own, compressed.
// One Zarr v2 array has one dtype, one chunk shape and one codec chain, so
// references alone cannot join such inputs.
func layoutHint(field, x, y string) string {
	byteOrder := field == "dtype" && len(x) == len(y) && len(x) > 2 &&
		strings.ContainsAny(x[1:2], "<>") && strings.ContainsAny(y[1:2], "<>") && x[2:] == y[2:]
	switch {
	case byteOrder:
		return ": the inputs store it in different byte orders (netCDF-3 files are big-endian, netCDF-4 ones usually little-endian), " +
			"and one Zarr array has one dtype, so references cannot join them; --rewrite-mismatched writes the odd ones out inline in the others' layout, " +
			"or combine such inputs separately, or convert the odd ones out to the others' format first (nccopy -k nc4, or -k classic)"
	case field == "chunks" || field == "compressor" || field == "filters":
		return ": one Zarr array has one chunk shape and one codec chain for all its chunks, so references cannot join inputs stored differently " +
			"(a netCDF-3 file and a netCDF-4 one, or files written with other chunking or compression); " +
			"--rewrite-mismatched writes the odd ones out inline in the others' layout, or convert them alike first (nccopy -c/-d, or -k classic)"
	}
	return ""
}

// zarrayDiff compares two inputs' .zarray of one array, the length along
// the concat dim aside; of a rewritten array only the shape.
func zarrayDiff(a, b *array, rewritten bool) (field, x, y string, same bool) {
	za, zb := a.z, b.z
	if len(za.Shape) != len(zb.Shape) {
		return "shape", fmt.Sprint(za.Shape), fmt.Sprint(zb.Shape), false
	}
	for d := range za.Shape {
		if d != a.axis && za.Shape[d] != zb.Shape[d] {
			return "shape", fmt.Sprint(za.Shape), fmt.Sprint(zb.Shape), false
		}
	}
	if rewritten {
		return "", "", "", true
	}
	if fmt.Sprint(za.Chunks) != fmt.Sprint(zb.Chunks) {
		return "chunks", fmt.Sprint(za.Chunks), fmt.Sprint(zb.Chunks), false
	}
	raw := func(name string, p, q json.RawMessage) (string, string, string, bool) {
		if bytes.Equal(compact(p), compact(q)) {
			return "", "", "", true
		}
		return name, string(p), string(q), false
	}
	if f, x, y, ok := raw("dtype", za.DType, zb.DType); !ok {
		return f, x, y, false
	}
	if f, x, y, ok := raw("fill_value", za.FillValue, zb.FillValue); !ok {
		return f, x, y, false
	}
	if za.Order != zb.Order || za.Separator() != zb.Separator() {
		return "order or dimension_separator", za.Order + za.Separator(), zb.Order + zb.Separator(), false
	}
	if !reflect.DeepEqual(za.Compressor, zb.Compressor) {
		return "compressor", codecString(za.Compressor), codecString(zb.Compressor), false
	}
	if !reflect.DeepEqual(za.Filters, zb.Filters) {
		return "filters", codecString(za.Filters), codecString(zb.Filters), false
	}
	return "", "", "", true
}

func codecString(v any) string {
	if c, ok := v.(refs.Codec); ok && c == nil {
		return "null" // no compressor, as .zarray writes it
	}
	doc, err := refs.MarshalCanonical(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(doc)
}

// compact strips insignificant white space from a JSON fragment.
func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// meaningAttrs change what the stored numbers mean: they must agree.
var meaningAttrs = map[string]bool{
	"scale_factor": true, "add_offset": true, "_FillValue": true, "missing_value": true,
	"units": true, "calendar": true, "valid_min": true, "valid_max": true, "valid_range": true,
	"_Unsigned": true, "_ARRAY_DIMENSIONS": true,
}

// mergeArrayAttrs compares an array's attributes across inputs. The
// attributes that give the numbers their meaning must agree (units and
// calendar aside for arrays whose times are converted); for the others the
// first input's value is kept and the difference reported.
func (c *combiner) mergeArrayAttrs(out *refs.Set, path string, converted bool) error {
	attrsOf := func(in *inputInfo) map[string]json.RawMessage { return in.arrays[path].attrs }
	if err := c.compareAttrs(path, true, attrsOf, converted); err != nil {
		return err
	}
	if !converted {
		return nil
	}
	attrs := map[string]json.RawMessage{}
	for k, v := range c.inputs[0].arrays[path].attrs {
		attrs[k] = v
	}
	if _, ok := attrs["units"]; c.axis.isTime && (ok || path == c.axis.dim) {
		attrs["units"], _ = json.Marshal(c.axis.unitsAttr)
	}
	out.Arrays[path].Attrs = attrs
	return nil
}

// compareAttrs compares the attributes of one node across inputs: of an
// array, the meaning attributes must agree; of a group, any difference is
// only reported (no numbers hang on a group's attributes).
func (c *combiner) compareAttrs(node string, isArray bool, attrsOf func(*inputInfo) map[string]json.RawMessage, timeConverted bool) error {
	first := c.inputs[0]
	a := attrsOf(first)
	label := func(name string) string {
		if node == "" {
			return "global attribute " + name
		}
		return "attribute " + name + " of " + node
	}
	type conflict struct {
		other string
		n     int
	}
	conflicts := map[string]*conflict{}
	for _, in := range c.inputs[1:] {
		b := attrsOf(in)
		for _, name := range unionKeys(a, b) {
			x, inA := a[name]
			y, inB := b[name]
			if inA && inB && bytes.Equal(compact(x), compact(y)) {
				continue
			}
			if meaningAttrs[name] && isArray && !(timeConverted && (name == "units" || name == "calendar")) {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: node, Reason: fmt.Sprintf(
					"attribute %s differs (%s and %s); it changes what the stored numbers mean", name, orAbsent(x, inA), orAbsent(y, inB))}
			}
			if conflicts[name] == nil {
				conflicts[name] = &conflict{other: in.Name}
			}
			conflicts[name].n++
		}
	}
	names := make([]string, 0, len(conflicts))
	for n := range conflicts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if timeConverted && (n == "units" || n == "calendar") {
			continue
		}
		cf := conflicts[n]
		more := ""
		if cf.n > 1 {
			more = fmt.Sprintf(" and %d more", cf.n-1)
		}
		c.notef("%s differs between inputs: kept the value of %s (the first); %s%s differ",
			label(n), first.Name, cf.other, more)
	}
	return nil
}

func orAbsent(v json.RawMessage, ok bool) string {
	if !ok {
		return "absent"
	}
	return string(v)
}

func unionKeys(a, b map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// mergeGroups compares the groups' attributes (global attributes among
// them): differences are reported, the first input's values kept. A group
// missing from some input is an error.
func (c *combiner) mergeGroups(out *refs.Set) error {
	first := c.inputs[0]
	groups := map[string]bool{"": true}
	for _, in := range c.inputs {
		for g := range in.Set.Groups {
			groups[g] = true
		}
	}
	// In path order (the root first), so the notices come in the same
	// order every run.
	paths := make([]string, 0, len(groups))
	for g := range groups {
		paths = append(paths, g)
	}
	sort.Strings(paths)
	for _, g := range paths {
		if _, isArray := first.arrays[g]; isArray {
			continue
		}
		for _, in := range c.inputs {
			if _, ok := in.Set.Groups[g]; !ok && g != "" {
				return &Error{Inputs: []string{in.Name}, Variable: g, Reason: "group missing"}
			}
		}
		attrs := map[*inputInfo]map[string]json.RawMessage{}
		for _, in := range c.inputs {
			attrs[in] = attrsOf(in.Set, g)
		}
		if err := c.compareAttrs(g, false, func(in *inputInfo) map[string]json.RawMessage { return attrs[in] }, false); err != nil {
			return err
		}
	}
	return nil
}

// mergeExtra keeps the first input's keys that are neither metadata nor
// chunks, reporting keys the other inputs hold differently.
func (c *combiner) mergeExtra(out *refs.Set) {
	first := c.inputs[0]
	for k, v := range first.Set.Extra {
		// A consolidated .zmetadata of an input describes that input only.
		if k == ".zmetadata" || strings.HasSuffix(k, "/.zmetadata") {
			continue
		}
		out.Extra[k] = v
	}
	differ := map[string]bool{}
	for _, in := range c.inputs[1:] {
		for k, v := range in.Set.Extra {
			if w, ok := first.Set.Extra[k]; !ok || !reflect.DeepEqual(v, w) {
				differ[k] = true
			}
		}
	}
	keys := make([]string, 0, len(differ))
	for k := range differ {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c.notef("key %s is not metadata nor a chunk of an array and differs between inputs: kept %s's", k, first.Name)
	}
}
