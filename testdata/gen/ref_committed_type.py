"""ref_committed_type.h5: object references to a committed (named) datatype,
which h5py and netCDF show as the type's path.

  /types/pair_t     committed compound {a <i4, b <f8}
  /data (3,) f8     attribute `type_ref` = reference to /types/pair_t
  /refs (2,)        object references to /types/pair_t and /data

Usage: /usr/bin/python3 ref_committed_type.py OUT.h5
"""
import sys

import h5py
import numpy as np


def write(out):
    with h5py.File(out, "w", libver="earliest") as f:
        f["types/pair_t"] = np.dtype([("a", "<i4"), ("b", "<f8")])
        d = f.create_dataset("data", data=np.array([1.5, 2.5, 3.5]), track_times=False)
        d.attrs.create("type_ref", f["types/pair_t"].ref, dtype=h5py.ref_dtype)
        r = f.create_dataset("refs", (2,), dtype=h5py.ref_dtype, track_times=False)
        r[0] = f["types/pair_t"].ref
        r[1] = d.ref


def check(out):
    with h5py.File(out, "r") as f:
        assert f[f["data"].attrs["type_ref"]].name == "/types/pair_t"
        assert [f[x].name for x in f["refs"][()]] == ["/types/pair_t", "/data"]


if __name__ == "__main__":
    write(sys.argv[1])
    check(sys.argv[1])
