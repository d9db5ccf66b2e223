#!/usr/bin/python3
"""Writes codec/testdata/soff_nbit.json.gz: chunks of HDF5's built-in
scale-offset (filter 6) and n-bit (filter 5) filters, written by libhdf5,
each with the bytes libhdf5 decodes it to.

Run with Debian's /usr/bin/python3 (h5py 3.7 over HDF5 1.10.8):

    /usr/bin/python3 codec/testdata/gen_soff_nbit.py

Every vector is one chunk: {"name", "filter": "scaleoffset" or "nbit",
"cd_values" (as H5Pget_filter2 returns them from the dataset's creation
property list, which is what the filter pipeline message stores),
"filter_mask", "encoded" (read_direct_chunk) and "decoded"}.

"decoded" is what libhdf5 itself makes of the chunk: the dataset is read
with H5Dread whose memory type is the dataset's own file type, so libhdf5
runs the filter and no conversion (the conversion path is a no-op), and the
chunk's elements are cut out of that buffer. These are the bytes a decoder
of the filter must produce: the dataset's byte order, its precision and
offset, zero padding. Independently of that, each dataset is also read with
ordinary conversion to a numpy type and compared with the values written
(exactly for lossless cases, within the filter's error for the lossy ones),
so the vectors are known to hold the data and not garbage. Both reads
happen after the file is closed and opened again: until then libhdf5
serves the chunks from its cache, unfiltered.

h5py has no H5Pset_nbit, and no way to leave a fill value undefined
(H5Pset_fill_value with NULL), so both go through ctypes to the libhdf5
h5py is linked with.
"""
import base64
import ctypes
import gzip
import json
import os
import tempfile

import h5py
import numpy as np
from h5py import h5d, h5p, h5s, h5t, h5z

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "soff_nbit.json.gz")

libhdf5 = ctypes.CDLL("libhdf5_serial.so.103")
libhdf5.H5Pset_nbit.argtypes = [ctypes.c_int64]
libhdf5.H5Pset_fill_value.argtypes = [ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
libhdf5.H5Pget_filter2.argtypes = [ctypes.c_int64, ctypes.c_uint, ctypes.POINTER(ctypes.c_uint),
                                   ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint),
                                   ctypes.c_size_t, ctypes.c_char_p, ctypes.POINTER(ctypes.c_uint)]
libhdf5.H5Pget_filter2.restype = ctypes.c_int

vectors = []
# (dataset name, filter name, filter id, check): the datasets to save once
# the file is closed and opened again. Read back before that, they would
# come from libhdf5's chunk cache, unfiltered, and not from the chunks.
written = []
rng = np.random.default_rng(20240612)


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


def get_filter(plist, idx):
    """H5Pget_filter2 with room for every cd_value. (h5py 3.7's get_filter
    passes a 16-value buffer and then returns as many values as the filter
    has, the rest read from beyond the buffer: the nbit parameters of a
    compound and scale-offset's 20 would come out wrong.)"""
    flags = ctypes.c_uint()
    n = ctypes.c_size_t(256)  # the most H5Pget_filter2 accepts
    cd = (ctypes.c_uint * 256)()
    name = ctypes.create_string_buffer(64)
    config = ctypes.c_uint()
    fid = libhdf5.H5Pget_filter2(plist.id, idx, ctypes.byref(flags), ctypes.byref(n), cd, 64, name,
                                 ctypes.byref(config))
    assert fid >= 0 and n.value <= 256, (fid, n.value)
    return fid, [int(v) for v in cd[:n.value]]


def make_dataset(f, name, ftype, shape, chunks, set_filter, fill=None, undefined_fill=False):
    """Creates a chunked dataset of file type ftype. fill is a numpy scalar
    for H5Pset_fill_value; undefined_fill leaves the fill value undefined."""
    dcpl = h5p.create(h5p.DATASET_CREATE)
    dcpl.set_chunk(chunks)
    if undefined_fill:
        assert libhdf5.H5Pset_fill_value(dcpl.id, ftype.id, None) >= 0
    elif fill is not None:
        dcpl.set_fill_value(np.array(fill))
    set_filter(dcpl)
    dsid = h5d.create(f.id, name.encode(), ftype, h5s.create_simple(shape), dcpl=dcpl)
    return h5py.Dataset(dsid)


def scaleoffset(scale_type, factor):
    return lambda dcpl: dcpl.set_scaleoffset(scale_type, factor)


def nbit(dcpl):
    assert libhdf5.H5Pset_nbit(dcpl.id) >= 0


def save(ds, filter_name, filter_id):
    """Adds every chunk of ds as a vector."""
    dsid = ds.id
    plist = dsid.get_create_plist()
    assert plist.get_nfilters() == 1
    filter_id_got, cd_values = get_filter(plist, 0)
    assert filter_id_got == filter_id
    ftype = dsid.get_type()
    size = ftype.get_size()
    # libhdf5's own decoding: file type in, file type out, no conversion.
    raw = np.empty(ds.shape, dtype="V%d" % size)
    dsid.read(h5s.ALL, h5s.ALL, raw, mtype=ftype)
    chunks = ds.chunks
    for i in range(dsid.get_num_chunks()):
        info = dsid.get_chunk_info(i)
        offset = info.chunk_offset
        mask, encoded = dsid.read_direct_chunk(offset)
        sel = tuple(slice(o, o + c) for o, c in zip(offset, chunks))
        decoded = np.ascontiguousarray(raw[sel])
        assert decoded.shape == tuple(chunks), "edge chunks are not used: their decoded bytes beyond the extent cannot be read"
        vectors.append({
            "name": "%s/%s/chunk%s" % (filter_name, ds.name.lstrip("/"), "_".join(map(str, offset))),
            "filter": filter_name,
            "cd_values": cd_values,
            "filter_mask": int(mask),
            "encoded": b64(encoded),
            "decoded": b64(decoded.tobytes()),
        })


def soff(f, name, dtype, data, chunks, scale_type, factor, check, **kw):
    """A scale-offset dataset of numpy dtype (its byte order is the file's),
    written with data. check compares what is read back with data."""
    data = data.copy()  # the caller goes on to change its array
    ftype = h5t.py_create(np.dtype(dtype))
    ds = make_dataset(f, name, ftype, data.shape, chunks, scaleoffset(scale_type, factor), **kw)
    ds[...] = data
    written.append((name, "scaleoffset", h5z.FILTER_SCALEOFFSET, lambda ds: check(ds[...], data)))


def exact(got, want):
    assert np.array_equal(got, want), (got, want)


def within(tol):
    def check(got, want):
        assert np.all(np.abs(got.astype("f8") - want.astype("f8")) <= tol), np.max(np.abs(got - want))
    return check


def low_bits(minbits, chunk):
    """What minbits too few for the data keep: per chunk, the minimum plus
    the low minbits bits of value - minimum."""
    def check(got, want):
        for i in range(0, len(want), chunk):
            w = want[i:i + chunk].astype("i8")
            m = w.min()
            exact(got[i:i + chunk], ((w - m) % 2**minbits + m).astype(want.dtype))
    return check


def gen_scaleoffset(f):
    n = 256
    ramp = (np.arange(n) % 50) * 3 - 70
    # i2, minbits computed, fill undefined; the second chunk is constant
    # (minbits 0: nothing is stored but the minimum).
    d = np.concatenate([ramp[:128], np.full(128, 1234)]).astype("<i2")
    soff(f, "i2le_auto_nofill", "<i2", d, (128,), h5z.SO_INT, 0, exact, undefined_fill=True)
    # The same with big-endian storage.
    soff(f, "i2be_auto_nofill", ">i2", d.astype(">i2"), (128,), h5z.SO_INT, 0, exact, undefined_fill=True)
    # i4 with a fill value: elements equal to it are coded as all ones; the
    # last chunk holds only fill values (minbits 1).
    d = (rng.integers(-5000, 5000, 384)).astype("<i4")
    d[::7] = -999
    d[256:] = -999
    soff(f, "i4le_auto_fill", "<i4", d, (128,), h5z.SO_INT, 0, exact, fill=np.int32(-999))
    soff(f, "i4be_auto_fill", ">i4", d.astype(">i4"), (128,), h5z.SO_INT, 0, exact, fill=np.int32(-999))
    # Default fill value (0, which libhdf5 counts as defined).
    d = (rng.integers(0, 40, 256)).astype("u1")
    soff(f, "u1_auto_defaultfill", "u1", d, (64,), h5z.SO_INT, 0, exact)
    # Full range: minbits 8, stored as it is after the 21-byte header.
    d = np.concatenate([np.arange(128), 255 - np.arange(128)]).astype("u1")
    soff(f, "u1_fullrange_nofill", "u1", d, (128,), h5z.SO_INT, 0, exact, undefined_fill=True)
    # Full range of a big-endian i2: libhdf5 stores it in the writer's
    # (little-endian) byte order and swaps it back on reading.
    d = np.concatenate([np.array([-32768, 32767]), rng.integers(-32768, 32767, 126)]).astype(">i2")
    soff(f, "i2be_fullrange_nofill", ">i2", d, (64,), h5z.SO_INT, 0, exact, undefined_fill=True)
    # Signed char with a negative fill value (kept in cd_values[8] as a byte).
    d = rng.integers(-100, 20, 128).astype("i1")
    d[::5] = -5
    soff(f, "i1_auto_fill", "i1", d, (64,), h5z.SO_INT, 0, exact, fill=np.int8(-5))
    d = rng.integers(0, 200, 128).astype("u1")
    d[::3] = 250
    soff(f, "u1_auto_fill250", "u1", d, (64,), h5z.SO_INT, 0, exact, fill=np.uint8(250))
    # 8-byte integers, with and without a fill value.
    d = (rng.integers(-(2**40), 2**40, 256) + 2**50).astype("<i8")
    d[::9] = -(2**62)
    soff(f, "i8le_auto_fill", "<i8", d, (128,), h5z.SO_INT, 0, exact, fill=np.int64(-(2**62)))
    d = (rng.integers(0, 2**33, 256, dtype=np.uint64) + np.uint64(2**63)).astype(">u8")
    soff(f, "u8be_auto_nofill", ">u8", d, (128,), h5z.SO_INT, 0, exact, undefined_fill=True)
    d = (rng.integers(0, 60000, 256)).astype("<u2")
    soff(f, "u2le_auto_nofill", "<u2", d, (128,), h5z.SO_INT, 0, exact, undefined_fill=True)
    # Minbits given: 12 bits hold the data; 6 bits do not, libhdf5 keeps the
    # low 6 bits of value - minimum (lossy, but what the filter does).
    d = rng.integers(-2000, 2000, 256).astype("<i4")
    soff(f, "i4le_minbits12_nofill", "<i4", d, (128,), h5z.SO_INT, 12, exact, undefined_fill=True)
    d[::11] = 77
    soff(f, "i4le_minbits12_fill", "<i4", d, (128,), h5z.SO_INT, 12, exact, fill=np.int32(77))
    soff(f, "i2be_minbits6_nofill", ">i2", d.astype(">i2"), (128,), h5z.SO_INT, 6, low_bits(6, 128),
         undefined_fill=True)
    # Minbits equal to the full size: the filter stores the chunk unchanged.
    d = rng.integers(-30000, 30000, 128).astype("<i2")
    soff(f, "i2le_minbits16", "<i2", d, (64,), h5z.SO_INT, 16, exact, undefined_fill=True)

    # Floating point, D-scale: values are rounded to D decimals.
    x = (np.sin(np.arange(512) * 0.05) * 50 + 20).astype("f8")
    for dtype in ["<f4", ">f4", "<f8", ">f8"]:
        for dscale in [2, 3]:
            tag = ("f4" if dtype[1:] == "f4" else "f8") + ("le" if dtype[0] == "<" else "be")
            d = x.astype(dtype)
            soff(f, "%s_d%d_nofill" % (tag, dscale), dtype, d, (128,), h5z.SO_FLOAT_DSCALE, dscale,
                 within(0.6 * 10.0**-dscale), undefined_fill=True)
    # With a fill value: values within 10^-D of it are coded as all ones.
    d = x.astype("<f4")
    d[::6] = -1.5
    d[384:] = -1.5
    soff(f, "f4le_d2_fill", "<f4", d, (128,), h5z.SO_FLOAT_DSCALE, 2, within(0.006), fill=np.float32(-1.5))
    d = x.astype(">f8")
    d[::5] = 0
    soff(f, "f8be_d3_defaultfill", ">f8", d, (128,), h5z.SO_FLOAT_DSCALE, 3, within(0.0006))
    # D = 1 over larger values (H5Pset_scaleoffset refuses a negative D).
    d = (x * 1000).astype("<f8")
    soff(f, "f8le_d1_nofill", "<f8", d, (128,), h5z.SO_FLOAT_DSCALE, 1, within(0.06), undefined_fill=True)
    # D = 0 and a constant chunk (minbits 0).
    d = np.concatenate([x[:128] * 1000, np.full(128, 3.25)]).astype("<f4")
    soff(f, "f4le_d0_nofill", "<f4", d, (128,), h5z.SO_FLOAT_DSCALE, 0, within(0.5), undefined_fill=True)
    # A range beyond 2^31 after scaling: minbits is the full size, the chunk
    # is stored after the header as it is (in little-endian order).
    d = np.concatenate([x[:64] * 1e9, x[64:128]]).astype(">f4")
    soff(f, "f4be_d2_fullrange_nofill", ">f4", d, (128,), h5z.SO_FLOAT_DSCALE, 2, exact, undefined_fill=True)
    d = np.concatenate([x[:64] * 1e18, x[64:128]]).astype("<f8")
    soff(f, "f8le_d2_fullrange_nofill", "<f8", d, (128,), h5z.SO_FLOAT_DSCALE, 2, exact, undefined_fill=True)

    # A 2-D dataset written in part: the untouched elements of a chunk hold
    # the fill value before the filter runs.
    ds_type = h5t.py_create(np.dtype("<i4"))
    ds = make_dataset(f, "i4le_2d_partial_fill", ds_type, (16, 24), (8, 12), scaleoffset(h5z.SO_INT, 0),
                      fill=np.int32(-7))
    part = rng.integers(0, 300, (11, 17)).astype("<i4")
    ds[2:13, 3:20] = part
    want = np.full((16, 24), -7, dtype="<i4")
    want[2:13, 3:20] = part
    written.append((ds.name, "scaleoffset", h5z.FILTER_SCALEOFFSET, lambda ds: exact(ds[...], want)))


def nbit_type(base, precision, offset):
    t = base.copy()
    t.set_precision(precision)
    t.set_offset(offset)
    return t


def float_type(base, fields, offset, precision, ebias):
    """A reduced floating-point type as HDF5's test/nbit.c makes them."""
    t = base.copy()
    t.set_fields(*fields)
    t.set_offset(offset)
    t.set_precision(precision)
    t.set_size(base.get_size())  # set_offset grew it while the precision was full
    t.set_ebias(ebias)
    return t


def nb(f, name, ftype, data, chunks, check=exact, mtype=None, shape=None):
    """An n-bit dataset of file type ftype written with data (converted by
    libhdf5 from mtype, by default the numpy type's). check compares what
    is read back with data."""
    data = data.copy()
    ds = make_dataset(f, name, ftype, shape or data.shape, chunks, nbit)
    ds.id.write(h5s.ALL, h5s.ALL, data, mtype=mtype)

    def readback(ds):
        got = np.empty_like(data)
        ds.id.read(h5s.ALL, h5s.ALL, got, mtype=mtype)
        check(got, data)
    written.append((name, "nbit", h5z.FILTER_NBIT, readback))


def gen_nbit(f):
    n = 256
    # Integers: precision and offset, both byte orders, fields that start
    # and end inside a byte, a field inside one byte.
    d = rng.integers(-(2**16), 2**16, n).astype("i4")
    nb(f, "i4le_p17_o0", nbit_type(h5t.STD_I32LE, 17, 0), d, (128,))
    nb(f, "i4le_p17_o5", nbit_type(h5t.STD_I32LE, 17, 5), d, (128,))
    nb(f, "i4be_p17_o5", nbit_type(h5t.STD_I32BE, 17, 5), d, (128,))
    d = rng.integers(0, 2**12, n).astype("u2")
    nb(f, "u2be_p12_o2", nbit_type(h5t.STD_U16BE, 12, 2), d, (64,))
    nb(f, "u2le_p12_o4", nbit_type(h5t.STD_U16LE, 12, 4), d, (64,))
    d = rng.integers(0, 2**5, n).astype("u1")
    nb(f, "u1_p5_o2", nbit_type(h5t.STD_U8LE, 5, 2), d, (64,))
    d = rng.integers(-(2**39), 2**39, n).astype("i8")
    nb(f, "i8be_p40_o10", nbit_type(h5t.STD_I64BE, 40, 10), d, (128,))
    nb(f, "i8le_p40_o24", nbit_type(h5t.STD_I64LE, 40, 24), d, (128,))
    # Floats with fewer mantissa and exponent bits (test/nbit.c's types).
    x = (np.sin(np.arange(n) * 0.1) * 100).astype("f4")
    f4 = lambda base: float_type(base, (26, 20, 6, 7, 13), 7, 20, 31)
    nb(f, "f4le_p20_o7", f4(h5t.IEEE_F32LE), x, (128,), within(0.05))
    nb(f, "f4be_p20_o7", f4(h5t.IEEE_F32BE), x, (128,), within(0.05))
    f8 = lambda base: float_type(base, (55, 46, 9, 5, 41), 5, 51, 255)
    nb(f, "f8le_p51_o5", f8(h5t.IEEE_F64LE), x.astype("f8"), (128,), within(1e-6))
    nb(f, "f8be_p51_o5", f8(h5t.IEEE_F64BE), x.astype("f8"), (128,), within(1e-6))
    # x86 long double: 80 significant bits in 16 bytes, wider than any
    # integer the decoder can hold a value in; also stored big-endian.
    ld = (x.astype(np.longdouble) / 3)
    nb(f, "f16le_longdouble_p80", h5t.NATIVE_LDOUBLE.copy(), ld, (128,))
    ldbe = h5t.NATIVE_LDOUBLE.copy()
    ldbe.set_order(h5t.ORDER_BE)
    nb(f, "f16be_longdouble_p80", ldbe, ld, (128,))
    # Full precision: set_local marks the filter as doing nothing
    # (cd_values[1] = 1) and chunks are stored unchanged.
    d = rng.integers(-(2**31), 2**31 - 1, n).astype("<i4")
    nb(f, "i4le_fullprecision_noop", h5t.STD_I32LE.copy(), d, (128,))
    # An enum (not integer or float at the top level): only 3 cd_values.
    et = h5t.enum_create(h5t.STD_U8LE)
    for i, nm in enumerate([b"a", b"b", b"c"]):
        et.enum_insert(nm, i)
    d = (np.arange(n) % 3).astype("u1")
    nb(f, "enum_noop", et, d, (128,), mtype=et)

    # Compound: reduced members of both byte orders, a string (no-op
    # class), an array of reduced integers, a nested compound, a full
    # precision member, members not in offset order.
    inner = h5t.create(h5t.COMPOUND, 3)
    inner.insert(b"x", 0, nbit_type(h5t.STD_I16LE, 9, 3))
    inner.insert(b"y", 2, nbit_type(h5t.STD_U8LE, 3, 4))
    arr = h5t.array_create(nbit_type(h5t.STD_U8LE, 5, 1), (3,))
    ct = h5t.create(h5t.COMPOUND, 27)
    ct.insert(b"f", 0, f4(h5t.IEEE_F32BE))
    ct.insert(b"a", 4, nbit_type(h5t.STD_I32LE, 17, 3))
    ct.insert(b"s", 8, string_type(3))
    ct.insert(b"b", 11, nbit_type(h5t.STD_U16BE, 12, 2))
    ct.insert(b"e", 13, arr)
    ct.insert(b"n", 16, inner)
    ct.insert(b"full", 19, h5t.STD_I64LE.copy())
    mem = np.dtype([("f", "f4"), ("a", "i4"), ("s", "S3"), ("b", "u2"), ("e", "u1", (3,)),
                    ("n", [("x", "i2"), ("y", "u1")]), ("full", "i8")])
    d = np.zeros(n, dtype=mem)
    d["f"] = x
    d["a"] = rng.integers(-(2**16), 2**16, n)
    d["s"] = [(b"%03d" % i)[-3:] for i in range(n)]
    d["b"] = rng.integers(0, 2**12, n)
    d["e"] = rng.integers(0, 2**5, (n, 3))
    d["n"]["x"] = rng.integers(-(2**8), 2**8, n)
    d["n"]["y"] = rng.integers(0, 2**3, n)
    d["full"] = rng.integers(-(2**62), 2**62, n)
    nb(f, "compound", ct, d, (64,), compound_check)

    # Array at the top level: 2x3 reduced integers.
    at = h5t.array_create(nbit_type(h5t.STD_I32BE, 17, 5), (2, 3))
    d = rng.integers(-(2**16), 2**16, (n, 2, 3)).astype("i4")
    nb(f, "array_i4be_p17_o5", at, d, (64,), mtype=h5t.array_create(h5t.NATIVE_INT32, (2, 3)), shape=(n,))

    # An array of compounds followed by another member: libhdf5 leaves its
    # parameter index at the start of the array's base type after the
    # array, so the members after it are packed with the wrong parameters
    # (H5Z__nbit_compress_one_array resets the index after each element);
    # reading undoes the same walk, which is what a decoder must repeat.
    pair = h5t.create(h5t.COMPOUND, 4)
    pair.insert(b"p", 0, nbit_type(h5t.STD_U16LE, 10, 0))
    pair.insert(b"q", 2, nbit_type(h5t.STD_U16LE, 6, 4))
    qt = h5t.create(h5t.COMPOUND, 12)
    qt.insert(b"v", 0, h5t.array_create(pair, (2,)))
    qt.insert(b"w", 8, nbit_type(h5t.STD_I32LE, 20, 0))
    qmem = np.dtype([("v", [("p", "u2"), ("q", "u2")], (2,)), ("w", "i4")])
    d = np.zeros(64, dtype=qmem)
    d["v"]["p"] = rng.integers(0, 2**10, (64, 2))
    d["v"]["q"] = rng.integers(0, 2**6, (64, 2))
    d["w"] = rng.integers(-(2**19), 2**19, 64)
    nb(f, "compound_array_of_compound", qt, d, (32,), quirk_check)


def quirk_check(got, want):
    """The array of compounds comes back; the member after it is lost."""
    exact(got["v"], want["v"])
    exact(got["w"], np.zeros_like(want["w"]))


def string_type(n):
    return h5t.py_create(np.dtype("S%d" % n))  # null-padded, as numpy's


def compound_check(got, want):
    for name in want.dtype.names:
        if name == "f":
            assert np.all(np.abs(got[name] - want[name]) <= 0.05)
        else:
            exact(got[name], want[name])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "soff_nbit.h5")
        with h5py.File(path, "w") as f:
            gen_scaleoffset(f)
            gen_nbit(f)
        with h5py.File(path, "r") as f:
            for name, filter_name, filter_id, check in written:
                ds = f[name]
                check(ds)
                save(ds, filter_name, filter_id)
    doc = {"vectors": vectors}
    data = json.dumps(doc, indent=0, sort_keys=True).encode()
    with open(OUT, "wb") as out:
        out.write(gzip.compress(data, mtime=0))
    print("%d vectors, %d bytes -> %s" % (len(vectors), os.path.getsize(OUT), OUT))


if __name__ == "__main__":
    main()
