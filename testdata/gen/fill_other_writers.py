"""Fill values as writers other than netCDF-C leave them: no _FillValue
attribute and the HDF5 fill value at libhdf5's default 0 (not netCDF's
default fill), so unwritten chunks read as 0 in h5py / libnetcdf.

  fill_h5netcdf.nc   h5netcdf 1.1 (netCDF-4 through h5py; root _NCProperties
                     "version=2,h5netcdf=...,hdf5=...,h5py=..."):
      partial(y,x)       f4 chunks (2,3), only chunks (0,0) and (1,1) written,
                         no _FillValue, HDF5 fill 0
      ubyte_vals(x)      u1 holding 0 1 128 254 255 7 (255 = netCDF's default
                         ubyte fill, but here the HDF5 fill is 0)
      scalar_unwritten   scalar i4, never written (contiguous, no storage), fill 0
      x(x), y(y)         coordinates
  fill_h5py_ncprops.h5  plain h5py (track_times=False) that sets the root
                     attribute _NCProperties = "version=2,netcdf=4.9.0,hdf5=1.10.8"
                     (fixed-length string, as netCDF-C writes it) itself, no
                     dimension scales:
      partial(8,6)       f4 chunks (4,3), chunks (0,0) and (1,1) written, no fill
                         value set (HDF5 fill 0)
      full(6,)           i2 contiguous, written

Usage: /usr/bin/python3 fill_other_writers.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys

import h5netcdf
import h5py
import numpy as np


def h5netcdf_file(path):
    with h5netcdf.File(path, "w") as f:
        f.dimensions = {"y": 4, "x": 6}
        x = f.create_variable("x", ("x",), "f8")
        x[:] = np.arange(6, dtype="f8")
        y = f.create_variable("y", ("y",), "f8")
        y[:] = np.arange(4, dtype="f8") * 10
        p = f.create_variable("partial", ("y", "x"), "f4", chunks=(2, 3))
        p[0:2, 0:3] = np.arange(6, dtype="f4").reshape(2, 3) + 0.5
        p[2:4, 3:6] = -np.arange(6, dtype="f4").reshape(2, 3) - 0.5
        ub = f.create_variable("ubyte_vals", ("x",), "u1")
        ub[:] = np.array([0, 1, 128, 254, 255, 7], "u1")
        s = f.create_variable("scalar_unwritten", (), "i4")
        s.attrs["long_name"] = "never written"


def h5py_file(path):
    with h5py.File(path, "w") as f:
        f.attrs["_NCProperties"] = np.bytes_(b"version=2,netcdf=4.9.0,hdf5=1.10.8")
        p = f.create_dataset("partial", shape=(8, 6), dtype="f4", chunks=(4, 3), track_times=False)
        p[0:4, 0:3] = np.arange(12, dtype="f4").reshape(4, 3) + 1
        p[4:8, 3:6] = -np.arange(12, dtype="f4").reshape(4, 3) - 1
        f.create_dataset("full", data=np.array([1, -2, 3, -4, 5, -6], "i2"), track_times=False)


def check(nc, h5):
    with h5py.File(nc, "r") as f:
        props = f.attrs["_NCProperties"]
        props = props.decode() if isinstance(props, bytes) else props
        assert props.startswith("version=2,h5netcdf="), props
        for name in ("partial", "ubyte_vals", "scalar_unwritten"):
            ds = f[name]
            assert ds.fillvalue == 0 and "_FillValue" not in ds.attrs, (name, ds.fillvalue, list(ds.attrs))
        assert f["partial"].chunks == (2, 3) and f["partial"].id.get_num_chunks() == 2
        assert f["partial"][0, 5] == 0 and f["partial"][0, 0] == 0.5
        assert f["ubyte_vals"][4] == 255
        assert f["scalar_unwritten"].shape == () and f["scalar_unwritten"].id.get_storage_size() == 0
        assert f["scalar_unwritten"][()] == 0
    with h5py.File(h5, "r") as f:
        assert f.attrs["_NCProperties"] == b"version=2,netcdf=4.9.0,hdf5=1.10.8", f.attrs["_NCProperties"]
        assert f.attrs.get_id("_NCProperties").get_type().get_class() == h5py.h5t.STRING
        assert not f.attrs.get_id("_NCProperties").get_type().is_variable_str()
        p = f["partial"]
        assert p.fillvalue == 0 and p.id.get_num_chunks() == 2 and p.chunks == (4, 3)
        assert (p[0:4, 3:6] == 0).all() and (p[4:8, 0:3] == 0).all() and p[0, 0] == 1
        assert p.id.get_create_plist().fill_value_defined() == h5py.h5d.FILL_VALUE_DEFAULT


def main(outdir):
    nc = os.path.join(outdir, "fill_h5netcdf.nc")
    h5 = os.path.join(outdir, "fill_h5py_ncprops.h5")
    h5netcdf_file(nc)
    h5py_file(h5)
    check(nc, h5)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
