"""Writes the HDF5 files the zarrcheck tests check against, and prints on
stdout (JSON) what h5py reads from every dataset and how the scanner would
describe it, so the Go tests can build a reference set by hand.

    /usr/bin/python3 zarrcheck/testdata/gen_hdf5.py OUTDIR

OUTDIR/plain.h5 is HDF5 without netCDF conventions (read with libhdf5):
compounds with padding, nesting and array members, complex numbers (h5py's
{r, i} compounds), opaque, h5py booleans (an enum), half floats, an
HDF5 array-type dataset, variable- and fixed-length strings.
OUTDIR/netcdf4.nc is netCDF-4 (netCDF4-python) with a compound and an
NC_STRING variable, to which h5py then adds a fixed-length string dataset
(which libnetcdf 4.9 misreads) and a boolean; and a compound along an
unlimited dimension that another variable extends further.

Datasets are contiguous where they can be, so that a reference is one byte
range (dset.id.get_offset()); variable-length strings, whose bytes on disk
are heap references, get their chunk inline as numcodecs' VLenUTF8 encodes
it; the test inlines the values of the two chunked ones.
The scanner's Zarr dtype is zarr-python's own encoding of the numpy dtype
(zarr.meta.Metadata2.encode_dtype): a type string, or the descr list of a
structured dtype with its padding fields.
"""
import base64
import json
import math
import os
import sys

import h5py
import netCDF4
import numcodecs
import numpy as np
from zarr.meta import Metadata2


def b64(b):
    return base64.b64encode(bytes(b)).decode()


def describe(f, name, zarr_dtype=None):
    """What the Go test needs of dataset name of the open h5py file f."""
    d = f[name]
    arr = d[()]
    dt = d.dtype
    out = {"path": name.lstrip("/"), "h5py_shape": list(d.shape)}
    if h5py.check_string_dtype(dt) is not None and h5py.check_string_dtype(dt).length is None:
        strings = [s.decode() if isinstance(s, bytes) else s for s in np.asarray(arr, dtype=object).ravel()]
        out.update(zarr_dtype="|O", shape=list(d.shape), strings=strings,
                   vlen_utf8=b64(numcodecs.VLenUTF8().encode(np.array(strings, dtype=object))))
        return out
    out["offset"] = d.id.get_offset()  # None unless contiguous and written
    out["nbytes"] = d.id.get_storage_size()
    base = dt.base if dt.subdtype is not None else dt
    out["zarr_dtype"] = zarr_dtype or Metadata2.encode_dtype(base)
    out["shape"] = list(arr.shape)
    if base.names is not None:
        # Each member's bytes in the file's order, from numpy's view.
        out["fields"] = {n: b64(np.ascontiguousarray(arr[n]).tobytes()) for n in base.names}
    elif base.kind == "c":
        out["fields"] = {"r": b64(np.ascontiguousarray(arr.real).tobytes()),
                         "i": b64(np.ascontiguousarray(arr.imag).tobytes())}
    elif base.kind in "iuf":
        out["native"] = b64(np.ascontiguousarray(arr, dtype=base.newbyteorder("=")).tobytes())
    else:  # S, V, b: no byte order
        out["raw"] = b64(np.ascontiguousarray(arr).tobytes())
    return out


def plain(path):
    kw = dict(track_times=False)
    with h5py.File(path, "w", libver="earliest") as f:
        padded = np.dtype({"names": ["a", "b"], "formats": ["<i4", "<f8"], "offsets": [0, 8], "itemsize": 24})
        v = np.zeros(3, padded)
        v["a"], v["b"] = [1, -2, 2**31 - 1], [0.5, math.nan, -math.inf]
        f.create_dataset("compound_padded", data=v, **kw)

        nested = np.dtype([("n", [("x", "u1"), ("y", ">i2", (3,))]), ("arr", "<i4", (2, 3)), ("c", ">c8")])
        v = np.zeros(2, nested)
        v["n"]["x"] = [7, 255]
        v["n"]["y"] = [[1, -2, 3], [-4, 5, -32768]]
        v["arr"] = np.arange(12, dtype="<i4").reshape(2, 2, 3) - 6
        v["c"] = [1 + 2j, complex(math.nan, -1)]
        f.create_dataset("grp/compound_nested", data=v, **kw)

        f.create_dataset("complex64", data=np.array([[1 + 1j, complex(0, math.nan)], [-2.5, math.inf]], "<c8"), **kw)
        f.create_dataset("complex128_be", data=np.array([1e-300 - 1e300j, -0.0], ">c16"), **kw)
        f.create_dataset("opaque", data=np.array([b"abcdefg", b"\x00\xff\x00\xff\x00\xff\x00"], "V7"), **kw)
        f.create_dataset("bool", data=np.array([True, False, True]), **kw)
        f.create_dataset("half", data=np.array([1.5, -65504, math.nan], "<f2"), **kw)
        f.create_dataset("half_be", data=np.array([[math.inf, 0.333]], ">f2"), **kw)
        f.create_dataset("fixed_string", data=np.array([b"abc", b"hello"], "S5"), **kw)
        f.create_dataset("vlen_string", data=np.array(["a", "h\u00e9llo", "", "\u65e5\u672c"], dtype=object),
                         dtype=h5py.string_dtype(), **kw)

        # An HDF5 array datatype: 3 elements of int16[2] big-endian. h5py's
        # high-level API would expand it into a (3, 2) dataset, so use the
        # low-level one.
        atype = h5py.h5t.array_create(h5py.h5t.STD_I16BE, (2,))
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_obj_track_times(False)
        dsid = h5py.h5d.create(f.id, b"array_type", atype, h5py.h5s.create_simple((3,)), dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array([[1, -1], [256, -256], [32767, -32768]], ">i2"), mtype=atype)

        return [describe(f, n) for n in ["compound_padded", "grp/compound_nested", "complex64", "complex128_be",
                                          "opaque", "bool", "half", "half_be", "fixed_string", "vlen_string",
                                          "array_type"]]


def netcdf4(path):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.createDimension("n", 3)
        rec = np.dtype([("id", "<i4"), ("value", "<f8")])
        ctype = ds.createCompoundType(rec, "rec_t")
        v = ds.createVariable("records", ctype, ("n",), contiguous=True)
        data = np.zeros(3, rec)
        data["id"], data["value"] = [1, 2, 3], [0.5, -1.5, math.nan]
        v[:] = data
        s = ds.createVariable("names", str, ("n",))
        s[:] = np.array(["Oslo", "Z\u00fcrich", ""], dtype=object)
        t = ds.createVariable("temp", "f4", ("n",), contiguous=True)
        t[:] = [1.5, -2.0, 3.25]
        # Along an unlimited dimension that "long" extends to 4: the HDF5
        # extent of "short_records" stays 2, its netCDF shape is 4.
        ds.createDimension("t", None)
        ds.createVariable("short_records", ctype, ("t",))[0:2] = data[:2]
        ds.createVariable("long", "<i2", ("t",))[:] = [1, -2, 3, -4]
    with h5py.File(path, "a") as f:
        # Datasets netCDF-C did not write: libnetcdf lists them with phony
        # dimensions, the first as a string variable it reads wrongly.
        f.create_dataset("labels", data=np.array([b"ab", b"cde"], "S3"), track_times=False)
        f.create_dataset("flags", data=np.array([True, False]), track_times=False)
    with h5py.File(path, "r") as f:
        return [describe(f, n) for n in ["records", "names", "temp", "labels", "flags", "short_records", "long"]]


def main(outdir):
    out = {
        "plain.h5": plain(os.path.join(outdir, "plain.h5")),
        "netcdf4.nc": netcdf4(os.path.join(outdir, "netcdf4.nc")),
    }
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
