"""nc4_layouts.nc: data layout message v3 storage classes as netCDF-C writes them.

contiguous, contiguous never written (undefined address), chunked
with partial edge chunks, chunked with only some chunks written (the others
must read as the fill value), and a chunked variable with no chunk at all.
Compact storage is in nc4_types.cdl (netCDF4-python 1.6.2 cannot ask for it).

Usage: /usr/bin/python3 nc4_layouts.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("y", 7)
        ds.createDimension("x", 9)
        grid = np.arange(63, dtype="f4").reshape(7, 9) / 4

        contiguous = ds.createVariable("contiguous", "f4", ("y", "x"), contiguous=True)
        contiguous[:] = grid

        # Declared but never written: libhdf5 allocates no storage (late
        # allocation), so the address is undefined and every value is the fill.
        ds.createVariable("contiguous_unwritten", "f8", ("y", "x"),
                          contiguous=True, fill_value=-1.0)

        # 7x9 in 3x4 chunks: the last row and column of chunks are partial.
        edge = ds.createVariable("chunked_edges", "f4", ("y", "x"), chunksizes=(3, 4))
        edge[:] = grid

        # Only chunks (0,0) and (2,2) are written; the rest stay unallocated.
        sparse = ds.createVariable("chunked_sparse", "i4", ("y", "x"),
                                   chunksizes=(3, 4), fill_value=-7)
        sparse[0:3, 0:4] = np.arange(12).reshape(3, 4)
        sparse[6:7, 8:9] = 99

        ds.createVariable("chunked_unwritten", "u2", ("y", "x"), chunksizes=(3, 4))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
