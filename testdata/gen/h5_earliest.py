"""h5_earliest.h5: plain HDF5 in the oldest format (h5py default libver='earliest').

Superblock v0, object header v1 (one with a continuation block), symbol-table
groups (v1 B-tree type 0 + SNOD + local heap; /many has 200 members, which
needs a two-level B-tree), attribute message v1 with scalar, length-1,
length-n and null (h5py.Empty) dataspaces, fixed and variable-length strings,
a NaN and a UTF-8 value; every integer type in both byte orders, fixed-length
strings (S10), a scalar dataset, old + new fill value messages, and no
dimension scales at all (so readers name the axes phony_dim_N).

Usage: /usr/bin/python3 h5_earliest.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np

INT_TYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"]


def write_types(f):
    g = f.create_group("types")
    for t in INT_TYPES + ["f4", "f8"]:
        dt = np.dtype(t)
        info = np.iinfo(dt) if dt.kind in "iu" else np.finfo(dt)
        values = np.array([info.min, 0, 1, info.max], dt)
        g.create_dataset(f"{t}_le", data=values.astype(dt.newbyteorder("<")), track_times=False)
        if dt.itemsize > 1:
            g.create_dataset(f"{t}_be", data=values.astype(dt.newbyteorder(">")), track_times=False)
    g.create_dataset("labels_s10", data=np.array([b"alpha", b"beta", b"gamma_delt"], "S10"),
                     track_times=False)
    g.create_dataset("scalar_f8", data=np.float64(2.75), track_times=False)
    # Same length on axis 0 as the 4-element arrays above, different on axis 1:
    # the phony_dim naming rules must treat the axes apart.
    g.create_dataset("grid_4x6", data=np.arange(24, dtype="<i4").reshape(4, 6),
                     chunks=(2, 4), track_times=False)


def write_attributes(f):
    d = f.create_dataset("with_attrs", data=np.arange(5, dtype="f4"), track_times=False)
    a = d.attrs
    a["scalar_i4"] = np.int32(-5)
    a["length1_i4"] = np.array([7], "i4")
    a["lengthn_u2"] = np.array([1, 2, 65535], "u2")
    a["scalar_f8_be"] = np.array(1.5, ">f8")
    a["nan_f4"] = np.float32("nan")
    a["fixed_string"] = np.bytes_("fixed ascii")
    a["fixed_string_array"] = np.array([b"ab", b"cde"], "S3")
    a["vlen_string"] = "variable-length text"
    a["utf8_string"] = "Zürich — 東京"
    a.create("vlen_string_array", ["x", "yy", ""], dtype=h5py.string_dtype())
    a["empty_null"] = h5py.Empty("f4")
    # The object header was sized at creation: these spill into a continuation block.
    for i in range(12):
        a[f"extra_{i:02d}"] = np.arange(i + 1, dtype="i8")
    f.attrs["title"] = np.bytes_("h5py earliest fixture")
    f.attrs["root_scalar"] = np.uint8(200)


def write_fill(f):
    # A fill value makes libhdf5 write both the old (0x04) and new (0x05) messages.
    d = f.create_dataset("fill_set", shape=(10,), dtype="i2", chunks=(4,), fillvalue=-9,
                         track_times=False)
    d[0:4] = [1, 2, 3, 4]
    f.create_dataset("fill_set_f4", shape=(3, 3), dtype="f4", fillvalue=np.nan,
                     track_times=False)  # contiguous, never written


def write_groups(f):
    many = f.create_group("many")
    for i in range(200):
        many.create_dataset(f"m{i:03d}", data=np.array([i], "i2"), track_times=False)
    deep = f.create_group("a/b")
    deep.create_dataset("leaf", data=np.array([[1.0, 2.0]], "f8"), track_times=False)


def main(out):
    with h5py.File(out, "w", libver="earliest") as f:
        write_types(f)
        write_attributes(f)
        write_fill(f)
        write_groups(f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
