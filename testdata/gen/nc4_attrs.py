"""nc4_attrs.nc: netCDF-4 attributes (attribute message v3).

Covers every number type as length-1 and length-n attributes, NC_CHAR and
NC_STRING (variable-length) text, arrays of NC_STRING, a NaN float, UTF-8 text,
dense attribute storage (more than 8 attributes on one variable) and one
attribute over 64 KiB, which libhdf5 stores as a fractal-heap "huge" object.

Usage: /usr/bin/python3 nc4_attrs.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np

NUMBER_TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("x", 3)
        # Root: a handful of attributes, stays compact (in the object header).
        ds.title = "gokerchunk attribute fixture"
        ds.setncattr_string("string_attr", "a variable-length NC_STRING")
        ds.setncattr_string("string_array", ["one", "two", "three"])
        ds.utf8_text = "température ≈ 20 °C — 東京"
        ds.nan_value = np.float32("nan")

        compact = ds.createVariable("compact_attrs", "f4", ("x",))
        compact[:] = [1, 2, 3]
        compact.units = "K"
        compact.valid_range = np.array([0, 400], "f4")

        # More than 8 attributes: netCDF-C switches this object to dense storage.
        dense = ds.createVariable("dense_attrs", "i4", ("x",))
        dense[:] = [4, 5, 6]
        for t in NUMBER_TYPES:
            dt = np.dtype(t)
            info = np.iinfo(dt) if dt.kind in "iu" else np.finfo(dt)
            dense.setncattr(f"one_{t}", np.array([info.max], dt))
            dense.setncattr(f"many_{t}", np.array([info.min, 0, 1, info.max], dt))
        dense.char_attr = "fixed NC_CHAR text"
        dense.setncattr_string("nc_string_attr", "vlen text")
        dense.setncattr_string("nc_string_array", ["a", "", "ccc"])
        dense.nan_f8 = np.array([np.nan, 1.0, -np.inf], "f8")
        dense.empty_char = ""

        # One attribute over 64 KiB: a fractal-heap huge object.
        huge = ds.createVariable("huge_attr", "f8", ("x",))
        huge[:] = [7, 8, 9]
        huge.lookup_table = np.arange(10000, dtype="f8") * 0.5  # 80 000 bytes


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
