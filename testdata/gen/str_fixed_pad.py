"""str_fixed_pad.h5: plain HDF5 fixed-length 8-byte strings, one dataset per
padding type, written through h5py's low-level API with the file type as the
memory type, so the stored bytes are exactly the bytes below (no conversion).

  nullterm (4,)   STR_NULLTERM: b"ab\\x00xyz\\x00\\x00" (bytes after the
                  terminator), b"abcdefg\\x00", b"\\x00"*8, b"hello\\x00\\x00\\x00"
  nullpad (4,)    STR_NULLPAD: b"ab" + 6 NULs, b"abcdefgh" (full), 8 NULs,
                  b"a\\x00b" + 5 NULs (inner NUL)
  spacepad (4,)   STR_SPACEPAD: b"ab      ", b"a b     " (inner space),
                  b"abcdefgh" (full), 8 spaces
  spacepad_gzip (12,)  STR_SPACEPAD, chunks (4,), deflate 4, all 3 chunks written
  with_attrs (2,) i4 dataset carrying attributes nullterm, nullpad, spacepad
                  (shape (2,), same types, bytes as in the first two values of
                  each dataset above)

Usage: /usr/bin/python3 str_fixed_pad.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np

VALUES = {
    "nullterm": (h5py.h5t.STR_NULLTERM, [b"ab\x00xyz\x00\x00", b"abcdefg\x00", b"\x00" * 8, b"hello\x00\x00\x00"]),
    "nullpad": (h5py.h5t.STR_NULLPAD, [b"ab\x00\x00\x00\x00\x00\x00", b"abcdefgh", b"\x00" * 8, b"a\x00b\x00\x00\x00\x00\x00"]),
    "spacepad": (h5py.h5t.STR_SPACEPAD, [b"ab      ", b"a b     ", b"abcdefgh", b"        "]),
}
GZIP = [b"s%-7d" % i for i in range(12)]  # b"s0      " ... b"s11     "


def strtype(pad):
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(8)
    tid.set_strpad(pad)
    return tid


def raw(values):
    # numpy's S8 keeps every byte in memory (it only hides trailing NULs on display)
    a = np.empty(len(values), "S8")
    a.view("u1").reshape(len(values), 8)[:] = np.frombuffer(b"".join(values), "u1").reshape(len(values), 8)
    return a


def create(f, name, pad, values, dcpl=None):
    if dcpl is None:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    tid = strtype(pad)
    space = h5py.h5s.create_simple((len(values),))
    dsid = h5py.h5d.create(f.id, name.encode(), tid, space, dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, raw(values), mtype=tid)
    return dsid


def write(out):
    with h5py.File(out, "w") as f:
        for name, (pad, values) in VALUES.items():
            create(f, name, pad, values)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((4,))
        dcpl.set_deflate(4)
        create(f, "spacepad_gzip", h5py.h5t.STR_SPACEPAD, GZIP, dcpl)
        holder = f.create_dataset("with_attrs", data=np.array([1, 2], "i4"), track_times=False)
        for name, (pad, values) in VALUES.items():
            tid = strtype(pad)
            aid = h5py.h5a.create(holder.id, name.encode(), tid, h5py.h5s.create_simple((2,)))
            aid.write(raw(values[:2]), mtype=tid)


def stored(f, name):
    """The bytes on disk: read with the file type as memory type (no conversion)."""
    dsid = f[name].id
    out = np.empty(f[name].shape, "S8")
    dsid.read(h5py.h5s.ALL, h5py.h5s.ALL, out, mtype=dsid.get_type())
    return [out.view("u1").reshape(-1, 8)[i].tobytes() for i in range(len(out))]


def check(out):
    with h5py.File(out, "r") as f:
        for name, (pad, values) in VALUES.items():
            tid = f[name].id.get_type()
            assert tid.get_size() == 8 and tid.get_strpad() == pad, (name, tid.get_strpad())
            assert stored(f, name) == values, (name, stored(f, name))
            # contiguous: the same bytes at the dataset's file offset
            with open(out, "rb") as fh:
                fh.seek(f[name].id.get_offset())
                assert fh.read(32) == b"".join(values), name
            aid = f["with_attrs"].attrs.get_id(name)
            assert aid.get_type().get_strpad() == pad
            a = np.empty(2, "S8")
            aid.read(a, mtype=aid.get_type())
            assert [a.view("u1").reshape(2, 8)[i].tobytes() for i in range(2)] == values[:2], (name, a)
        g = f["spacepad_gzip"]
        assert g.id.get_type().get_strpad() == h5py.h5t.STR_SPACEPAD and g.chunks == (4,)
        assert g.compression == "gzip" and g.id.get_num_chunks() == 3
        assert stored(f, "spacepad_gzip") == GZIP
        # What h5py's high level returns (recorded in MANIFEST.md): libhdf5
        # converts to h5py's NULLPAD memory type on read.
        got = {name: list(f[name][()]) for name in VALUES}
        got_attrs = {name: list(f["with_attrs"].attrs[name]) for name in VALUES}
        assert got == {
            "nullterm": [b"ab", b"abcdefg", b"", b"hello"],
            "nullpad": [b"ab", b"abcdefgh", b"", b"a\x00b"],
            "spacepad": [b"ab", b"a b", b"abcdefgh", b""],
        }, got
        assert got_attrs == {k: v[:2] for k, v in got.items()}, got_attrs
        assert list(g[()]) == [b"s%d" % i for i in range(12)], list(g[()])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    write(sys.argv[1])
    check(sys.argv[1])
