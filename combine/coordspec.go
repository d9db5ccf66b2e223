package combine

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
)

// CoordKind says where the coordinate values along the concat dim come from.
type CoordKind int

const (
	// CoordAuto reads the coordinate variable (the array named like the
	// dim): as CF time when its units say "<unit> since <date>", as plain
	// numbers otherwise.
	CoordAuto CoordKind = iota
	// CoordValues reads the coordinate variable's numbers as they are; its
	// units must then be equal in every input.
	CoordValues
	// CoordCF reads the coordinate variable as CF time, decoded with its
	// units and calendar and converted to the output's units.
	CoordCF
	// CoordRegex matches a regular expression against the input's base
	// name; its first group (or the whole match) is a date or a number.
	CoordRegex
	// CoordAttr reads a global attribute: a date string or a number.
	CoordAttr
	// CoordIndex numbers the steps in command-line order.
	CoordIndex
)

// CoordSpec is a parsed --coord DIM=SPEC value.
type CoordSpec struct {
	Kind  CoordKind
	Attr  string         // CoordAttr: the global attribute's name
	Regex *regexp.Regexp // CoordRegex
}

// CoordSpecHelp lists the SPEC forms, for the CLI's help.
const CoordSpecHelp = `values (the coordinate variable's numbers as stored), cf (the coordinate
variable as CF time, converted to one unit), regex:RE (a date or number in
the input's file name: RE's first group, or its whole match), attr:NAME (a
date or number in the global attribute NAME) or index (0, 1, 2, ... in the
order the inputs are given); default: cf when the coordinate variable's
units read "<unit> since <date>", values otherwise`

// ParseCoordSpec parses the SPEC of --coord DIM=SPEC.
func ParseCoordSpec(spec string) (CoordSpec, error) {
	kind, arg, hasArg := strings.Cut(spec, ":")
	switch kind {
	case "", "auto", "values", "cf", "index":
		if hasArg {
			return CoordSpec{}, fmt.Errorf("coord spec %q: %s takes no argument", spec, cmp.Or(kind, "auto"))
		}
	}
	switch kind {
	case "", "auto":
		return CoordSpec{Kind: CoordAuto}, nil
	case "values":
		return CoordSpec{Kind: CoordValues}, nil
	case "cf":
		return CoordSpec{Kind: CoordCF}, nil
	case "index":
		return CoordSpec{Kind: CoordIndex}, nil
	case "attr":
		if !hasArg || arg == "" {
			return CoordSpec{}, fmt.Errorf("coord spec %q: attr needs a name (attr:NAME)", spec)
		}
		return CoordSpec{Kind: CoordAttr, Attr: arg}, nil
	case "regex":
		if !hasArg || arg == "" {
			return CoordSpec{}, fmt.Errorf("coord spec %q: regex needs an expression (regex:RE)", spec)
		}
		re, err := regexp.Compile(arg)
		if err != nil {
			return CoordSpec{}, fmt.Errorf("coord spec %q: %w", spec, err)
		}
		return CoordSpec{Kind: CoordRegex, Regex: re}, nil
	}
	return CoordSpec{}, fmt.Errorf("coord spec %q: want values, cf, regex:RE, attr:NAME or index", spec)
}
