#!/usr/bin/python3
"""Write a netCDF-4 file shaped like typical model output, for the S3 scan
benchmark (BenchmarkS3Scan in cmd/gokerchunk).

Three float32 variables on (time, lat, lon), one deflated chunk per time
step, written step by step along the unlimited time dimension, as models
and CMOR write them: libhdf5 then allocates the nodes of each variable's
chunk B-tree as the tree grows, so they end up scattered over the whole
file among the chunks, and a scan reads metadata far from the file's head.
The data is noise (it does not compress), so the file is large for its
grid.

usage: typical_nc4.py OUT [STEPS [NLAT [NLON]]]   (default 365 45 90: ~18 MB)
"""
import sys

import netCDF4
import numpy as np

out = sys.argv[1]
nt, ny, nx = (int(a) for a in (sys.argv[2:] + ["365", "45", "90"][len(sys.argv) - 2:])[:3])
ds = netCDF4.Dataset(out, "w", format="NETCDF4")
ds.title = "typical daily model output (benchmark input)"
ds.createDimension("time", None)
ds.createDimension("lat", ny)
ds.createDimension("lon", nx)
ds.createDimension("bnds", 2)
t = ds.createVariable("time", "f8", ("time",))
t.units, t.calendar, t.bounds = "days since 2000-01-01", "standard", "time_bnds"
tb = ds.createVariable("time_bnds", "f8", ("time", "bnds"))
lat = ds.createVariable("lat", "f8", ("lat",))
lat.units = "degrees_north"
lat[:] = np.linspace(-90 + 90 / ny, 90 - 90 / ny, ny)
lon = ds.createVariable("lon", "f8", ("lon",))
lon.units = "degrees_east"
lon[:] = np.linspace(180 / nx, 360 - 180 / nx, nx)
variables = []
for name, units in [("tas", "K"), ("pr", "kg m-2 s-1"), ("huss", "1")]:
    v = ds.createVariable(name, "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                          chunksizes=(1, ny, nx), fill_value=np.float32(1e20))
    v.units, v.cell_methods = units, "time: mean"
    variables.append(v)
rng = np.random.default_rng(0)
for i in range(nt):
    t[i] = i + 0.5
    tb[i] = [i, i + 1]
    for v in variables:
        v[i] = rng.normal(280, 10, (ny, nx)).astype("f4")
ds.close()
