package scan

import (
	"context"
	"io"

	"gokerchunk/format"
	"gokerchunk/netcdf3"
)

// netCDF3Format is the classic netCDF formats, parsed by netcdf3.
type netCDF3Format struct{}

func (netCDF3Format) Name() string { return "netCDF-3" }

func (netCDF3Format) Signature() string { return `"CDF\x01", "CDF\x02" or "CDF\x05" at byte 0` }

// Match reads the magic number, the first of the bytes the parser reads.
func (netCDF3Format) Match(r io.ReaderAt, size int64) (bool, error) {
	if size < 4 {
		return false, nil
	}
	buf := make([]byte, 4)
	if _, err := r.ReadAt(buf, 0); err != nil {
		return false, err
	}
	return netcdf3.IsMagic(buf), nil
}

func (netCDF3Format) Scan(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*format.Result, error) {
	return netcdf3.Scan(ctx, r, size, name, netcdf3.Options{
		URL:             opts.URL,
		InlineThreshold: opts.InlineThreshold,
		SkipUnsupported: true, // the policy is applied by File (OnUnsupported.check)
	})
}

func (netCDF3Format) Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*format.Info, error) {
	return netcdf3.Inspect(ctx, r, size, name)
}
