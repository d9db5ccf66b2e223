"""cmpd_array_member.h5: plain HDF5 (h5py, libver earliest, track_times=False)
compound datasets beside an ordinary float dataset in the same group, so a
reader that cannot represent the compounds can still open the group.

  rec_chunked (6,)     compound {id <i4, vec <f4 (3,), t <f8} (array member,
                       packed, 24 bytes), chunks (4,), chunk 1 partial (edge)
  rec_contiguous (6,)  the same type and values, contiguous
  rec_nested (4,)      compound {id <i4, pos {x <f4, y <f4}, t <f8} (nested
                       compound member, packed, 20 bytes), contiguous
  temperature (3,4)    f4, contiguous: the sibling that must always open
  obs/                 group holding the same three compounds (rec_chunked,
                       rec_contiguous, rec_nested) and obs/temperature

Usage: /usr/bin/python3 cmpd_array_member.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np

REC = np.dtype([("id", "<i4"), ("vec", "<f4", (3,)), ("t", "<f8")])
NESTED = np.dtype([("id", "<i4"), ("pos", [("x", "<f4"), ("y", "<f4")]), ("t", "<f8")])


def rec():
    a = np.zeros(6, REC)
    a["id"] = np.arange(6) + 100
    a["vec"] = np.arange(18, dtype="f4").reshape(6, 3) / 2 - 3
    a["t"] = np.arange(6) * 0.25 + 7300
    return a


def nested():
    a = np.zeros(4, NESTED)
    a["id"] = [1, 2, -3, 4]
    a["pos"]["x"] = [0.5, 1.5, -2.5, 3.5]
    a["pos"]["y"] = [10, 20, 30, 40]
    a["t"] = [1e300, -0.0, np.inf, 42]
    return a


def fill(g):
    g.create_dataset("rec_chunked", data=rec(), chunks=(4,), track_times=False)
    g.create_dataset("rec_contiguous", data=rec(), track_times=False)
    g.create_dataset("rec_nested", data=nested(), track_times=False)
    t = g.create_dataset("temperature", data=np.arange(12, dtype="f4").reshape(3, 4) + 0.5, track_times=False)
    t.attrs["units"] = "K"


def check(out):
    with h5py.File(out, "r") as f:
        for g in (f, f["obs"]):
            for name in ("rec_chunked", "rec_contiguous"):
                ds = g[name]
                assert ds.dtype == REC and ds.dtype.itemsize == 24, (ds.name, ds.dtype)
                tid = ds.id.get_type()
                assert tid.get_class() == h5py.h5t.COMPOUND
                assert tid.get_member_type(1).get_class() == h5py.h5t.ARRAY
                np.testing.assert_array_equal(ds[()], rec())
            assert g["rec_chunked"].chunks == (4,) and g["rec_contiguous"].chunks is None
            n = g["rec_nested"]
            assert n.dtype == NESTED and n.dtype.itemsize == 20, n.dtype
            assert n.id.get_type().get_member_type(1).get_class() == h5py.h5t.COMPOUND
            np.testing.assert_array_equal(n[()], nested())
            np.testing.assert_array_equal(g["temperature"][()], np.arange(12, dtype="f4").reshape(3, 4) + 0.5)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with h5py.File(sys.argv[1], "w") as f:
        fill(f)
        fill(f.create_group("obs"))
    check(sys.argv[1])
