package scan

import (
	"bytes"
	"io"
)

// otherFormat is a file format scan does not read but can name, so that
// the error for such an input says what it is and what to do instead of
// listing signatures that were not found.
type otherFormat struct {
	magic []byte // at byte 0
	what  string // the format, and what to do
}

// otherFormats are the formats often found beside NetCDF and HDF5 files
// in archives, and the wrappers such files come in.
var otherFormats = []otherFormat{
	{[]byte{0x0e, 0x03, 0x13, 0x01}, "an HDF4 file (HDF4 is not HDF5): convert it to HDF5 or netCDF-4 first (h4toh5, or gdal_translate -of netCDF)"},
	{[]byte("GRIB"), "a GRIB file: convert it to netCDF-4 first (cdo -f nc4 copy, or grib_to_netcdf)"},
	{[]byte("CDF"), "a netCDF classic file of an unknown version (byte 3 is neither 1, 2 nor 5): was it written or copied completely?"},
	{[]byte("netcdf "), "CDL text (ncdump's output), not a netCDF file: make one with ncgen"},
	{[]byte{0x1f, 0x8b}, "gzip-compressed: decompress it first (gunzip)"},
	{[]byte("BZh"), "bzip2-compressed: decompress it first (bunzip2)"},
	{[]byte{0xfd, '7', 'z', 'X', 'Z', 0}, "xz-compressed: decompress it first (unxz)"},
	{[]byte{0x28, 0xb5, 0x2f, 0xfd}, "zstd-compressed: decompress it first (unzstd)"},
	{[]byte("PK\x03\x04"), "a zip archive: unpack it first"},
}

// recogniseOther names the format of an input none of Formats matched,
// or returns "".
func recogniseOther(r io.ReaderAt, size int64) string {
	head := make([]byte, min(size, 8))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return ""
	}
	for _, f := range otherFormats {
		if bytes.HasPrefix(head, f.magic) {
			return f.what
		}
	}
	return ""
}
