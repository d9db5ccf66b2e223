#!/usr/bin/python3
"""Writes codec/testdata/vectors.json.gz: encoded buffers made by the reference
C libraries, each with the raw bytes it decodes to.

Run with Debian's /usr/bin/python3 (numcodecs 0.11 over libblosc 1.21.3,
liblz4 1.9.4, libzstd 1.5.4; h5py 3.7 over HDF5 1.10.8 with the system filter
plugins; hdf5plugin 4.0.1; bitshuffle 0.3.5; python-blosc 1.11.1):

    /usr/bin/python3 codec/testdata/gen.py

Every vector is {"name", "format", "raw": key into "raw", "encoded": base64}
plus, for chunks read from HDF5 files, the filter's "cd_values" and the
chunk's "filter_mask". The HDF5 files themselves are temporary: only the
chunks, as read_direct_chunk returns them, are kept. The output is gzipped
JSON because the raw arrays repeat and compress well; the whole file stays
well below 100 KB.
"""
import base64
import gzip
import json
import os
import struct
import sys
import tempfile
import warnings

import numpy as np
import blosc as pyblosc  # python-blosc, for buffers numcodecs cannot make
import bitshuffle
import h5py
import hdf5plugin
import numcodecs
from numcodecs import blosc as ncblosc

# One thread and a fresh context per buffer: libblosc reuses a zstd context
# per thread, and a reused context can pick other matches, so threaded runs
# give different (equally valid) bytes.
ncblosc.use_threads = False
pyblosc.set_nthreads(1)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors.json.gz")

raw = {}
vectors = []


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


def add_raw(key, arr):
    b = arr.tobytes() if isinstance(arr, np.ndarray) else bytes(arr)
    if key in raw:
        assert raw[key] == b, key
    raw[key] = b
    return key


def add(name, fmt, key, encoded, **extra):
    v = {"name": name, "format": fmt, "raw": key, "encoded": b64(encoded)}
    v.update(extra)
    vectors.append(v)


rng = np.random.default_rng(20240611)


def smooth(n, dtype):
    """A slow, quantized signal: runs of equal values give matches with and
    without shuffling, so no buffer falls back to a plain copy."""
    return (np.round(np.sin(np.arange(n) * 0.02) * 40) / 4).astype(dtype)


# Raw arrays. Sizes are picked to cover Blosc's block rules: a whole number
# of blocks, a leftover block, a leftover block whose element count is or is
# not a multiple of 8 (bit-shuffle applies only then), buffers below 128 bytes.
f4_2048 = add_raw("f4x512", smooth(512, "<f4"))        # 2048 bytes
f4_1684 = add_raw("f4x421", smooth(421, "<f4"))        # 1684 bytes
f8_2048 = add_raw("f8x256", smooth(256, "<f8"))        # 2048 bytes
f8_1600 = add_raw("f8x200", smooth(200, "<f8"))        # 3 blocks + 64 bytes (8 elements)
f8_1640 = add_raw("f8x205", smooth(205, "<f8"))        # 3 blocks + 104 bytes (13 elements)
# Over 64 KiB, so splitting codecs get several blocks (libblosc enlarges a
# split block to at least 64 KiB) and a leftover block, which is never split.
i4_66000 = add_raw("i4x16500", ((np.arange(16500) // 8) % 200 - 100).astype("<i4"))
u1_rand = add_raw("u1rand1000", rng.integers(0, 256, 1000, dtype=np.uint8))
small = add_raw("i2x50", np.arange(50, dtype="<i2"))   # 100 bytes
# A block with a repeat 9000 bytes back, beyond blosclz's 8191-byte near
# distance, and long runs of zeros for long LZ4 and blosclz matches.
# (blosclz gives up on a block that starts with random bytes, hence the
# signal in front.)
rand3000 = rng.integers(0, 256, 3000, dtype=np.uint8).tobytes()
far = add_raw("far15000", smooth(375, "<f8").tobytes() + rand3000 + bytes(6000) + rand3000)
zeros = np.zeros(2048, dtype="<u2")
zeros[::97] = np.arange(len(zeros[::97]))
zeroish = add_raw("u2zeroish", zeros)

SHUFFLES = {"noshuffle": 0, "shuffle": 1, "bitshuffle": 2}
CNAMES = ["blosclz", "lz4", "lz4hc", "zlib", "zstd"]

# numcodecs.Blosc: every compressor x every shuffle x several layouts.
# libblosc enlarges the block of a splitting compressor to the whole of
# these small buffers; zstd keeps 512-byte blocks.
layouts = [
    ("f4x512", "<f4", 512),   # one block split in 4 (splits need >= 128 elements)
    ("f4x421", "<f4", 512),   # 421 elements: bit-shuffle leaves the block as it is
    ("f8x200", "<f8", 512),   # unsplit 64-element blocks, leftover of 8 elements
    ("f8x205", "<f8", 512),   # unsplit 64-element blocks, leftover of 13 elements
]


def add_blosc(key, dtype, cname, sname, blocksize):
    codec = numcodecs.Blosc(cname=cname, clevel=5, shuffle=SHUFFLES[sname], blocksize=blocksize)
    enc = codec.encode(np.frombuffer(raw[key], dtype=dtype))
    assert bytes(codec.decode(enc)) == raw[key]
    add(f"numcodecs/blosc/{cname}/{sname}/{key}/blocksize{blocksize}", "blosc", key, enc)


for key, dtype, blocksize in layouts:
    for cname in CNAMES:
        for sname in SHUFFLES:
            add_blosc(key, dtype, cname, sname, blocksize)
# A split 64 KiB block and an unsplit leftover block, for each splitting
# compressor (zstd never splits).
for cname, sname in [("blosclz", "bitshuffle"), ("lz4", "shuffle"), ("lz4hc", "noshuffle"), ("zlib", "shuffle")]:
    add_blosc("i4x16500", "<i4", cname, sname, 512)

# clevel 0 and buffers under 128 bytes are stored "memcpyed".
for key, dtype in [("f4x421", "<f4"), ("i2x50", "<i2")]:
    arr = np.frombuffer(raw[key], dtype=dtype)
    enc = numcodecs.Blosc(cname="lz4", clevel=0 if key == "f4x421" else 5, shuffle=1).encode(arr)
    assert enc[2] & 0x02, "expected a memcpyed buffer"
    add(f"numcodecs/blosc/memcpyed/{key}", "blosc", key, enc)
# snappy, which this package does not decode: a real buffer for the error.
enc = numcodecs.Blosc(cname="snappy", clevel=5, shuffle=1).encode(np.frombuffer(raw[f4_2048], "<f4"))
add("numcodecs/blosc/snappy/shuffle/f4x512", "blosc", f4_2048, enc, unsupported=True)
# Incompressible data: every split is stored raw (its size equals its length).
enc = numcodecs.Blosc(cname="lz4", clevel=9, shuffle=0).encode(np.frombuffer(raw[u1_rand], "u1"))
add("numcodecs/blosc/lz4/incompressible/u1rand1000", "blosc", u1_rand, enc)
for cname in ["blosclz", "lz4"]:
    enc = numcodecs.Blosc(cname=cname, clevel=5, shuffle=0).encode(np.frombuffer(raw[far], "u1"))
    add(f"numcodecs/blosc/{cname}/far/far15000", "blosc", far, enc)
    enc = numcodecs.Blosc(cname=cname, clevel=9, shuffle=1).encode(np.frombuffer(raw[zeroish], "<u2"))
    add(f"numcodecs/blosc/{cname}/zeroish/u2zeroish", "blosc", zeroish, enc)

# A buffer that is not a whole number of elements: numcodecs always passes
# whole elements, python-blosc takes any bytes. Typesize 4, 1699 bytes in
# 256-byte blocks (64 elements, too few to split): the leftover block holds
# 40 elements and 3 bytes, so bit-shuffle shuffles 160 bytes and copies 3.
odd = add_raw("u1x1699", smooth(213, "<f8").tobytes()[:1699])
pyblosc.set_blocksize(256)
for cname in ["blosclz", "lz4", "zstd"]:
    for sname, shuffle in SHUFFLES.items():
        enc = pyblosc.compress(raw[odd], typesize=4, clevel=5, shuffle=shuffle, cname=cname)
        assert pyblosc.decompress(enc) == raw[odd]
        assert struct.unpack("<I", enc[8:12])[0] == 256
        add(f"python-blosc/{cname}/{sname}/typesize4/blocksize256/u1x1699", "blosc", odd, enc)
pyblosc.set_blocksize(0)

# numcodecs Zstd, BZ2, LZ4.
for key, dtype in [("f8x256", "<f8"), ("u1rand1000", "u1"), ("u2zeroish", "<u2")]:
    arr = np.frombuffer(raw[key], dtype=dtype)
    for level in [1, 5, 22]:
        add(f"numcodecs/zstd/level{level}/{key}", "zstd", key, numcodecs.Zstd(level=level).encode(arr))
    for level in [1, 9]:
        add(f"numcodecs/bz2/level{level}/{key}", "bz2", key, numcodecs.BZ2(level=level).encode(arr))
    for accel in [1, 10]:
        add(f"numcodecs/lz4/acceleration{accel}/{key}", "lz4", key, numcodecs.LZ4(acceleration=accel).encode(arr))
add("numcodecs/lz4/acceleration1/far15000", "lz4", far, numcodecs.LZ4().encode(np.frombuffer(raw[far], "u1")))


# HDF5 chunks written by the filter plugins, read back raw.
def add_dataset(f, name, fmt, key, dtype, **kwargs):
    data = np.frombuffer(raw[key], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ds = f.create_dataset(name, data=data, chunks=data.shape, **kwargs)
    f.flush()
    mask, chunk = ds.id.read_direct_chunk((0,))
    plist = ds.id.get_create_plist()
    flt = plist.get_filter(plist.get_nfilters() - 1)
    assert (ds[...] == data).all()
    add(f"hdf5/{name}", fmt, key, chunk, filter_id=flt[0], cd_values=list(flt[2]), filter_mask=mask)


# LZ4 (32004) in 1024-byte blocks over random bytes then a smooth signal: the
# first block does not shrink and is stored raw.
lz4mix = add_raw("lz4mix4000", raw[u1_rand][:1024] + raw[f4_2048] + raw[f8_2048][:928])
bs_i2 = add_raw("i2x1003", smooth(1003, "<i2"))
bs_i4 = add_raw("i4x2500", smooth(2500, "<i4"))
bs_f8 = add_raw("f8x205", raw[f8_1640])

with tempfile.TemporaryDirectory() as tmp, h5py.File(os.path.join(tmp, "plugins.h5"), "w") as f:
    add_dataset(f, "lz4/blocks1024/lz4mix4000", "hdf5-lz4", lz4mix, "u1", **hdf5plugin.LZ4(nbytes=1024))
    add_dataset(f, "lz4/default/f8x256", "hdf5-lz4", f8_2048, "<f8", **hdf5plugin.LZ4())
    add_dataset(f, "lz4/blocks1024/u2zeroish", "hdf5-lz4", zeroish, "<u2", **hdf5plugin.LZ4(nbytes=1024))
    # Bitshuffle (32008): blocks of 256 elements with a last block cut to a
    # multiple of 8 and 3 trailing elements copied; the default block size
    # (8192 bytes / element size); element sizes 2, 4, 8.
    for cname in ["none", "lz4"]:
        add_dataset(f, f"bitshuffle/{cname}/nelems256/i2x1003", "hdf5-bitshuffle", bs_i2, "<i2",
                    **hdf5plugin.Bitshuffle(nelems=256, cname=cname))
        add_dataset(f, f"bitshuffle/{cname}/default/i4x2500", "hdf5-bitshuffle", bs_i4, "<i4",
                    **hdf5plugin.Bitshuffle(nelems=0, cname=cname))
        add_dataset(f, f"bitshuffle/{cname}/nelems64/f8x205", "hdf5-bitshuffle", bs_f8, "<f8",
                    **hdf5plugin.Bitshuffle(nelems=64, cname=cname))
    # Blosc (32001) stores the Blosc container unchanged.
    for cname, shuffle in [("lz4", 1), ("blosclz", 0), ("zstd", 2), ("zlib", 1), ("lz4hc", 2)]:
        add_dataset(f, f"blosc/{cname}/shuffle{shuffle}/f4x512", "blosc", f4_2048, "<f4",
                    **hdf5plugin.Blosc(cname=cname, clevel=5, shuffle=shuffle))
    # bzip2 (307) stores one bzip2 stream.
    add_dataset(f, "bzip2/f8x256", "bz2", f8_2048, "<f8", **hdf5plugin.BZip2(blocksize=9))
    # h5py's LZF (32000); LZF cannot shrink random bytes, the filter fails and,
    # being optional, is skipped: that chunk is stored raw with mask 1.
    add_dataset(f, "lzf/u2zeroish", "lzf", zeroish, "<u2", compression="lzf")
    add_dataset(f, "lzf/f8x256", "lzf", f8_2048, "<f8", compression="lzf")
    add_dataset(f, "lzf/u1rand1000", "lzf", u1_rand, "u1", compression="lzf")


# Bitshuffle with zstd (cd_values[4] = 3) needs bitshuffle 0.4; Debian's
# filter is 0.3.5, which writes such chunks uncompressed. The chunk is built
# here as bshuf_h5filter.c lays it out: 8-byte big-endian size, 4-byte
# big-endian block size in bytes, per block a 4-byte big-endian size and a
# zstd frame of the bit-shuffled block, then the trailing elements that do
# not make a multiple of 8, as they are.
def bitshuffle_zstd(arr, nelems, level=3):
    shuffled = bitshuffle.bitshuffle(arr, nelems).tobytes()
    esize, n = arr.dtype.itemsize, arr.size
    out = struct.pack(">QI", arr.nbytes, nelems * esize)
    sizes = [nelems] * (n // nelems)
    last = n % nelems - n % nelems % 8
    if last:
        sizes.append(last)
    pos = 0
    for s in sizes:
        frame = numcodecs.zstd.compress(shuffled[pos:pos + s * esize], level)
        out += struct.pack(">I", len(frame)) + frame
        pos += s * esize
    return out + shuffled[pos:]


for key, dtype, nelems in [(bs_i2, "<i2", 256), (bs_i4, "<i4", 2048)]:
    arr = np.frombuffer(raw[key], dtype=dtype)
    esize = arr.dtype.itemsize
    add(f"built/bitshuffle/zstd/nelems{nelems}/{key}", "hdf5-bitshuffle", key, bitshuffle_zstd(arr, nelems),
        filter_id=32008, cd_values=[0, 4, esize, nelems, 3, 3], filter_mask=0)

doc = {
    "generator": "codec/testdata/gen.py",
    "versions": {
        "numcodecs": numcodecs.__version__,
        "blosc": ncblosc.VERSION_STRING,
        "h5py": h5py.__version__,
        "hdf5": h5py.version.hdf5_version,
        "hdf5plugin": hdf5plugin.version,
        "python-blosc": pyblosc.__version__,
    },
    "raw": {k: b64(v) for k, v in sorted(raw.items())},
    "vectors": vectors,
}
data = json.dumps(doc, indent=1, sort_keys=True).encode()
with open(OUT, "wb") as out:
    # mtime=0 and no file name keep the output byte-identical run to run.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(data)
print(f"{len(vectors)} vectors, {len(raw)} raw arrays, {os.path.getsize(OUT)} bytes -> {OUT}", file=sys.stderr)
