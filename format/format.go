// Package format holds what every file-format parser shares with the
// pipeline that runs it (package scan): the result of a scan, the errors
// that say an input cannot be referenced as asked, and the description
// `gokerchunk info` prints.
//
// It imports nothing of the project but refs, so that a parser (hdf5scan,
// netcdf3) and the pipeline can both name these types without either
// importing the other's internals.
package format

import "gokerchunk/refs"

// Result is what a parser found in one input.
type Result struct {
	Set     *refs.Set
	Arrays  int // arrays in the set
	Chunks  int // stored chunks referenced or inlined
	Inlined int // chunks held inline
	// Skipped lists the variables left out because they cannot be
	// represented, each naming the input and the variable.
	Skipped []*UnsupportedError
	// Damaged lists the objects and attributes left out because their
	// structures do not parse while the file's do (a parser asked to skip
	// what it cannot represent skips them too), each naming the input,
	// the object and the structure.
	Damaged []*DamagedError
	// Notes reports what was read but deliberately not turned into arrays
	// or attributes (links followed once, attributes of unsupported types).
	Notes []string
}
