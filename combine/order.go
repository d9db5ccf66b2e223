package combine

import (
	"fmt"
	"sort"
)

// order sorts the inputs by their first coordinate and refuses what would
// make the combined coordinate anything but strictly increasing: values
// that are missing or not increasing inside an input, a value two inputs
// share, ranges that overlap.
func (c *combiner) order() error {
	dim := c.axis.dim
	for _, in := range c.inputs {
		for i, v := range in.values {
			if v != v {
				return &Error{Inputs: []string{in.Name}, Variable: dim, Reason: fmt.Sprintf("coordinate %d is missing (fill value or NaN)", i)}
			}
			if i > 0 && v <= in.values[i-1] {
				return &Error{Inputs: []string{in.Name}, Variable: dim, Reason: fmt.Sprintf(
					"coordinates are not strictly increasing: %s follows %s", c.describe(in, i), c.describe(in, i-1))}
			}
		}
	}
	sort.SliceStable(c.inputs, func(i, j int) bool { return c.inputs[i].values[0] < c.inputs[j].values[0] })
	for k := 1; k < len(c.inputs); k++ {
		prev, next := c.inputs[k-1], c.inputs[k]
		last := prev.values[len(prev.values)-1]
		if last < next.values[0] {
			continue
		}
		// Name the inputs in command-line order, so the message reads the
		// same whatever the sort did with equal first values.
		a, b := prev, next
		if b.index < a.index {
			a, b = b, a
		}
		if dup, ok := shared(a.values, b.values); ok {
			return &Error{Inputs: []string{a.Name, b.Name}, Variable: dim, Reason: fmt.Sprintf(
				"duplicate coordinate %s: both inputs hold it", c.describeValue(a, b, dup))}
		}
		return &Error{Inputs: []string{a.Name, b.Name}, Variable: dim, Reason: fmt.Sprintf(
			"coordinate ranges overlap: %s .. %s and %s .. %s",
			c.describe(a, 0), c.describe(a, -1), c.describe(b, 0), c.describe(b, -1))}
	}
	return nil
}

// shared returns a value both sorted slices hold.
func shared(a, b []float64) (float64, bool) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return a[i], true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 0, false
}

// describeValue formats v, one of a's or b's coordinates.
func (c *combiner) describeValue(a, b *inputInfo, v float64) string {
	for _, in := range []*inputInfo{a, b} {
		for i, x := range in.values {
			if x == v {
				return c.describe(in, i)
			}
		}
	}
	return fmt.Sprint(v)
}
