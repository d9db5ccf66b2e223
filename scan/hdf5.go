package scan

import (
	"bytes"
	"context"
	"io"

	"gokerchunk/format"
	"gokerchunk/hdf5scan"
	"gokerchunk/netcdf3"
)

// hdf5Format is HDF5, and netCDF-4 on it, parsed by hdf5scan.
type hdf5Format struct{}

// hdf5Signature is the 8-byte HDF5 format signature (HDF5 spec §II.A).
var hdf5Signature = []byte("\x89HDF\r\n\x1a\n")

func (hdf5Format) Name() string { return "HDF5" }

func (hdf5Format) Signature() string { return `"\x89HDF\r\n\x1a\n" at byte 0, 512, 1024, 2048, ...` }

// Match looks for the signature where libhdf5 (and hdf5scan after it)
// does: at 0, then at 512 and every power of two after it, as a user
// block of any such size may precede the superblock.
//
// A file that starts with a netCDF classic magic number is not searched
// further: netCDF-C decides by the magic number at byte 0 before it looks
// for an HDF5 superblock after a user block, and the search would cost a
// large netCDF-3 file on S3 a GET for every power of two past the head.
func (hdf5Format) Match(r io.ReaderAt, size int64) (bool, error) {
	buf := make([]byte, len(hdf5Signature))
	for off := int64(0); off+int64(len(buf)) <= size; {
		if _, err := r.ReadAt(buf, off); err != nil {
			return false, err
		}
		if bytes.Equal(buf, hdf5Signature) {
			return true, nil
		}
		if off == 0 && netcdf3.IsMagic(buf) {
			return false, nil
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return false, nil
}

func (hdf5Format) Scan(ctx context.Context, r io.ReaderAt, size int64, name string, opts Options) (*format.Result, error) {
	o := hdf5scan.Options{URL: opts.URL, InlineThreshold: opts.InlineThreshold}
	opts.OnUnsupported.apply(&o)
	return hdf5scan.Scan(ctx, r, size, name, o)
}

func (hdf5Format) Inspect(ctx context.Context, r io.ReaderAt, size int64, name string) (*format.Info, error) {
	return hdf5scan.Inspect(ctx, r, size, name)
}
