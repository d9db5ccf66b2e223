package combine

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	"gokerchunk/cftime"
)

// defaultDateUnits are the units of coordinates made from dates in file
// names or attributes when --time-units does not say.
const defaultDateUnits = "days since 1970-01-01 00:00:00"

// axis describes the output coordinate along the concat dim.
type axis struct {
	dim  string
	spec CoordSpec
	// isTime: values are CF times in units (and dates are filled in).
	isTime bool
	units  cftime.Units
	// unitsAttr and calendarAttr are what the output's attributes say.
	unitsAttr, calendarAttr string
	// fromVariable: the inputs have a coordinate variable (the array named
	// dim) that the output replaces with the combined values.
	fromVariable bool
}

// coordinates finds every input's coordinate values along the concat dim,
// expressed in one unit, and describes the output coordinate.
func (c *combiner) coordinates(ctx context.Context) error {
	ax := &axis{dim: c.opts.ConcatDim, spec: c.opts.Coord}
	c.axis = ax
	first := c.inputs[0]
	if c.opts.TimeUnits != "" {
		if _, err := cftime.ParseUnits(c.opts.TimeUnits, ""); err != nil {
			return fmt.Errorf("--time-units %q: %w", c.opts.TimeUnits, err)
		}
	}
	switch ax.spec.Kind {
	case CoordIndex:
		n := 0
		for _, in := range c.inputs {
			in.values = make([]float64, in.steps)
			for i := range in.values {
				in.values[i] = float64(n)
				n++
			}
		}
		return nil
	case CoordRegex, CoordAttr:
		return c.coordinatesPerInput()
	}

	// The coordinate variable: the array named like the dim, at the root.
	ax.fromVariable = true
	for _, in := range c.inputs {
		a, ok := in.arrays[ax.dim]
		if !ok || len(a.dims) != 1 || a.axis != 0 {
			return &Error{Inputs: []string{in.Name}, Variable: ax.dim, Reason: fmt.Sprintf(
				"no one-dimensional coordinate variable %q along %s; say where the coordinate comes from with --coord %s=regex:RE, attr:NAME or index",
				ax.dim, ax.dim, ax.dim)}
		}
	}
	firstUnits := stringAttr(first.arrays[ax.dim].attrs, "units")
	if ax.spec.Kind == CoordAuto {
		ax.spec.Kind = CoordValues
		if isTimeUnits(firstUnits) {
			ax.spec.Kind = CoordCF
		}
	}
	if ax.spec.Kind != CoordCF && c.opts.TimeUnits != "" {
		return &Error{Inputs: []string{first.Name}, Variable: ax.dim, Reason: fmt.Sprintf(
			"--time-units applies to CF times, and the coordinate's units %q are not (see --coord)", firstUnits)}
	}
	if ax.spec.Kind == CoordCF {
		ax.isTime = true
		unitsAttr := c.opts.TimeUnits
		if unitsAttr == "" {
			unitsAttr = firstUnits
		}
		ax.calendarAttr = stringAttr(first.arrays[ax.dim].attrs, "calendar")
		u, err := cftime.ParseUnits(unitsAttr, ax.calendarAttr)
		if err != nil {
			return &Error{Inputs: []string{first.Name}, Variable: ax.dim, Reason: "not a CF time", Err: err}
		}
		ax.units, ax.unitsAttr = u, unitsAttr
	}
	return parallel(ctx, c.inputs, c.opts.Workers, func(ctx context.Context, in *inputInfo) error {
		a := in.arrays[ax.dim]
		vals, isInt, err := c.readNumbers(ctx, in, a)
		if err != nil {
			return err
		}
		if ax.spec.Kind == CoordValues {
			if u, fu := stringAttr(a.attrs, "units"), firstUnits; u != fu {
				return &Error{Inputs: []string{first.Name, in.Name}, Variable: ax.dim, Reason: fmt.Sprintf(
					"units %q and %q differ and the values are not CF times: they cannot be merged as raw numbers", fu, u)}
			}
			in.values = vals
			return nil
		}
		if err := unpacked(a.attrs); err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: ax.dim, Err: err}
		}
		from, err := cftime.ParseUnits(stringAttr(a.attrs, "units"), stringAttr(a.attrs, "calendar"))
		if err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: ax.dim, Reason: "not a CF time", Err: err}
		}
		if !from.SameCalendar(ax.units) {
			return &Error{Inputs: []string{first.Name, in.Name}, Variable: ax.dim, Reason: fmt.Sprintf(
				"calendars %s and %s differ", ax.units.Calendar(), from.Calendar())}
		}
		// The output's values are converted afresh from the stored ones
		// (inlineConverted); these only order the inputs and name dates.
		if _, err := convertValues(vals, isInt, from, ax.units); err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: ax.dim, Err: err}
		}
		in.values = vals
		return c.fillDates(in)
	})
}

// firstUnits gives the output's time coordinate the units and calendar
// attribute of the first input in coordinate order, when --time-units
// does not say: coordinates could only take the first input given, and
// the output must not depend on the order the inputs are given in.
func (c *combiner) firstUnits() error {
	ax := c.axis
	if !ax.isTime || !ax.fromVariable || c.opts.TimeUnits != "" {
		return nil
	}
	first := c.inputs[0]
	attrs := first.arrays[ax.dim].attrs
	unitsAttr, calendarAttr := stringAttr(attrs, "units"), stringAttr(attrs, "calendar")
	u, err := cftime.ParseUnits(unitsAttr, calendarAttr)
	if err != nil {
		return &Error{Inputs: []string{first.Name}, Variable: ax.dim, Reason: "not a CF time", Err: err}
	}
	for _, in := range c.inputs {
		if _, err := convertValues(in.values, false, ax.units, u); err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: ax.dim, Err: err}
		}
	}
	ax.units, ax.unitsAttr, ax.calendarAttr = u, unitsAttr, calendarAttr
	return nil
}

// coordinatesPerInput takes one value per input from its name or a global
// attribute.
func (c *combiner) coordinatesPerInput() error {
	ax := c.axis
	for i, in := range c.inputs {
		if in.steps != 1 {
			return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf(
				"holds %d steps along %s, but --coord %s gives one value per input", in.steps, ax.dim, ax.dim)}
		}
		var text string
		var number json.Number
		switch ax.spec.Kind {
		case CoordRegex:
			base := path.Base(in.Name)
			m := ax.spec.Regex.FindStringSubmatch(base)
			if m == nil {
				return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("name %q does not match %s", base, ax.spec.Regex)}
			}
			text = m[0]
			if len(m) > 1 {
				text = m[1]
			}
		case CoordAttr:
			attrs := attrsOf(in.Set, "")
			raw, ok := attrs[ax.spec.Attr]
			if !ok {
				return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("no global attribute %q", ax.spec.Attr)}
			}
			if json.Unmarshal(raw, &text) != nil {
				var list []json.Number
				if json.Unmarshal(raw, &number) != nil && (json.Unmarshal(raw, &list) != nil || len(list) != 1) {
					return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("global attribute %s = %s is neither a date nor a number", ax.spec.Attr, raw)}
				}
				if len(list) == 1 {
					number = list[0]
				}
			}
		}
		date, isDate := "", false
		if number == "" {
			date, isDate = normalizeDate(text)
			number = json.Number(strings.TrimSpace(text))
		}
		if i == 0 && isDate {
			if err := c.dateAxis(); err != nil {
				return err
			}
		}
		if isDate != ax.isTime {
			return &Error{Inputs: []string{c.inputs[0].Name, in.Name}, Reason: fmt.Sprintf(
				"--coord %s: one input gives a date, the other a number (%q)", ax.dim, text)}
		}
		if isDate {
			at, err := cftime.ParseUnits("days since "+date, ax.calendarAttr)
			if err == nil {
				var v float64
				if v, err = at.Convert(0, ax.units); err == nil {
					in.values = []float64{v}
					err = c.fillDates(in)
				}
			}
			if err != nil {
				return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("date %q", text), Err: err}
			}
			continue
		}
		v, err := strconv.ParseFloat(string(number), 64)
		if err != nil {
			return &Error{Inputs: []string{in.Name}, Reason: fmt.Sprintf("%q is neither a date nor a number", text)}
		}
		in.values = []float64{v}
	}
	return nil
}

// dateAxis sets the output up for dates taken from names or attributes:
// --time-units, or days since 1970, in the standard calendar.
func (c *combiner) dateAxis() error {
	ax := c.axis
	unitsAttr := c.opts.TimeUnits
	if unitsAttr == "" {
		unitsAttr = defaultDateUnits
	}
	u, err := cftime.ParseUnits(unitsAttr, "standard")
	if err != nil {
		return fmt.Errorf("--time-units %q: %w", unitsAttr, err)
	}
	ax.isTime, ax.units, ax.unitsAttr, ax.calendarAttr = true, u, unitsAttr, "standard"
	return nil
}

// normalizeDate turns the compact digit forms people put in file names
// (YYYYMMDD, YYYYMMDDHH, YYYYMMDDHHMM, YYYYMMDDHHMMSS, YYYYMM) into the
// ISO form CF units accept; dates with separators pass as they are.
func normalizeDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	digits := s != "" && strings.Trim(s, "0123456789") == ""
	if !digits {
		if len(s) >= 8 && strings.Count(s[:min(len(s), 10)], "-") == 2 {
			return s, true
		}
		return "", false
	}
	switch len(s) {
	case 6:
		return s[:4] + "-" + s[4:6] + "-01", true
	case 8:
		return s[:4] + "-" + s[4:6] + "-" + s[6:8], true
	case 10:
		return s[:4] + "-" + s[4:6] + "-" + s[6:8] + " " + s[8:10] + ":00:00", true
	case 12:
		return s[:4] + "-" + s[4:6] + "-" + s[6:8] + " " + s[8:10] + ":" + s[10:12] + ":00", true
	case 14:
		return s[:4] + "-" + s[4:6] + "-" + s[6:8] + " " + s[8:10] + ":" + s[10:12] + ":" + s[12:14], true
	}
	return "", false
}

// fillDates formats the input's values as dates, for messages. A missing
// value (NaN) has no date: order refuses it, saying which step it is.
func (c *combiner) fillDates(in *inputInfo) error {
	in.dates = make([]string, len(in.values))
	for i, v := range in.values {
		if v != v {
			in.dates[i] = "missing"
			continue
		}
		d, err := c.axis.units.Date(v)
		if err != nil {
			return &Error{Inputs: []string{in.Name}, Variable: c.axis.dim, Reason: fmt.Sprintf("value %v", v), Err: err}
		}
		in.dates[i] = d.String()
	}
	return nil
}

// unpacked refuses CF times stored packed: combine orders, converts and
// rewrites the stored numbers as times, which they are only once scaled.
func unpacked(attrs map[string]json.RawMessage) error {
	for _, name := range []string{"scale_factor", "add_offset"} {
		if _, ok := attrs[name]; ok {
			return fmt.Errorf("CF times packed with %s are not supported: the stored numbers are not times until unpacked", name)
		}
	}
	return nil
}

// isTimeUnits reports whether a units attribute is a CF time ("<unit>
// since <date>").
func isTimeUnits(units string) bool {
	return strings.Contains(strings.ToLower(units), " since ")
}

// convertValues converts vals in place from units from to units to,
// leaving NaNs alone, and reports whether every result is a whole number
// coming from an integer source.
func convertValues(vals []float64, isInt bool, from, to cftime.Units) (exact bool, err error) {
	exact = isInt
	same := from.Equal(to)
	for i, v := range vals {
		if v != v { // NaN
			exact = false
			continue
		}
		if !same {
			if vals[i], err = from.Convert(v, to); err != nil {
				return false, fmt.Errorf("value %v in %s: %w", v, from, err)
			}
		}
		if vals[i] != float64(int64(vals[i])) {
			exact = false
		}
	}
	return exact, nil
}

// readNumbers reads a numeric array of an input whole, as float64; values
// equal to the array's fill value become NaN.
func (c *combiner) readNumbers(ctx context.Context, in *inputInfo, a *array) ([]float64, bool, error) {
	arr, err := c.store(in).Array(a.path)
	if err != nil {
		return nil, false, &Error{Inputs: []string{in.Name}, Variable: a.path, Err: err}
	}
	if n := arr.ChunkElements(); int64(n)*int64(arr.NumChunks()) > maxValues {
		return nil, false, &Error{Inputs: []string{in.Name}, Variable: a.path, Reason: fmt.Sprintf("more than %d values to read", maxValues)}
	}
	raw, err := arr.ReadAll(ctx)
	if err != nil {
		return nil, false, &Error{Inputs: []string{in.Name}, Variable: a.path, Err: err}
	}
	vals, isInt, err := decodeNumbers(raw, arr.DType)
	if err != nil {
		return nil, false, &Error{Inputs: []string{in.Name}, Variable: a.path, Err: err}
	}
	if arr.Fill != nil {
		fill, _, _ := decodeNumbers(arr.Fill, arr.DType)
		for i, v := range vals {
			if v == fill[0] {
				vals[i] = nan
			}
		}
	}
	return vals, isInt, nil
}

// maxValues bounds what combine reads of one coordinate-like array (CF
// time and its bounds); these are written inline, so larger ones do not
// belong in a reference set anyway.
const maxValues = 8 << 20
