"""nc4_usertypes.nc: netCDF-4 user-defined types and strings as netCDF-C
writes them (netCDF4-python). User types are committed HDF5 datatypes
(named objects in the root group) that the datasets' datatype messages
point to, unlike h5py's inline types.

  names(y, x)        NC_STRING 2-D (vlen strings in the global heap) with
                     an empty string and non-ASCII text
  names_partial(t)   NC_STRING, chunked (2,), unlimited, only the first 3 of
                     6 elements written
  cloud(x)           enum cloud_t over int8 with _FillValue = missing (-1);
                     elements 2 and 4 never written (fill)
  stations(x)        compound station_t {int id; position_t pos;
                     short vals(3)}: a nested compound (position_t {float
                     lat, lon}) and an array member
  positions(x)       compound position_t alone
  ragged(x)          vlen of int32 (ragged_t), one empty sequence
  code(x, len)       NC_CHAR, 4 characters per element (one shorter, so
                     padded with NULs)
  plain(y, x)        float32, for comparison
Attributes: stations:ref_station (compound station_t), positions:origin
(compound, 2 values), cloud:_FillValue (enum), global NC_STRING array,
names:long_name (NC_CHAR).

Usage: /usr/bin/python3 nc4_usertypes.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np

POSITION = np.dtype([("lat", "<f4"), ("lon", "<f4")])
STATION = np.dtype([("id", "<i4"), ("pos", POSITION), ("vals", "<i2", (3,))])


def stations(n):
    a = np.zeros(n, STATION)
    a["id"] = np.arange(n) * 10 + 1
    a["pos"]["lat"] = np.arange(n) * 1.5 - 60
    a["pos"]["lon"] = np.arange(n) * -2.25 + 170
    a["vals"] = np.arange(n * 3).reshape(n, 3) - 4
    return a


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.title = "gokerchunk user-defined type fixture"
        ds.setncattr_string("keywords", ["enum", "compound", "vlen", "string", "Zürich"])
        ds.createDimension("y", 2)
        ds.createDimension("x", 5)
        ds.createDimension("t", None)
        ds.createDimension("len", 4)

        names = ds.createVariable("names", str, ("y", "x"))
        names.long_name = "station names"
        names[:] = np.array([["Oslo", "", "Zürich", "東京", "a longer name, with spaces"],
                             ["x", "naïve", "", "Reykjavík", "São Paulo"]], object)
        partial = ds.createVariable("names_partial", str, ("t",), chunksizes=(2,))
        partial[0:3] = np.array(["first", "", "third ✓"], object)
        partial_len = ds.createVariable("t", "i4", ("t",))
        partial_len[:] = np.arange(6, dtype="i4")  # the dimension grows to 6

        cloud_t = ds.createEnumType(np.int8, "cloud_t", {"clear": 0, "cumulus": 1, "stratus": 2,
                                                          "missing": -1})
        cloud = ds.createVariable("cloud", cloud_t, ("x",), fill_value=-1)
        cloud[0:2] = np.array([2, 0], "i1")
        cloud[3] = np.int8(1)

        position_t = ds.createCompoundType(POSITION, "position_t")
        station_t = ds.createCompoundType(STATION, "station_t")
        st = ds.createVariable("stations", station_t, ("x",))
        st[:] = stations(5)
        st.setncattr("ref_station", stations(1))
        pos = ds.createVariable("positions", position_t, ("x",))
        pos[:] = stations(5)["pos"][::-1]
        pos.setncattr("origin", stations(2)["pos"])

        ragged_t = ds.createVLType(np.int32, "ragged_t")
        ragged = ds.createVariable("ragged", ragged_t, ("x",))
        for i, seq in enumerate([[1, 2, 3], [], [-7], list(range(10, 20)), [42]]):
            ragged[i] = np.array(seq, "i4")

        code = ds.createVariable("code", "S1", ("x", "len"))
        code[:] = netCDF4.stringtochar(np.array(["ABCD", "efgh", "ij", "1234", "WXYZ"], "S4"))

        plain = ds.createVariable("plain", "f4", ("y", "x"))
        plain[:] = np.arange(10, dtype="f4").reshape(2, 5) * 0.5 - 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
