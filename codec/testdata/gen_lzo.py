#!/usr/bin/python3
"""Writes codec/testdata/lzo.json.gz: LZO1X streams made by liblzo2 itself
(through ctypes), each with the bytes it decodes to.

Run with Debian's /usr/bin/python3 and liblzo2-2 (2.10; it comes with
python3-tables):

    /usr/bin/python3 codec/testdata/gen_lzo.py

Every vector is {"name", "format", "encoded", "decoded"}. Format "lzo1x" is
a bare stream of lzo1x_1_compress (PyTables' compressor) or
lzo1x_999_compress (which finds longer and farther matches, so it uses the
far-match and length-extension encodings more); "pytables-lzo" is the
same stream framed as PyTables' LZO filter (src/H5Zlzo.c) writes a chunk
today:
followed by the Adler-32 of the decoded bytes and their length, each 4
bytes little-endian. Each stream is decoded again with
lzo1x_decompress_safe before it is kept. The data are seeded, and the
gzip header carries no time, so the file is the same at every run.
"""
import base64
import ctypes
import gzip
import json
import os
import struct
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lzo.json.gz")

lzo = ctypes.CDLL("liblzo2.so.2")
# lzo_init() is a macro over __lzo_init_v2, which checks the sizes of the
# types the caller was compiled with: (version, short, int, long,
# lzo_uint32_t, lzo_uint, dict_t, char *, lzo_voidp, lzo_callback_t).
P = ctypes.sizeof(ctypes.c_void_p)
assert lzo.__lzo_init_v2(ctypes.c_uint(lzo.lzo_version()), 2, 4, ctypes.sizeof(ctypes.c_long), 4, P, P, P, P, 6 * P) == 0

WRKMEM = ctypes.create_string_buffer(1 << 22)  # above LZO1X_999_MEM_COMPRESS


def compress(fn, data):
    dst = ctypes.create_string_buffer(len(data) + len(data) // 16 + 64 + 3)
    n = ctypes.c_size_t(len(dst))
    assert fn(data, ctypes.c_size_t(len(data)), dst, ctypes.byref(n), WRKMEM) == 0
    enc = dst.raw[: n.value]
    out = ctypes.create_string_buffer(max(len(data), 1))
    m = ctypes.c_size_t(len(out))
    assert lzo.lzo1x_decompress_safe(enc, ctypes.c_size_t(len(enc)), out, ctypes.byref(m), None) == 0
    assert out.raw[: m.value] == data
    return enc


rng = np.random.default_rng(20261206)


def random_bytes(n):
    return rng.integers(0, 256, n, dtype=np.uint8).tobytes()


def repeated_at(distance, n):
    """Random bytes of 4 values (short matches inside, and 2 bits a byte
    for gzip, so the file stays small), then the same bytes again: long
    matches from exactly distance back."""
    block = (rng.integers(0, 4, distance, dtype=np.uint8) * 85).tobytes()
    return block + block[:n]


text = (b"The LZO1X format codes matches by distance and length; "
        b"a stream ends with a far match of distance 16384. ") * 40
smooth = (np.round(np.sin(np.arange(4096) * 0.01) * 400) / 8).astype("<f8").tobytes()
ints = np.repeat(np.arange(300, dtype="<i4"), 7).tobytes()
CASES = [
    ("empty", b""),
    ("1byte", b"x"),
    ("2bytes", b"xy"),
    ("3bytes", b"xyz"),
    ("4bytes", b"wxyz"),
    ("random_100", random_bytes(100)),
    ("random_300", random_bytes(300)),
    ("random_5000", random_bytes(5000)),
    ("text", text),
    ("zeros_100000", bytes(100000)),
    ("run_then_random", bytes(5000) + random_bytes(3000) + b"\xff" * 7000),
    ("smooth_f8", smooth),
    ("repeated_i4", ints),
    ("distance_1500", repeated_at(1500, 1500)),
    ("distance_2500", repeated_at(2500, 2000)),
    ("distance_17000", repeated_at(17000, 2000)),
    # The farthest match LZO1X codes is 49151 bytes back.
    ("distance_49000", repeated_at(49000, 2000)),
    # Short repeats among random bytes: 2- and 3-byte matches after 1-3
    # literals and after longer runs.
    ("short_repeats", b"".join(random_bytes(int(rng.integers(1, 6))) + b"ab" + random_bytes(int(rng.integers(0, 3))) + b"cde" for _ in range(800))),
    ("near_far_mix", b"".join(random_bytes(2100) + text[:300] for _ in range(8))),
]

# The framing is the same whatever the stream: a few cases are enough.
PYTABLES = {"empty", "1byte", "random_300", "text", "zeros_100000", "smooth_f8"}


def main():
    vectors = []
    for name, data in CASES:
        for cname, fn in (("1", lzo.lzo1x_1_compress), ("999", lzo.lzo1x_999_compress)):
            enc = compress(fn, data)
            vectors.append({"name": "%s/lzo1x_%s" % (name, cname), "format": "lzo1x",
                            "encoded": base64.b64encode(enc).decode(), "decoded": base64.b64encode(data).decode()})
            if cname == "1" and name in PYTABLES:
                framed = enc + struct.pack("<II", zlib.adler32(data), len(data))
                vectors.append({"name": "%s/pytables" % name, "format": "pytables-lzo",
                                "encoded": base64.b64encode(framed).decode(), "decoded": base64.b64encode(data).decode()})
    with open(OUT, "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
            f.write(json.dumps({"vectors": vectors}, indent=0, sort_keys=True).encode())
    print("%d vectors, %d bytes" % (len(vectors), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
