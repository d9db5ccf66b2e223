"""cmpd_v1_array_member.h5: a compound with an array member in the encoding
of HDF5 1.4-era files, datatype message version 1, where each member carries
a dimensionality and four dimension sizes (spec §IV.A.2.d, "Compound
Properties Description for Datatype Version 1"). libhdf5 1.6 and later
write array members as version 2 array datatypes and set the version-1
dimensions to zero, so the file is made by patching one: h5py writes
{id <i4 @0, vec <f4 @4, t <f8 @16} (24 bytes, a gap at 8-15, version 1),
then the member `vec` gets dimensionality 1 and size 3 in every copy of the
type, which makes it {id <i4, vec <f4 (3,), t <f8}. The values are written
as raw bytes through the gapped type, so the patched file holds them.

  rec (6,)          contiguous, the patched type; attribute `first` (scalar,
                    the same type) = rec[0]
  rec_chunked (6,)  the same, chunks (4,), unfiltered
  temperature (3,)  f4: the sibling that must scan whatever the compounds do
  root attribute `origin` (2,) of the patched type = rec[:2]

libhdf5 reads the patched type back as h5py's {id, vec (3,), t} (checked
below). Usage: /usr/bin/python3 cmpd_v1_array_member.py OUT.h5
"""
import struct
import sys

import h5py
import numpy as np

REC = np.dtype([("id", "<i4"), ("vec", "<f4", (3,)), ("t", "<f8")])
GAPPED = np.dtype({"names": ["id", "vec", "t"], "formats": ["<i4", "<f4", "<f8"], "offsets": [0, 4, 16], "itemsize": 24})


def rec():
    a = np.zeros(6, REC)
    a["id"] = np.arange(6) + 100
    a["vec"] = np.arange(18, dtype="f4").reshape(6, 3) / 2 - 3
    a["t"] = np.arange(6) * 0.25 + 7300
    return a


def write(out):
    raw = rec().view(GAPPED)  # same bytes: vec[1:] sit in the gap
    with h5py.File(out, "w", libver="earliest") as f:
        d = f.create_dataset("rec", data=raw, track_times=False)
        d.attrs["first"] = raw[0]
        f.create_dataset("rec_chunked", data=raw, chunks=(4,), track_times=False)
        f.create_dataset("temperature", data=np.array([1.5, 2.5, 3.5], "f4"), track_times=False)
        f.attrs["origin"] = raw[:2]


def patch(out):
    # Member "vec" of a version-1 compound: name padded to 8, offset 4,
    # dimensionality 0, reserved 3, permutation 4, reserved 4, 4 sizes.
    old = b"vec\0\0\0\0\0" + struct.pack("<I", 4) + bytes(28)
    new = b"vec\0\0\0\0\0" + struct.pack("<I", 4) + bytes([1]) + bytes(11) + struct.pack("<4I", 3, 0, 0, 0)
    with open(out, "rb") as fh:
        data = fh.read()
    n = data.count(old)
    assert n == 4, n  # rec, rec_chunked, attributes first and origin
    with open(out, "wb") as fh:
        fh.write(data.replace(old, new))


def check(out):
    with h5py.File(out, "r") as f:
        for name in ("rec", "rec_chunked"):
            ds = f[name]
            assert ds.dtype == REC, (name, ds.dtype)
            np.testing.assert_array_equal(ds[()], rec())
        assert f["rec_chunked"].chunks == (4,)
        assert f["rec"].attrs["first"].tobytes() == rec()[0].tobytes()
        assert f.attrs["origin"].tobytes() == rec()[:2].tobytes()


if __name__ == "__main__":
    write(sys.argv[1])
    patch(sys.argv[1])
    check(sys.argv[1])
