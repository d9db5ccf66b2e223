"""nc4_dims_odd.nc: dimension layouts netCDF-C writes that plain h5py would
not produce in netCDF form.

  square(x, x)        one dimension used twice: DIMENSION_LIST holds the same
                      dimension scale for both axes
  x(x, y)             a 2-D variable named like a dimension: netCDF-C 4.9
                      makes this (5, 3) dataset itself the dimension scale of
                      x (CLASS, NAME "x", _Netcdf4Dimid 0) and keeps its own
                      dimensions only in _Netcdf4Coordinates [0, 1] (a scale
                      has no DIMENSION_LIST); the length of x is 5, not 15
  y(y)                an ordinary coordinate variable
  cube(y, x, y)       dimensions repeated, not adjacent
  time(time)          unlimited coordinate, 3 records
  obs(time, x)        unlimited first dimension, chunked (1, 5), rows 0-2 written

Usage: /usr/bin/python3 nc4_dims_odd.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("x", 5)
        ds.createDimension("y", 3)
        ds.createDimension("time", None)
        sq = ds.createVariable("square", "i2", ("x", "x"))
        sq[:] = np.arange(25, dtype="i2").reshape(5, 5) * 3 - 30
        noncoord = ds.createVariable("x", "f4", ("x", "y"))
        noncoord.long_name = "not a coordinate variable although named like dimension x"
        noncoord[:] = np.arange(15, dtype="f4").reshape(5, 3) * 0.5 + 0.25
        y = ds.createVariable("y", "f8", ("y",))
        y[:] = [10.0, 20.0, 40.0]
        cube = ds.createVariable("cube", "i4", ("y", "x", "y"))
        cube[:] = np.arange(45, dtype="i4").reshape(3, 5, 3) - 20
        t = ds.createVariable("time", "f8", ("time",))
        t.units = "days since 2020-01-01"
        t[0:3] = [0.5, 1.5, 2.5]
        obs = ds.createVariable("obs", "f4", ("time", "x"), chunksizes=(1, 5))
        obs[0:3, :] = np.arange(15, dtype="f4").reshape(3, 5) - 7.5


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
