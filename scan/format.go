// Package scan owns the per-file pipeline: it opens a URL through blob,
// recognises the file's format by its signature, runs that format's parser
// and returns the reference set, optionally writing it as a sidecar.
//
// Format parsers (hdf5scan for HDF5 and netCDF-4, netcdf3 for the classic
// netCDF formats) know nothing of URLs, S3 or JSON: each is reached
// through the Format interface and shares its result, errors and
// description types with the pipeline through package format.
package scan

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gokerchunk/format"
)

// A Format is one file format a parser turns into a reference set.
type Format interface {
	// Name is the format's name in messages ("HDF5").
	Name() string
	// Signature describes where Match looks and for what, for the error
	// that names the signatures tried.
	Signature() string
	// Match tells whether the input carries the format's signature. Its
	// reads go through a probe that hands them to Scan again without a
	// second read, so Match should read what the parser reads first.
	Match(r io.ReaderAt, size int64) (bool, error)
	// Scan parses the input into a reference set; name is the input's
	// name in errors. It leaves out, and lists in the result's Skipped
	// and Damaged, the variables it cannot reference, whatever
	// opts.OnUnsupported says: File applies the policy. Its errors for an
	// input that cannot be referenced at all are *format.Error (corrupt),
	// *format.TruncatedError or *format.UnsupportedError.
	Scan(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*format.Result, error)
	// Inspect describes the input's groups and variables for people
	// (`gokerchunk info`).
	Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*format.Info, error)
}

// Formats are the formats File recognises, tried in order.
var Formats = []Format{hdf5Format{}, netCDF3Format{}}

// Options configure a format's parser.
type Options struct {
	// URL is the target the references name; usually the input's absolute
	// path or its s3:// URL (File sets it to the input when empty).
	URL string
	// InlineThreshold: chunks whose stored size is below this many bytes
	// are copied into the set instead of referenced (0: never).
	InlineThreshold int
	// OnUnsupported is what to do with a variable that cannot be
	// referenced as stored; "" is UnsupportedError.
	OnUnsupported OnUnsupported
}

// UnknownFormatError is an input that carries none of the signatures of
// Formats.
type UnknownFormatError struct {
	Input string
	Size  int64
	Tried []Format
	// Other names the input's format when it is one scan knows of but
	// does not read (HDF4, GRIB, a compressed file): see otherFormats.
	Other string
}

func (e *UnknownFormatError) Error() string {
	if e.Size == 0 {
		return fmt.Sprintf("%s: empty file (0 bytes): nothing to scan; was it written or copied completely?", e.Input)
	}
	if e.Other != "" {
		return fmt.Sprintf("%s: not a format gokerchunk reads (HDF5, netCDF-4, netCDF-3): it is %s", e.Input, e.Other)
	}
	sigs := make([]string, len(e.Tried))
	for i, f := range e.Tried {
		sigs[i] = fmt.Sprintf("%s (%s)", f.Name(), f.Signature())
	}
	return fmt.Sprintf("%s: not a file of a known format: no signature of %s found", e.Input, strings.Join(sigs, ", "))
}

// Detect returns the format of the input whose reads r makes.
func Detect(r io.ReaderAt, size int64, input string) (Format, error) {
	for _, f := range Formats {
		ok, err := f.Match(r, size)
		if err != nil {
			return nil, fmt.Errorf("%s: reading the %s signature: %w", input, f.Name(), err)
		}
		if ok {
			return f, nil
		}
	}
	return nil, &UnknownFormatError{Input: input, Size: size, Tried: Formats, Other: recogniseOther(r, size)}
}
