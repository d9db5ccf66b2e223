"""nc4_many_chunks.nc: 3000 one-element chunks along an unlimited dimension.

libhdf5's default chunk B-tree node holds 64 children, so 3000 chunks need
a v1 B-tree (node type 1) with two levels. A second variable has (10, 2)
chunks on a (3000, 2) grid of which the last 1000 rows are never written.

Usage: /usr/bin/python3 nc4_many_chunks.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np

N = 3000


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("time", None)
        ds.createDimension("two", 2)
        t = ds.createVariable("time", "f8", ("time",), chunksizes=(1,))
        t.units = "hours since 2000-01-01 00:00:00"
        t[:] = np.arange(N, dtype="f8")
        v = ds.createVariable("pair", "i2", ("time", "two"), chunksizes=(10, 2),
                              fill_value=-1)
        v[: N - 1000] = (np.arange(2 * (N - 1000)) % 30000).astype("i2").reshape(-1, 2)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
