// Package netcdf3 reads the header of netCDF classic files — CDF-1
// (classic), CDF-2 (64-bit offset) and CDF-5 (64-bit data) — and
// translates every variable into Zarr v2 metadata plus the byte ranges of
// its data (a refs.Set). The format stores values uncompressed and
// big-endian, so references point at the stored bytes as they are. Like
// hdf5scan it reads through an io.ReaderAt and knows nothing of URLs, S3
// or JSON.
//
// The variables, dimensions and attributes come out as xarray shows the
// source through netCDF4-python: every variable is an array in the root
// group named by its dimensions (_ARRAY_DIMENSIONS; a char variable keeps
// its string-length dimension, which xarray's CharacterArrayCoder folds
// away), a dimension without a variable of its name is only a name, and
// the Zarr fill_value is the variable's _FillValue attribute when it has
// one, else null (xarray masks fill_value, and on the source it masks
// only _FillValue and missing_value).
package netcdf3

import (
	"context"
	"io"

	"gokerchunk/format"
)

// Options control a scan.
type Options struct {
	// URL is the target that references name; the input's name when
	// empty.
	URL string
	// InlineThreshold: chunks smaller than this many bytes are copied
	// into the reference set instead of referenced (0: never).
	InlineThreshold int
	// SkipUnsupported leaves out variables whose data lies past the end
	// of a truncated file, listed in Result.Damaged (a
	// *format.TruncatedError each), and those that cannot be referenced,
	// in Result.Skipped; otherwise Scan fails on the first one.
	SkipUnsupported bool
}

// file is a parsed header with the layout of the data it describes.
type file struct {
	name string
	size int64
	*header
	*dataLayout
}

// open reads and checks the header of r.
func open(r io.ReaderAt, size int64, name string) (*file, error) {
	d := newDecoder(r, size, name)
	h, err := d.readHeader()
	if err != nil {
		return nil, d.headerError()
	}
	l, err := layoutOf(h, size, name)
	if err != nil {
		return nil, err
	}
	return &file{name: name, size: size, header: h, dataLayout: l}, nil
}

// Scan reads the file's header and returns its reference set.
func Scan(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*format.Result, error) {
	f, err := open(r, size, name)
	if err != nil {
		return nil, err
	}
	if opts.URL == "" {
		opts.URL = name
	}
	return newScanner(ctx, r, f, opts).scan()
}
