#!/usr/bin/python3
"""Writes codec/testdata/szip.json.gz: chunks of HDF5's szip filter
(filter 4), written by libhdf5 over libaec's szip compatibility layer,
each with the bytes libhdf5 decodes it to.

Run with Debian's /usr/bin/python3 (h5py 3.7 over HDF5 1.10.8, libaec
1.0.6):

    /usr/bin/python3 codec/testdata/gen_szip.py

Every vector is one chunk: {"name", "cd_values" (from the dataset
creation property list, as the filter pipeline message stores them after
H5Z__set_local_szip), "encoded" (read_direct_chunk) and "decoded"}.
"decoded" is the chunk's part of the dataset as h5py reads it in the
dataset's own type (byte order included), so libhdf5 runs the filter and
no conversion; the datasets' shapes are whole chunks, so that is the whole
chunk. Reads happen after the file is closed and opened again, so that the
chunks come from the file and not from libhdf5's chunk cache.

The cases cover nearest-neighbour preprocessing and entropy coding alone,
1-, 2-, 4- and 8-byte types (4 and 8 bytes are coded as byte planes)
in both byte orders, 8, 16 and 32 pixels per block, scanlines that are
and are not whole blocks, random data (uncompressed and split blocks),
smooth data (split and second-extension blocks) and constant data (runs
of zero blocks). The szip chunks of the feature fixture
h5_plugin_filters.h5 are added as they are.
"""
import base64
import gzip
import json
import os
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "szip.json.gz")
FIXTURE = os.path.join(HERE, "..", "..", "testdata", "fixtures", "features", "h5_plugin_filters.h5")

rng = np.random.default_rng(20261124)


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


def data_for(kind, dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if kind == "constant":
        v = np.full(n, 7, dtype=dt)
    elif kind == "zero":
        v = np.zeros(n, dtype=dt)
    elif kind == "random":
        # A quarter of random values over the whole range (uncompressed
        # blocks), the rest smooth: a chunk szip does not shrink is stored
        # without the filter.
        v = data_for("smooth", dtype, (n,))
        q = n // 4
        if dt.kind == "f":
            v[:q] = rng.standard_normal(q) * 1e6 + 0.1
        else:
            info = np.iinfo(dt)
            v[:q] = rng.integers(info.min, info.max, q, endpoint=True, dtype=dt.newbyteorder("="))
    else:  # smooth
        x = np.arange(n)
        s = np.sin(x / 37.0) * 40 + x / 50.0
        if dt.kind == "f":
            # Multiples of 1/8: the low mantissa bits are zero, as in data
            # of limited precision, which szip shrinks.
            v = np.round(s * 8) / 8
        else:
            info = np.iinfo(dt)
            v = np.clip(np.round(s) + (rng.integers(0, 3, n) if kind == "smooth" else 0), info.min, info.max)
    return np.asarray(v).astype(dt).reshape(shape)


def chunk_vectors(dset, prefix):
    dcpl = dset.id.get_create_plist()
    cd = None
    for i in range(dcpl.get_nfilters()):
        code, _, values, _ = dcpl.get_filter(i)
        if code == h5py.h5z.FILTER_SZIP:
            cd = [int(v) for v in values]
    assert cd is not None and len(cd) == 4, cd
    out = []
    chunks = dset.chunks
    counts = [s // c for s, c in zip(dset.shape, chunks)]
    for idx in np.ndindex(*counts):
        offset = tuple(i * c for i, c in zip(idx, chunks))
        mask, enc = dset.id.read_direct_chunk(offset)
        if mask != 0:
            # szip did not shrink the chunk: it is stored as it is.
            print("skipped", prefix, idx)
            continue
        sel = tuple(slice(o, o + c) for o, c in zip(offset, chunks))
        dec = np.ascontiguousarray(dset[sel]).tobytes()
        assert np.dtype(dset.dtype).itemsize * int(np.prod(chunks)) == len(dec)
        out.append({"name": "%s/%s" % (prefix, "_".join(map(str, idx))), "cd_values": cd,
                    "encoded": b64(enc), "decoded": b64(dec)})
    return out


CASES = []
for coding in ("nn", "ec"):
    for dtype in ("i1", "u1", "<i2", ">u2", "<i4", ">i4", "<f4", ">f4", "<f8", ">f8", "<i8"):
        for kind in ("random", "smooth", "constant"):
            for ppb, shape, chunks in ((8, (20, 30), (20, 30)), (16, (600,), (600,)), (32, (6, 70), (6, 70))):
                CASES.append((coding, dtype, kind, ppb, shape, chunks))
    # A scanline shorter than a block (libhdf5 then takes the whole chunk
    # as scanlines of up to 128 blocks), a scanline longer than 128 blocks,
    # and zero chunks.
    CASES.append((coding, "<i2", "smooth", 8, (30, 5), (30, 5)))
    CASES.append((coding, "<i4", "smooth", 8, (3000,), (3000,)))
    CASES.append((coding, "<u2", "zero", 32, (4000,), (4000,)))
    CASES.append((coding, "<f8", "zero", 16, (10, 40), (10, 40)))


def main():
    vectors = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "szip.h5")
        names = []
        with h5py.File(path, "w") as f:
            for coding, dtype, kind, ppb, shape, chunks in CASES:
                name = "%s_%s_%s_ppb%d_%s" % (coding, np.dtype(dtype).str.replace("|", "").replace("<", "le").replace(">", "be"),
                                              kind, ppb, "x".join(map(str, chunks)))
                f.create_dataset(name, data=data_for(kind, dtype, shape), chunks=chunks,
                                 compression="szip", compression_opts=(coding, ppb))
                names.append(name)
        with h5py.File(path, "r") as f:
            for name in names:
                vectors += chunk_vectors(f[name], name)
    with h5py.File(FIXTURE, "r") as f:
        for name in sorted(f):
            if name.startswith("szip"):
                vectors += chunk_vectors(f[name], "fixture_" + name)
    doc = json.dumps({"Vectors": vectors}, separators=(",", ":"), sort_keys=True).encode()
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as g:
        g.write(doc)
    print(len(vectors), "vectors,", os.path.getsize(OUT), "bytes")


main()
