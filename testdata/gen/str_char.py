"""str_char.nc: netCDF char (NC_CHAR, HDF5 1-byte strings, numpy |S1) arrays
written by netCDF-C through netCDF4-python.

  name(n,strlen)   n=5, strlen=6, contiguous, no _FillValue (netCDF's default
                   char fill is NUL, HDF5 fill value 0): rows "abcdef" (full),
                   "" (all NUL), "xy" (NUL-padded), "" (all NUL), "uvwxyz" (full)
  code(m,strlen)   m=6, chunks (2,6), _FillValue = "-": rows 0-1 written
                   ("ab", ""), rows 2-5 never written (two missing chunks, every
                   byte the fill "-"); the written "" row is all NUL, not "-"

Usage: /usr/bin/python3 str_char.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import h5py
import netCDF4
import numpy as np

NAMES = [b"abcdef", b"", b"xy", b"", b"uvwxyz"]


def write(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("n", 5)
        ds.createDimension("m", 6)
        ds.createDimension("strlen", 6)
        name = ds.createVariable("name", "S1", ("n", "strlen"))
        name.long_name = "station name"
        name[:] = netCDF4.stringtochar(np.array(NAMES, "S6"))
        code = ds.createVariable("code", "S1", ("m", "strlen"), chunksizes=(2, 6), fill_value=b"-")
        code[0:2, :] = netCDF4.stringtochar(np.array([b"ab", b""], "S6"))


def check(out):
    with h5py.File(out, "r") as f:
        name, code = f["name"], f["code"]
        for ds in (name, code):
            tid = ds.id.get_type()
            assert tid.get_class() == h5py.h5t.STRING and tid.get_size() == 1, ds.name
            assert tid.get_strpad() == h5py.h5t.STR_NULLTERM, (ds.name, tid.get_strpad())
        assert "_FillValue" not in name.attrs and np.array(name.fillvalue, "S1").tobytes() == b"\x00", name.fillvalue
        assert code.attrs["_FillValue"] == b"-" and code.fillvalue == b"-", (code.attrs["_FillValue"], code.fillvalue)
        raw = name[:]
        assert raw.dtype == np.dtype("S1") and raw.shape == (5, 6)
        assert raw[1].tobytes() == b"\x00" * 6 and raw[0].tobytes() == b"abcdef" and raw[2].tobytes() == b"xy\x00\x00\x00\x00"
        assert code.chunks == (2, 6) and code.id.get_num_chunks() == 1
        c = code[:]
        assert (c[2:] == b"-").all() and (c[1] == b"").all() and c[0, 0] == b"a"
    with netCDF4.Dataset(out) as ds:
        ds.set_auto_mask(False)
        got = netCDF4.chartostring(ds["name"][:])
        assert list(got) == [s.decode() for s in NAMES], got
        assert list(netCDF4.chartostring(ds["code"][:])) == ["ab", "", "------", "------", "------", "------"]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write(sys.argv[1])
    check(sys.argv[1])
