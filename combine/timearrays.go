package combine

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"gokerchunk/cftime"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// timeArray is an array along the concat dim whose values combine rewrites
// and writes inline: the coordinate itself, and arrays of CF times (time
// bounds, say) whose units differ between inputs.
type timeArray struct {
	// from holds each input's units (by input), or is nil when the values
	// are copied unconverted.
	from map[*inputInfo]cftime.Units
}

// maxInlineBytes bounds an array combine writes inline.
const maxInlineBytes = 64 << 20

// timeArrays picks the arrays whose values combine rewrites.
func (c *combiner) timeArrays() (map[string]*timeArray, error) {
	ax := c.axis
	out := map[string]*timeArray{}
	if ax.fromVariable {
		t := &timeArray{}
		if ax.isTime {
			t.from = map[*inputInfo]cftime.Units{}
			for _, in := range c.inputs {
				a := in.arrays[ax.dim]
				u, err := cftime.ParseUnits(stringAttr(a.attrs, "units"), stringAttr(a.attrs, "calendar"))
				if err != nil {
					return nil, &Error{Inputs: []string{in.Name}, Variable: ax.dim, Err: err}
				}
				t.from[in] = u
			}
		}
		out[ax.dim] = t
	}
	if !ax.isTime {
		return out, nil
	}
	first := c.inputs[0]
	for p, a := range first.arrays {
		if a.axis < 0 || p == ax.dim {
			continue
		}
		// A bounds variable without units of its own has its
		// coordinate's (CF 7.1), which combine may change.
		effective := func(in *inputInfo) (units, calendar string, inherited bool) {
			attrs := in.arrays[p].attrs
			if u := stringAttr(attrs, "units"); u != "" {
				return u, stringAttr(attrs, "calendar"), false
			}
			if coord, ok := in.arrays[ax.dim]; ok && stringAttr(coord.attrs, "bounds") == p {
				return stringAttr(coord.attrs, "units"), stringAttr(coord.attrs, "calendar"), true
			}
			return "", "", false
		}
		u0, _, inherited := effective(first)
		if !isTimeUnits(u0) {
			continue
		}
		differ := false
		for _, in := range c.inputs {
			u, _, _ := effective(in)
			differ = differ || u != u0 || (inherited && u != ax.unitsAttr)
		}
		if !differ {
			continue
		}
		t := &timeArray{from: map[*inputInfo]cftime.Units{}}
		for _, in := range c.inputs {
			if err := unpacked(in.arrays[p].attrs); err != nil {
				return nil, &Error{Inputs: []string{in.Name}, Variable: p, Err: err}
			}
			units, calendar, _ := effective(in)
			u, err := cftime.ParseUnits(units, calendar)
			if err != nil {
				return nil, &Error{Inputs: []string{in.Name}, Variable: p, Reason: fmt.Sprintf("units %q", units), Err: err}
			}
			if !u.SameCalendar(ax.units) {
				names := []string{first.Name, in.Name}
				if in == first {
					names = names[:1]
				}
				return nil, &Error{Inputs: names, Variable: p, Reason: fmt.Sprintf(
					"calendar %s differs from the coordinate's %s", u.Calendar(), ax.units.Calendar())}
			}
			t.from[in] = u
		}
		out[p] = t
	}
	return out, nil
}

// inlineConverted reads an array from every input, converts its times to
// the output's units, and stores the concatenation as one inline chunk.
func (c *combiner) inlineConverted(ctx context.Context, out *refs.Set, path string, t *timeArray) error {
	first := c.inputs[0]
	a := first.arrays[path]
	// Bound what is read before reading it: at most 8 bytes a value.
	var values float64
	for _, in := range c.inputs {
		values += elementCount(in.arrays[path].z.Shape)
	}
	if values*8 > maxInlineBytes {
		return &Error{Inputs: []string{first.Name}, Variable: path, Reason: fmt.Sprintf(
			"%.0f values to rewrite inline exceed %d MiB", values, maxInlineBytes>>20)}
	}
	parts := make([][]float64, len(c.inputs))
	exact := make([]bool, len(c.inputs))
	err := parallel(ctx, indexes(len(c.inputs)), c.opts.Workers, func(ctx context.Context, k int) error {
		in := c.inputs[k]
		vals, isInt, err := c.readNumbers(ctx, in, in.arrays[path])
		if err != nil {
			return err
		}
		exact[k] = isInt
		if t.from != nil {
			if exact[k], err = convertValues(vals, isInt, t.from[in], c.axis.units); err != nil {
				return &Error{Inputs: []string{in.Name}, Variable: path, Err: err}
			}
		}
		parts[k] = vals
		return nil
	})
	if err != nil {
		return err
	}
	allExact := true
	for _, e := range exact {
		allExact = allExact && e
	}

	// Concatenate along the axis: C order puts, for each index of the
	// dimensions before it, every input's block one after another.
	shape := append([]int64(nil), a.z.Shape...)
	shape[a.axis] = 0
	for _, in := range c.inputs {
		shape[a.axis] += in.arrays[path].z.Shape[a.axis]
	}
	outer, inner := 1, 1
	for d, n := range shape {
		switch {
		case d < a.axis:
			outer *= int(n)
		case d > a.axis:
			inner *= int(n)
		}
	}
	total := outer * int(shape[a.axis]) * inner
	dt, err := zarr.ParseDTypeJSON(a.z.DType)
	if err != nil {
		return &Error{Inputs: []string{first.Name}, Variable: path, Err: err}
	}
	enc := chooseEncoding(dt, a.z.FillValue, allExact, parts)
	if int64(total)*int64(enc.size) > maxInlineBytes {
		return &Error{Inputs: []string{first.Name}, Variable: path, Reason: fmt.Sprintf(
			"%d values to write inline exceed %d MiB", total, maxInlineBytes>>20)}
	}
	data := make([]byte, 0, total*enc.size)
	for o := range outer {
		for k, in := range c.inputs {
			block := int(in.arrays[path].z.Shape[a.axis]) * inner
			for _, v := range parts[k][o*block : (o+1)*block] {
				data = enc.append(data, v)
			}
		}
	}

	z := *a.z
	z.Shape = shape
	z.Chunks = append([]int64(nil), shape...)
	for d := range z.Chunks {
		z.Chunks[d] = max(z.Chunks[d], 1)
	}
	z.DType = json.RawMessage(`"` + enc.dtype + `"`)
	z.FillValue = enc.fill
	z.Compressor, z.Filters = nil, nil
	if _, err := z.Marshal(); err != nil {
		return err
	}
	m := refs.NewManifest(z.Grid())
	if m.Len() > 0 {
		m.SetInline(0, data)
	}
	out.Arrays[path].ZArray = &z
	out.Arrays[path].Manifest = m
	if t.from != nil {
		for _, in := range c.inputs {
			if !t.from[in].Equal(c.axis.units) {
				c.notef("%s: times converted to %q (inline); %s had %q", path, c.axis.unitsAttr, in.Name, t.from[in])
				break
			}
		}
	}
	return nil
}

// encoding is how rewritten values are stored.
type encoding struct {
	dtype  string
	size   int
	fill   json.RawMessage
	append func([]byte, float64) []byte
}

// chooseEncoding keeps the source's dtype when every value fits it
// exactly (whole numbers for integers, float32 round trips), and uses
// little-endian float64 otherwise. Missing values (NaN) of an integer
// array are stored as its fill value.
func chooseEncoding(dt zarr.DType, fill json.RawMessage, allExact bool, parts [][]float64) encoding {
	f8 := encoding{dtype: "<f8", size: 8, fill: json.RawMessage("null"), append: func(b []byte, v float64) []byte {
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
	}}
	if string(compact(fill)) != "null" && len(fill) > 0 {
		f8.fill = json.RawMessage(`"NaN"`)
	}
	fits := func(ok func(float64) bool) bool {
		for _, p := range parts {
			for _, v := range p {
				if !ok(v) {
					return false
				}
			}
		}
		return true
	}
	switch {
	case dt.Kind == 'f' && dt.Size == 8:
		f8.fill = fill
		return f8
	case dt.Kind == 'f' && dt.Size == 4 && fits(func(v float64) bool { return v != v || float64(float32(v)) == v }):
		return encoding{dtype: "<f4", size: 4, fill: fill, append: func(b []byte, v float64) []byte {
			return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(v)))
		}}
	case (dt.Kind == 'i' || dt.Kind == 'u') && allExact:
		var fillInt int64
		hasFill := json.Unmarshal(fill, &fillInt) == nil && !strings.EqualFold(string(compact(fill)), "null")
		lo, hi := intRange(dt)
		if !fits(func(v float64) bool { return (v != v && hasFill) || (v >= lo && v <= hi) }) {
			return f8
		}
		size := dt.Size
		e := encoding{dtype: fmt.Sprintf("<%c%d", dt.Kind, size), size: size, fill: fill}
		e.append = func(b []byte, v float64) []byte {
			n := uint64(int64(v))
			if v != v {
				n = uint64(fillInt)
			}
			for i := range size {
				b = append(b, byte(n>>(8*i)))
			}
			return b
		}
		return e
	}
	return f8
}

// intRange is the range of an integer dtype, as floats.
func intRange(dt zarr.DType) (float64, float64) {
	bits := 8 * dt.Size
	if dt.Kind == 'u' {
		return 0, math.Ldexp(1, bits) - 1
	}
	return -math.Ldexp(1, bits-1), math.Ldexp(1, bits-1) - 1
}

// decodeNumbers converts the bytes of a numeric array to float64,
// reporting whether the dtype is an integer one. A 64-bit integer without
// an exact float64 (beyond 2^53) is an error: combine orders, converts and
// rewrites values as float64, and would write it back rounded.
func decodeNumbers(raw []byte, dt zarr.DType) ([]float64, bool, error) {
	if (dt.Kind != 'i' && dt.Kind != 'u' && dt.Kind != 'f') || dt.Fields != nil {
		return nil, false, fmt.Errorf("dtype %s is not a number", dt.Str)
	}
	var order binary.ByteOrder = binary.LittleEndian
	if dt.BigEndian {
		order = binary.BigEndian
	}
	n := len(raw) / dt.Size
	out := make([]float64, n)
	for i := range out {
		b := raw[i*dt.Size : (i+1)*dt.Size]
		switch {
		case dt.Kind == 'f' && dt.Size == 8:
			out[i] = math.Float64frombits(order.Uint64(b))
		case dt.Kind == 'f' && dt.Size == 4:
			out[i] = float64(math.Float32frombits(order.Uint32(b)))
		case dt.Size == 1 && dt.Kind == 'i':
			out[i] = float64(int8(b[0]))
		case dt.Size == 1 && dt.Kind == 'u':
			out[i] = float64(b[0])
		case dt.Size == 2 && dt.Kind == 'i':
			out[i] = float64(int16(order.Uint16(b)))
		case dt.Size == 2 && dt.Kind == 'u':
			out[i] = float64(order.Uint16(b))
		case dt.Size == 4 && dt.Kind == 'i':
			out[i] = float64(int32(order.Uint32(b)))
		case dt.Size == 4 && dt.Kind == 'u':
			out[i] = float64(order.Uint32(b))
		case dt.Size == 8 && dt.Kind == 'i':
			n := int64(order.Uint64(b))
			out[i] = float64(n)
			if out[i] >= 0x1p63 || int64(out[i]) != n {
				return nil, false, fmt.Errorf("value %d of dtype %s has no exact float64: it would be rewritten rounded", n, dt.Str)
			}
		case dt.Size == 8 && dt.Kind == 'u':
			n := order.Uint64(b)
			out[i] = float64(n)
			if out[i] >= 0x1p64 || uint64(out[i]) != n {
				return nil, false, fmt.Errorf("value %d of dtype %s has no exact float64: it would be rewritten rounded", n, dt.Str)
			}
		default:
			return nil, false, fmt.Errorf("dtype %s is not supported", dt.Str)
		}
	}
	return out, dt.Kind != 'f', nil
}

// newCoordinate writes the coordinate array of values that came from names,
// attributes or positions.
func (c *combiner) newCoordinate(out *refs.Set) error {
	ax := c.axis
	var vals []float64
	for _, in := range c.inputs {
		vals = append(vals, in.values...)
	}
	dtype := "<f8"
	if ax.spec.Kind == CoordIndex {
		dtype = "<i8"
	}
	data := make([]byte, 0, 8*len(vals))
	for _, v := range vals {
		if dtype == "<i8" {
			data = binary.LittleEndian.AppendUint64(data, uint64(int64(v)))
		} else {
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(v))
		}
	}
	z := refs.ZArray{ZarrFormat: 2, Shape: []int64{int64(len(vals))}, Chunks: []int64{int64(len(vals))},
		DType: json.RawMessage(`"` + dtype + `"`), FillValue: json.RawMessage("null"), Order: "C"}
	if _, err := z.Marshal(); err != nil {
		return err
	}
	attrs := refs.Attrs{}
	for k, v := range map[string]any{"_ARRAY_DIMENSIONS": []string{ax.dim}, "units": ax.unitsAttr, "calendar": ax.calendarAttr} {
		if k != "_ARRAY_DIMENSIONS" && !ax.isTime {
			continue
		}
		raw, err := refs.MarshalCanonical(v)
		if err != nil {
			return err
		}
		attrs[k] = raw
	}
	if _, ok := out.Arrays[ax.dim]; ok {
		c.notef("%s: the inputs' array %s is replaced by the coordinate --coord gives", ax.dim, ax.dim)
	}
	m := refs.NewManifest(z.Grid())
	m.SetInline(0, data)
	out.PutArray(ax.dim, &z, attrs, m)
	return nil
}
