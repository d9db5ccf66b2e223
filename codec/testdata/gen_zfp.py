#!/usr/bin/python3
"""Writes codec/testdata/zfp.json.gz: zfp streams written by LLNL's zfp C
library, each with the bytes that library decodes it to.

Run with Debian's /usr/bin/python3 (zfpy 1.0.0 over libzfp 1.0.0, built with
8-bit stream words; h5py 3.7 over HDF5 1.10.8 with H5Z-ZFP 1.1.0 from
hdf5-filter-plugin-zfp-serial; hdf5plugin 4.0.1):

    /usr/bin/python3 codec/testdata/gen_zfp.py

Two kinds of vectors:

- {"name", "encoded", "decoded"}: zfpy.compress_numpy's stream (full header
  in front) and zfpy.decompress_numpy's values (native, little-endian).
  Every scalar type, 1 to 4 dimensions with partial blocks, the fixed-rate,
  -precision and -accuracy modes and the reversible one; smooth values,
  values of wide dynamic range (subnormal to large), random bits (NaNs,
  infinities, subnormals: reversible mode only, where the float bits must
  come back) and zeros.
- {"name", "cd_values", "encoded", "decoded"}: chunks of H5Z-ZFP as
  read_direct_chunk returns them (no header), the filter's cd_values as the
  dataset creation property list holds them after its set_local callback,
  and the chunk as h5py reads it (the datasets are one chunk each). These
  add the expert mode, whose parameters take a 64-bit header code (a
  148-bit header), chunks with unit dimensions, and the zfp chunks of the
  feature fixtures h5_plugin_filters.h5 and h5_zfp.h5. Reads happen after
  the file is closed and opened again.
"""
import base64
import gzip
import json
import os
import tempfile

import h5py
import hdf5plugin
import numpy as np
import zfpy

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "zfp.json.gz")
FIXTURES = [os.path.join(HERE, "..", "..", "testdata", "fixtures", "features", name)
            for name in ("h5_plugin_filters.h5", "h5_zfp.h5")]

rng = np.random.default_rng(20261206)


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


def values(kind, dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    x = np.arange(n, dtype="f8")
    if kind == "zero":
        v = np.zeros(n)
    elif kind == "smooth":
        v = np.sin(x / 7.0) * 100 + np.cos(x / 3.0) * 10 + x / 5
        if dt.kind == "i":
            v = np.round(v * 1000)
    elif kind == "range":
        # Magnitudes from subnormal to huge, signs mixed, so that blocks
        # have every exponent and bit planes run deep.
        if dt.kind == "f":
            lo, hi = (-149, 127) if dt.itemsize == 4 else (-1074, 1023)
            e = rng.integers(lo, hi, n)
            v = np.ldexp(rng.uniform(0.5, 1, n), e) * rng.choice([-1, 1], n)
        else:
            # zfp's lossy integer modes want values within 2^30 (2^62)
            # of zero; the reversible mode takes every value.
            bits = dt.itemsize * 8 - 2
            v = rng.integers(-(1 << bits), 1 << bits, n)
    else:  # random bits
        raw = rng.integers(0, 256, n * dt.itemsize, dtype="u1")
        return raw.view(dt).reshape(shape)
    return v.astype(dt).reshape(shape)


SHAPES = [(37,), (9, 13), (3, 6, 5), (2, 5, 3, 6), (4, 8), (1, 5)]
MODES = [("reversible", {}), ("rate4", {"rate": 4}), ("rate16", {"rate": 16}), ("prec9", {"precision": 9}),
         ("prec30", {"precision": 30}), ("acc1e-3", {"tolerance": 1e-3}), ("acc0", {"tolerance": 0})]


def zfpy_vectors():
    out = []
    for dtype in ("<i4", "<i8", "<f4", "<f8"):
        for shape in SHAPES:
            for kind in ("smooth", "range", "random", "zero"):
                for mode, kw in MODES:
                    if kind == "random" and (mode != "reversible" or np.dtype(dtype).kind == "i"):
                        continue  # lossy modes on NaN and infinity are undefined
                    if kind == "zero" and mode not in ("reversible", "rate4", "acc1e-3"):
                        continue
                    if dtype[1] == "i" and mode.startswith("acc") and kind != "smooth":
                        continue
                    if kind == "range" and mode not in ("reversible", "rate16", "prec30", "acc1e-3"):
                        continue
                    arr = values(kind, dtype, shape)
                    enc = zfpy.compress_numpy(arr, **kw)
                    dec = zfpy.decompress_numpy(enc)
                    assert dec.shape == arr.shape and dec.dtype == arr.dtype, (dec.shape, dec.dtype)
                    if mode == "reversible":
                        assert dec.tobytes() == arr.tobytes(), (dtype, shape, kind)
                    name = "zfpy/%s_%s_%s_%s" % (dtype[1:], "x".join(map(str, shape)), kind, mode)
                    out.append({"name": name, "encoded": b64(enc), "decoded": b64(dec.astype(dec.dtype.newbyteorder("<")).tobytes())})
    return out


def filter_cd_values(dset):
    dcpl = dset.id.get_create_plist()
    for i in range(dcpl.get_nfilters()):
        code, _, values, _ = dcpl.get_filter(i)
        if code == hdf5plugin.FILTERS["zfp"]:
            return [int(v) for v in values]
    return None


def chunk_vectors(dset, prefix):
    cd = filter_cd_values(dset)
    assert cd is not None, prefix
    out = []
    for k in range(dset.id.get_num_chunks()):  # written chunks only
        info = dset.id.get_chunk_info(k)
        offset = info.chunk_offset
        idx = tuple(o // c for o, c in zip(offset, dset.chunks))
        mask, enc = dset.id.read_direct_chunk(offset)
        if mask != 0:
            print("skipped", prefix, idx, "(zfp skipped)")
            continue
        if any(o + c > s for o, c, s in zip(offset, dset.chunks, dset.shape)):
            continue  # an edge chunk: h5py reads only part of it
        sel = tuple(slice(o, o + c) for o, c in zip(offset, dset.chunks))
        dec = np.ascontiguousarray(dset[sel])
        out.append({"name": "%s/%s" % (prefix, "_".join(map(str, idx))), "cd_values": cd,
                    "encoded": b64(enc), "decoded": b64(dec.astype(dec.dtype.newbyteorder("<")).tobytes())})
    return out


H5_CASES = [
    # name, dtype, shape (one chunk), filter
    ("rate8_f4_2d", "<f4", (12, 9), hdf5plugin.Zfp(rate=8)),
    ("prec20_f8_3d", "<f8", (5, 6, 7), hdf5plugin.Zfp(precision=20)),
    ("acc_f4_unit_dims", "<f4", (1, 7, 1, 9), hdf5plugin.Zfp(accuracy=0.01)),
    ("reversible_i4_1d", "<i4", (50,), hdf5plugin.Zfp(reversible=True)),
    ("reversible_i8_4d", "<i8", (2, 5, 4, 6), hdf5plugin.Zfp(reversible=True)),
    # Expert mode: parameters no 12-bit code covers, a 148-bit header;
    # minbits above what smooth blocks need, so every block is padded.
    ("expert_f8_2d", "<f8", (10, 11), hdf5plugin.Zfp(minbits=300, maxbits=1200, maxprec=40, minexp=-30)),
    ("expert_f4_3d", "<f4", (6, 5, 9), hdf5plugin.Zfp(minbits=8, maxbits=200, maxprec=20, minexp=-8)),
    ("expert_i4_2d", "<i4", (9, 9), hdf5plugin.Zfp(minbits=1, maxbits=400, maxprec=24, minexp=-1074)),
]


def h5_vectors():
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "zfp.h5")
        with h5py.File(path, "w") as f:
            for name, dtype, shape, flt in H5_CASES:
                kind = "range" if dtype[1] == "i" else "smooth"
                f.create_dataset(name, data=values(kind, dtype, shape), chunks=shape, **flt)
        with h5py.File(path, "r") as f:
            for name, _, _, _ in H5_CASES:
                out += chunk_vectors(f[name], "h5z/" + name)
    for fixture in FIXTURES:
        with h5py.File(fixture, "r") as f:
            for name in sorted(f):
                # zfp alone: read_direct_chunk gives the zfp stream.
                if filter_cd_values(f[name]) is not None and f[name].id.get_create_plist().get_nfilters() == 1:
                    out += chunk_vectors(f[name], "fixture/" + os.path.basename(fixture) + "/" + name)
    return out


def main():
    vectors = zfpy_vectors() + h5_vectors()
    doc = json.dumps({"Vectors": vectors}, separators=(",", ":"), sort_keys=True).encode()
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as g:
        g.write(doc)
    print(len(vectors), "vectors,", os.path.getsize(OUT), "bytes")


main()
