"""Fixtures the scanner must reject with a typed "unsupported" error.

  h5_latest_enum.h5         enumerated datatype, chunked in libver='latest'
                            (fixed-array index); a chunked integer dataset
                            beside it is supported
  nc4_vlen_string.nc        netCDF NC_STRING variable (vlen strings in the
                            global heap: chunk bytes are only descriptors)
  h5_compound.h5            compound datatype dataset (h5py earliest)

Usage: /usr/bin/python3 unsupported.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys

import h5py
import netCDF4
import numpy as np


def enum(path):
    dt = h5py.enum_dtype({"calm": 0, "breeze": 1, "gale": 2}, basetype="u1")
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("wind", data=np.array([[0, 1, 2, 1], [2, 2, 0, 1]], "u1"), dtype=dt,
                         chunks=(1, 2), track_times=False)
        f.create_dataset("chunked_ok", data=np.arange(40, dtype="<i4").reshape(4, 10),
                         chunks=(2, 5), track_times=False)


def vlen_string(path):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("station", 3)
        names = ds.createVariable("station_name", str, ("station",))
        names[:] = np.array(["Oslo", "Zürich", ""], dtype=object)
        ok = ds.createVariable("elevation", "f4", ("station",))
        ok[:] = [23.0, 408.0, -1.0]


def compound(path):
    dt = np.dtype([("id", "<i4"), ("value", "<f8")])
    with h5py.File(path, "w", libver="earliest") as f:
        f.create_dataset("records", data=np.array([(1, 0.5), (2, -1.5)], dt), track_times=False)
        f.create_dataset("plain_ok", data=np.arange(2, dtype="<i2"), track_times=False)


def main(outdir):
    enum(os.path.join(outdir, "h5_latest_enum.h5"))
    vlen_string(os.path.join(outdir, "nc4_vlen_string.nc"))
    compound(os.path.join(outdir, "h5_compound.h5"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
