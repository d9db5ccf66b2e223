"""h5_datatypes.h5 (libver 'earliest') and, with --latest, h5_datatypes_latest.h5
(libver 'latest'): the same datasets and attributes in every HDF5 datatype
class h5py can write, so the datatype message is seen in versions 1/2
(earliest; 2 where an array member requires it) and 3 (latest: compound
member offsets in 1-4 bytes, names not padded).

Datasets (1-D unless noted, contiguous unless noted):
  compound_padded        compound, explicit member offsets 0/4/16, itemsize 24
                         (gaps of 2 and 4 bytes, 7 trailing pad bytes)
  compound_nested        compound with a compound member
  compound_array_member  compound with array members ((3,) f4 and (2,2) i4)
  compound_big_endian    compound whose members are >i4, >f8 and <i2
  complex64, complex128  h5py's compounds {r, i} of f4 / f8
  enum_i1, enum_i2       enumerations over int8 (negative value) and int16
  bool                   h5py's enum {FALSE=0, TRUE=1} over int8
  array_2x3_i4           array datatype [2][3] int32, 4 elements
  opaque_v7              7-byte opaque, empty tag (numpy 'V7')
  opaque_tagged          7-byte opaque with tag "gokerchunk 7-byte record"
                         (low-level API)
  opaque_datetime        h5py.opaque_dtype('<M8[s]'): opaque tagged "NUMPY:<M8[s]"
  bitfield_b8le          8-bit bitfield, little-endian (low-level API)
  bitfield_b16be         16-bit bitfield, big-endian
  int12_offset2          32-bit integer type, precision 12, bit offset 2,
                         no filter: the stored bytes are value << 2
  f2_le, f2_be           IEEE half floats, both byte orders
  fixed_ascii            'S10' (null-padded ASCII, one value exactly 10 bytes)
  fixed_utf8             string_dtype('utf-8', 10) with multi-byte characters
  vlen_utf8, vlen_ascii  variable-length strings (global heap), contiguous;
                         the UTF-8 one has an empty string and non-ASCII text
  vlen_utf8_gzip         vlen strings, chunked (3,) + gzip, 12 elements of which
                         elements 6..8 (chunk 2) are never written
  vlen_utf8_2d           vlen strings, shape (3, 4)
  vlen_i4                variable-length sequences of int32 (one empty)
  object_refs            object references to a dataset, a group and the root
  region_refs            dataset region references (a hyperslab, a point
                         selection, the whole dataset)
  scalar/<class>         one scalar dataset per main class: int, f2, f8,
                         compound, complex, enum, bool, fixed and vlen string,
                         array, opaque, object reference
Attributes on the group /attrs: compound (scalar and array), nested compound,
enum (scalar and array), bool array, complex64/128, vlen string array
(UTF-8, with an empty string), fixed string, array type, opaque, f2, object
reference.

Usage: /usr/bin/python3 h5_datatypes.py [--latest] OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np

KW = dict(track_times=False)

PADDED = np.dtype({"names": ["a", "b", "c"], "formats": ["<i2", "<f8", "u1"],
                   "offsets": [0, 4, 16], "itemsize": 24})
NESTED = np.dtype([("id", "<i4"), ("pos", [("x", "<f4"), ("y", "<f4")]), ("flag", "u1")])
ARRAY_MEMBER = np.dtype([("id", "<i2"), ("vec", "<f4", (3,)), ("m", "<i4", (2, 2))])
BIG_ENDIAN = np.dtype([("a", ">i4"), ("b", ">f8"), ("c", "<i2")])
ENUM_I1 = h5py.enum_dtype({"LOW": -1, "MID": 0, "HIGH": 1, "EXTREME": 100}, basetype="i1")
ENUM_I2 = h5py.enum_dtype({"CLEAR": 0, "CLOUDY": 300, "RAIN": -1000, "SNOW": 32767}, basetype="<i2")
UTF8_TEXT = ["Zürich", "", "東京", "plain ascii", "naïve café ≈ 20 °C"]


def compound_values(dt, n):
    """n records with every member set from arange (so wrong member offsets show)."""
    a = np.zeros(n, dt)
    k = 0

    def fill(arr):
        nonlocal k
        for name in arr.dtype.names:
            sub = arr[name]
            if sub.dtype.names:
                fill(sub)
                continue
            size = sub.size
            vals = np.arange(k, k + size).reshape(sub.shape)
            if sub.dtype.kind == "f":
                vals = vals * 1.5 - 3
            arr[name] = vals.astype(sub.dtype)
            k += size
    fill(a)
    return a


def int12_type():
    t = h5py.h5t.STD_I32LE.copy()
    t.set_precision(12)
    t.set_offset(2)
    return t


def lowlevel(f, name, tid, shape, data, mtype=None):
    """A dataset of a type h5py cannot spell; data is written through mtype
    (default: tid itself, so the buffer is stored without conversion)."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    space = h5py.h5s.create_simple(shape) if shape else h5py.h5s.create(h5py.h5s.SCALAR)
    d = h5py.h5d.create(f.id, name.encode(), tid, space, dcpl=dcpl)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data), mtype=mtype or tid)


def opaque_tagged():
    t = h5py.h5t.create(h5py.h5t.OPAQUE, 7)
    t.set_tag(b"gokerchunk 7-byte record")
    return t


def expected():
    """Path -> the value h5py must read back, for every dataset and for the
    attributes (path "attrs@name") whose values are plain arrays."""
    opaque = np.frombuffer(bytes(range(7 * 4)), "V7")
    half = np.array([0, 1, -2.5, 65504, 6.1e-05, np.inf, -np.inf, np.nan, 0.333])
    stamps = np.array(["2020-01-01T00:00:00", "1999-12-31T23:59:59", "1970-01-01T00:00:01"], "<M8[s]")
    gzip_strings = [f"item {i} ü" for i in range(6)] + ["", "", ""] + ["nine", "", "eleven"]
    return {
        "compound_padded": compound_values(PADDED, 5),
        "compound_nested": compound_values(NESTED, 4),
        "compound_array_member": compound_values(ARRAY_MEMBER, 3),
        "compound_big_endian": compound_values(BIG_ENDIAN, 4),
        "complex64": ((np.arange(6) * 1.5 - 2) + 1j * (np.arange(6) - 3.25)).astype("<c8"),
        "complex128": ((np.arange(5) + 1) / 3 - 1j * np.arange(5) * 1e10).astype("<c16"),
        "enum_i1": np.array([-1, 0, 1, 100, 1, -1], "i1"),
        "enum_i2": np.array([0, 300, -1000, 32767, 300], "<i2"),
        "bool": np.array([True, False, False, True, True]),
        "array_2x3_i4": np.arange(24, dtype="<i4").reshape(4, 2, 3) * 11 - 50,
        "opaque_v7": opaque,
        "opaque_tagged": opaque[::-1].copy(),
        "opaque_datetime": stamps,
        "bitfield_b8le": np.array([0, 1, 0x80, 0xAA, 0x55, 0xFF], "u1"),
        "bitfield_b16be": np.array([0x0001, 0x8000, 0xBEEF, 0x1234], ">u2"),
        "int12_offset2": np.array([-2048, -1, 0, 1, 1000, 2047], "<i4"),
        "f2_le": half.astype("<f2"),
        "f2_be": half.astype(">f2"),
        "fixed_ascii": np.array([b"a", b"exactly10!", b"", b"mid size"], "S10"),
        "fixed_utf8": np.array([t.encode() for t in ["Zürich", "東京", "", "ab≈c"]], "S10"),
        "vlen_utf8": np.array(UTF8_TEXT, object),
        "vlen_ascii": np.array([b"alpha", b"", b"a much longer ascii string"], object),
        "vlen_utf8_gzip": np.array(gzip_strings, object),
        "vlen_utf8_2d": np.array([[f"r{i}c{j}" + "+" * (i * j) for j in range(4)] for i in range(3)], object),
        "vlen_i4": [np.array(s, "<i4") for s in ([1, 2, 3], [], [-7], list(range(10, 20)))],
        "region_target": np.arange(30, dtype="<i4").reshape(5, 6),
        "scalar/int": np.int64(-1234567890123),
        "scalar/f2": np.float16(-0.125),
        "scalar/f8": np.float64(np.pi),
        "scalar/compound": compound_values(NESTED, 1)[0],
        "scalar/complex": np.complex128(1.5 - 2.25j),
        "scalar/enum": np.int16(-1000),
        "scalar/bool": np.bool_(True),
        "scalar/fixed_string": np.bytes_(b"fixed"),
        "scalar/vlen_string": "scalar vlen ✓",
        "scalar/array": np.arange(6, dtype="<f8").reshape(2, 3) / 4,
        "scalar/opaque": np.void(b"\x01\x02\x03\x04\x05\x06\x07"),
        "attrs@compound_scalar": compound_values(NESTED, 1)[0],
        "attrs@compound_padded": compound_values(PADDED, 2),
        "attrs@compound_array_member": compound_values(ARRAY_MEMBER, 2),
        "attrs@enum_scalar": np.int8(100),
        "attrs@enum_array": np.array([300, -1000, 0], "<i2"),
        "attrs@bool_array": np.array([True, False, True]),
        "attrs@complex64": np.array([1 + 2j, -0.5j], "<c8"),
        "attrs@complex128": np.complex128(-1e300 + 1e-300j),
        "attrs@vlen_strings": np.array(UTF8_TEXT, object),
        "attrs@fixed_string": np.array([b"one", b"three"], "S5"),
        "attrs@array_2x3_i4": np.arange(12, dtype="<i4").reshape(2, 2, 3) - 5,
        "attrs@opaque": np.frombuffer(b"\xde\xad\xbe\xef\x00\x01\x02", "V7"),
        "attrs@f2": np.array([1.5, -0.0, 65504], "<f2"),
    }


def datasets(f, want):
    for name in ("compound_padded", "compound_nested", "compound_array_member", "compound_big_endian",
                 "complex64", "complex128", "bool", "opaque_v7", "f2_le", "f2_be", "fixed_ascii",
                 "region_target"):
        f.create_dataset(name, data=want[name], **KW)
    f.create_dataset("enum_i1", data=want["enum_i1"], dtype=ENUM_I1, **KW)
    f.create_dataset("enum_i2", data=want["enum_i2"], dtype=ENUM_I2, **KW)
    # h5py takes an array type's dims as the trailing dims of the data.
    f.create_dataset("array_2x3_i4", shape=(4,), dtype=np.dtype(("<i4", (2, 3))), **KW)[...] = want["array_2x3_i4"]
    lowlevel(f, "opaque_tagged", opaque_tagged(), (4,), want["opaque_tagged"])
    stamps = want["opaque_datetime"]
    f.create_dataset("opaque_datetime", data=stamps.astype(h5py.opaque_dtype(stamps.dtype)), **KW)
    lowlevel(f, "bitfield_b8le", h5py.h5t.STD_B8LE, (6,), want["bitfield_b8le"])
    lowlevel(f, "bitfield_b16be", h5py.h5t.STD_B16BE, (4,), want["bitfield_b16be"])
    lowlevel(f, "int12_offset2", int12_type(), (6,), want["int12_offset2"], mtype=h5py.h5t.STD_I32LE)
    # libhdf5 converts no ASCII buffer to UTF-8: write the bytes as the file type.
    lowlevel(f, "fixed_utf8", h5py.h5t.py_create(h5py.string_dtype("utf-8", 10)), (4,), want["fixed_utf8"])
    f.create_dataset("vlen_utf8", data=want["vlen_utf8"], dtype=h5py.string_dtype(), **KW)
    f.create_dataset("vlen_ascii", data=want["vlen_ascii"], dtype=h5py.string_dtype("ascii"), **KW)
    g = f.create_dataset("vlen_utf8_gzip", shape=(12,), dtype=h5py.string_dtype(), chunks=(3,),
                         compression="gzip", **KW)
    g[0:6] = want["vlen_utf8_gzip"][0:6]
    g[9:12] = want["vlen_utf8_gzip"][9:12]  # chunk 2 (elements 6..8) never written
    f.create_dataset("vlen_utf8_2d", data=want["vlen_utf8_2d"], dtype=h5py.string_dtype(), **KW)
    v = f.create_dataset("vlen_i4", shape=(4,), dtype=h5py.vlen_dtype("<i4"), **KW)
    for i, seq in enumerate(want["vlen_i4"]):
        v[i] = seq
    f.create_dataset("object_refs", data=np.array([f["compound_padded"].ref, f["scalar"].ref, f.ref], object),
                     dtype=h5py.ref_dtype, **KW)
    t = f["region_target"]
    regions = [t.regionref[1:3, 2:5], t.regionref[0:5:2, 0], t.regionref[...]]
    f.create_dataset("region_refs", data=np.array(regions, object), dtype=h5py.regionref_dtype, **KW)


def scalars(f, want):
    s = f["scalar"]
    for name in ("int", "f2", "f8", "compound", "complex", "bool", "opaque"):
        s.create_dataset(name, data=want["scalar/" + name], **KW)
    s.create_dataset("enum", data=want["scalar/enum"], dtype=ENUM_I2, **KW)
    s.create_dataset("fixed_string", data=want["scalar/fixed_string"], dtype="S8", **KW)
    s.create_dataset("vlen_string", data=want["scalar/vlen_string"], dtype=h5py.string_dtype(), **KW)
    s.create_dataset("array", shape=(), dtype=np.dtype(("<f8", (2, 3))), **KW)[()] = want["scalar/array"]
    s.create_dataset("object_ref", data=f["compound_nested"].ref, dtype=h5py.ref_dtype, **KW)


def attributes(f, want):
    a = f.create_group("attrs").attrs
    w = {k.split("@", 1)[1]: v for k, v in want.items() if k.startswith("attrs@")}
    for name in ("compound_scalar", "compound_padded", "compound_array_member", "bool_array",
                 "complex64", "complex128", "fixed_string", "opaque", "f2"):
        a.create(name, data=w[name])
    a.create("enum_scalar", data=w["enum_scalar"], dtype=ENUM_I1)
    a.create("enum_array", data=w["enum_array"], dtype=ENUM_I2)
    a.create("vlen_strings", data=w["vlen_strings"], dtype=h5py.string_dtype())
    a.create("array_2x3_i4", data=w["array_2x3_i4"], dtype=np.dtype(("<i4", (2, 3))), shape=(2, 2, 3))
    a.create("object_ref", data=f["compound_padded"].ref, dtype=h5py.ref_dtype)


def same(got, want):
    """Equal values, field by field for compounds, NaN equal to NaN."""
    if isinstance(want, list):
        return len(got) == len(want) and all(np.array_equal(g, w) for g, w in zip(got, want))
    got, want = np.asarray(got), np.asarray(want)
    if want.dtype.names:
        return got.dtype.names == want.dtype.names and all(same(got[n], want[n]) for n in want.dtype.names)
    if want.dtype == object or want.dtype.kind == "U":
        got = np.vectorize(lambda x: x.decode() if isinstance(x, bytes) else x, otypes=[object])(got)
        want = np.vectorize(lambda x: x.decode() if isinstance(x, bytes) else x, otypes=[object])(want)
        return got.shape == want.shape and all(g == w for g, w in zip(got.ravel(), want.ravel()))
    if want.dtype.kind == "f":
        return got.shape == want.shape and np.array_equal(got, want, equal_nan=True)
    return got.shape == want.shape and np.array_equal(got, want)


def verify(path):
    want = expected()
    with h5py.File(path, "r") as f:
        for key, w in want.items():
            if "@" in key:
                obj, name = key.split("@")
                got = f[obj].attrs[name]
            elif key == "opaque_tagged":
                # h5py's ds[()] asks for an untagged opaque, which libhdf5
                # will not convert to: read with the file's own type.
                ds = f[key]
                got = np.empty(ds.shape, ds.dtype)
                ds.id.read(h5py.h5s.ALL, h5py.h5s.ALL, got, mtype=ds.id.get_type())
            else:
                got = f[key][()]
            if not same(got, w):
                raise SystemExit(f"{path}: {key} reads back {got!r}, want {w!r}")
        if [f[r].name for r in f["object_refs"][()]] != ["/compound_padded", "/scalar", "/"]:
            raise SystemExit("object_refs do not point where they should")
        if f[f["scalar/object_ref"][()]].name != "/compound_nested" or \
                f[f["attrs"].attrs["object_ref"]].name != "/compound_padded":
            raise SystemExit("scalar or attribute object reference points elsewhere")
        t = f["region_target"]
        picks = [t[r] for r in f["region_refs"][()]]
        wt = want["region_target"]
        for got, w in zip(picks, [wt[1:3, 2:5].ravel(), wt[0:5:2, 0], wt.ravel()]):
            if not np.array_equal(np.sort(got.ravel()), np.sort(w.ravel())):
                raise SystemExit(f"region reference selects {got}, want {w}")


def main(out, libver):
    want = expected()
    with h5py.File(out, "w", libver=libver) as f:
        f.create_group("scalar")
        datasets(f, want)
        scalars(f, want)
        attributes(f, want)
    verify(out)


if __name__ == "__main__":
    args = sys.argv[1:]
    latest = args[:1] == ["--latest"]
    if latest:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], "latest" if latest else "earliest")
