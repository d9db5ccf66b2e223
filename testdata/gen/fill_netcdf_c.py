"""fill_netcdf_c.nc: netCDF-C (through netCDF4-python) variables WITHOUT a
_FillValue attribute, where the HDF5 fill value is netCDF's default fill and
real data can equal it, plus one variable with an explicit _FillValue.

  ubyte_vals(x)        u1, no _FillValue, holds 0 1 128 254 255 7 (HDF5 fill 255)
  byte_vals(x)         i1, no _FillValue, holds -128 -127 0 1 126 127 (HDF5 fill -127)
  days(x)              i4, units "days since 2000-01-01", no _FillValue, holds
                       0 1 365 -2147483647 7305 -1 (HDF5 fill -2147483647)
  crs                  scalar i4, never written (HDF5 fill -2147483647), grid
                       mapping attributes only
  tas(y,x)             f4, grid_mapping = "crs", fully written
  partial_nofill(y,x)  f4 chunks (2,3), only chunks (0,0) and (1,1) written,
                       no _FillValue (HDF5 fill 9.96921e+36)
  partial_fill(y,x)    f4 chunks (2,3), only chunk (0,0) written, _FillValue -999
  time(time)           unlimited, chunks (4,), 5 records written
  short_rec(time)      i2 chunks (2,), only 3 records written: HDF5 extent (3,) while the
                       netCDF dimension time is 5; no _FillValue (fill -32767)

Usage: /usr/bin/python3 fill_netcdf_c.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import h5py
import netCDF4
import numpy as np

DEF = netCDF4.default_fillvals


def write(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("time", None)
        ds.createDimension("y", 4)
        ds.createDimension("x", 6)

        ub = ds.createVariable("ubyte_vals", "u1", ("x",))
        ub[:] = np.array([0, 1, 128, 254, 255, 7], "u1")
        b = ds.createVariable("byte_vals", "i1", ("x",))
        b[:] = np.array([-128, -127, 0, 1, 126, 127], "i1")
        d = ds.createVariable("days", "i4", ("x",))
        d.units = "days since 2000-01-01"
        d[:] = np.array([0, 1, 365, -2147483647, 7305, -1], "i4")

        crs = ds.createVariable("crs", "i4", ())
        crs.grid_mapping_name = "latitude_longitude"
        crs.longitude_of_prime_meridian = 0.0
        crs.semi_major_axis = 6378137.0
        crs.inverse_flattening = 298.257223563
        tas = ds.createVariable("tas", "f4", ("y", "x"))
        tas.grid_mapping = "crs"
        tas.units = "K"
        tas[:] = 270 + np.arange(24, dtype="f4").reshape(4, 6) / 2

        p = ds.createVariable("partial_nofill", "f4", ("y", "x"), chunksizes=(2, 3))
        p[0:2, 0:3] = np.arange(6, dtype="f4").reshape(2, 3) + 0.5
        p[2:4, 3:6] = -np.arange(6, dtype="f4").reshape(2, 3) - 0.5
        pf = ds.createVariable("partial_fill", "f4", ("y", "x"), chunksizes=(2, 3), fill_value=np.float32(-999))
        pf[0:2, 0:3] = np.arange(6, dtype="f4").reshape(2, 3) + 0.25

        t = ds.createVariable("time", "f8", ("time",), chunksizes=(4,))
        t.units = "days since 2000-01-01"
        t[0:5] = np.arange(5, dtype="f8")
        sr = ds.createVariable("short_rec", "i2", ("time",), chunksizes=(2,))
        sr[0:3] = np.array([10, -20, 30], "i2")


def check(out):
    with h5py.File(out, "r") as f:
        assert "_NCProperties" in f.attrs
        want_fill = {
            "ubyte_vals": DEF["u1"], "byte_vals": DEF["i1"], "days": DEF["i4"], "crs": DEF["i4"],
            "tas": DEF["f4"], "partial_nofill": DEF["f4"], "short_rec": DEF["i2"], "partial_fill": -999,
        }
        for name, fill in want_fill.items():
            ds = f[name]
            assert ds.fillvalue == np.array(fill, ds.dtype), (name, ds.fillvalue, fill)
            assert ("_FillValue" in ds.attrs) == (name == "partial_fill"), (name, list(ds.attrs))
        assert f["ubyte_vals"][4] == 255 and f["byte_vals"][1] == -127 and f["days"][3] == -2147483647
        assert f["crs"].id.get_storage_size() == 0, "crs must never be written"
        assert f["crs"].attrs["grid_mapping_name"] in (b"latitude_longitude", "latitude_longitude")
        assert f["tas"].attrs["grid_mapping"] in (b"crs", "crs")
        for name, nchunks in (("partial_nofill", 2), ("partial_fill", 1)):
            ds = f[name]
            assert ds.chunks == (2, 3) and ds.id.get_num_chunks() == nchunks, (name, ds.id.get_num_chunks())
        assert f["short_rec"].shape == (3,) and f["time"].shape == (5,), (f["short_rec"].shape, f["time"].shape)
    with netCDF4.Dataset(out) as ds:
        ds.set_auto_mask(False)
        assert ds.dimensions["time"].size == 5
        np.testing.assert_array_equal(ds["ubyte_vals"][:], [0, 1, 128, 254, 255, 7])
        np.testing.assert_array_equal(ds["short_rec"][:], [10, -20, 30, -32767, -32767])
        pn = ds["partial_nofill"][:]
        assert (pn[0:2, 3:6] == np.float32(DEF["f4"])).all() and pn[0, 0] == 0.5
        pf = ds["partial_fill"][:]
        assert (pf[2:4, :] == -999).all()
        assert ds["crs"][...] == DEF["i4"]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write(sys.argv[1])
    check(sys.argv[1])
