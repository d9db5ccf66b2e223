// Package combine merges kerchunk reference sets along one dimension
// (usually time) into one set that xarray opens as one dataset, as
// kerchunk's MultiZarrToZarr does, but refusing to guess: coordinate
// values come from an explicit source, CF time units are harmonised rather
// than merged as raw numbers, duplicate or overlapping coordinates, chunks
// that would straddle inputs and attributes that change the meaning of the
// numbers are errors naming the inputs, and every other conflict it
// resolves is reported.
//
// Chunk references are moved as dense manifests (refs.Manifest): combining
// a million references copies three slices, it never builds string keys.
package combine

import (
	"fmt"
	"strings"
)

// Error is a reason the inputs cannot be combined, naming the inputs and
// the variable it concerns. Err is the failure beneath it, when there is
// one (a chunk that could not be read, a value that does not parse):
// errors.Is and errors.As reach it, so a caller tells a read failure (a
// blob or fs error) from a conflict between the inputs.
type Error struct {
	Inputs   []string
	Variable string // "" when the problem is not one variable's
	Reason   string // "" when Err says it all
	Err      error
}

func (e *Error) Unwrap() error { return e.Err }

func (e *Error) Error() string {
	var b strings.Builder
	if e.Variable != "" {
		fmt.Fprintf(&b, "%s: ", e.Variable)
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		if e.Reason != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	switch len(e.Inputs) {
	case 0:
	case 1:
		fmt.Fprintf(&b, " (in %s)", e.Inputs[0])
	default:
		fmt.Fprintf(&b, " (inputs %s)", strings.Join(e.Inputs, " and "))
	}
	return b.String()
}
