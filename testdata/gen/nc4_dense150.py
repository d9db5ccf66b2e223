"""nc4_dense150.nc: 150 data variables in one group, the scan benchmark's
"many datasets" file (kerchunk takes about 95 ms on such a file).

More than 8 links put the root group's links in dense storage (fractal heap
+ v2 B-tree of link names); each variable has 6 attributes, so its own
attributes stay compact.

Usage: /usr/bin/python3 nc4_dense150.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np

N = 150


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("time", 3)
        ds.createDimension("lat", 4)
        ds.createDimension("lon", 5)
        t = ds.createVariable("time", "f8", ("time",))
        t.units = "days since 2000-01-01"
        t[:] = np.arange(3, dtype="f8")
        ds.createVariable("lat", "f4", ("lat",))[:] = np.linspace(-45, 45, 4)
        ds.createVariable("lon", "f4", ("lon",))[:] = np.linspace(0, 288, 5)
        for i in range(N):
            # Every fifth variable deflated in 3 chunks (a v1 B-tree of
            # about 2 KB each), the rest contiguous, to keep the file small.
            if i % 5 == 0:
                v = ds.createVariable(f"var{i:03d}", "f4", ("time", "lat", "lon"),
                                      zlib=True, complevel=1, chunksizes=(1, 4, 5))
            else:
                v = ds.createVariable(f"var{i:03d}", "f4", ("time", "lat", "lon"), contiguous=True)
            v.units = "K"
            v.long_name = f"variable number {i}"
            v.standard_name = "air_temperature"
            v.cell_methods = "time: mean"
            v.valid_min = np.float32(0)
            v.valid_max = np.float32(400)
            v[:] = (np.arange(60, dtype="f4") + i).reshape(3, 4, 5)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
