"""Writes zarr/testdata/dtypes/, a Zarr v2 DirectoryStore made by zarr-python,
with one array per dtype form that the Go reader must decode as zarr-python
does, and expected.json with what zarr-python reads back from it.

Run with Debian's Python (zarr 2.13, numcodecs 0.11, numpy):

    /usr/bin/python3 zarr/testdata/gen_dtypes.py

The output is deterministic (zlib, sorted JSON), so rerunning it must leave
git clean. Each array leaves some chunks unwritten, so fill values are
exercised, except those whose fill_value is null: zarr-python leaves such
regions uninitialised.
"""

import base64
import json
import math
import os
import shutil

import numcodecs
import numpy as np
import zarr

HERE = os.path.dirname(os.path.abspath(__file__))
STORE = os.path.join(HERE, "dtypes")
ZLIB = numcodecs.Zlib(level=1)


def structured_zeros(n, dt):
    # np.zeros, so padding bytes are zero rather than whatever np.empty held.
    return np.zeros(n, dtype=dt)


def main():
    shutil.rmtree(STORE, ignore_errors=True)
    root = zarr.group(store=zarr.DirectoryStore(STORE))
    expected = {}

    def create(name, **kw):
        return root.create_dataset(name, **kw)

    # A compound with gaps, as h5py/HDF5 lay it out: int32 at 0, float64 at
    # 8, itemsize 24. numpy's descr (and so .zarray) lists the gaps as
    # padding fields ["", "|V4"].
    padded = np.dtype({"names": ["a", "b"], "formats": ["<i4", "<f8"], "offsets": [0, 8], "itemsize": 24})
    fill = structured_zeros(1, padded)
    fill["a"], fill["b"] = -1, math.nan
    z = create("padded", shape=(5,), chunks=(2,), dtype=padded, fill_value=fill.tobytes(), compressor=ZLIB)
    # zarr-python's own dtype names the padding fields f1 and f3.
    v = structured_zeros(3, z.dtype)
    v["a"] = [1, -2, 2**31 - 1]
    v["b"] = [0.5, -math.inf, 1e300]
    z[:3] = v  # chunk 2 (element 4) stays missing

    # Nested compound, a sub-array member and a complex member, big-endian
    # fields among them; every chunk written (fill_value null).
    nested = np.dtype([
        ("n", [("x", "|u1"), ("y", ">i2", (3,))]),
        ("arr", "<i4", (2, 3)),
        ("c", ">c8"),
    ])
    z = create("nested", shape=(3,), chunks=(2,), dtype=nested, fill_value=None, compressor=None)
    v = structured_zeros(3, z.dtype)
    v["n"]["x"] = [7, 8, 255]
    v["n"]["y"] = [[1, -2, 3], [-4, 5, -6], [32767, -32768, 0]]
    v["arr"] = np.arange(18, dtype="<i4").reshape(3, 2, 3) - 9
    v["c"] = [1 + 2j, complex(math.nan, -math.inf), -0.0 + 0j]
    z[:] = v

    # The fill value's real part is NaN, not the imaginary one: zarr-python
    # 2.13 decodes [re, im] as re + 1j*im, which turns a NaN or infinite
    # imaginary part into a NaN real part as well (1 + 1j*nan is nan+nanj).
    z = create("complex64", shape=(4, 3), chunks=(3, 2), dtype="<c8", fill_value=complex(math.nan, 2), compressor=ZLIB)
    z[:3, :2] = np.array([[1 + 1j, -2.5j], [math.inf + 0j, complex(0, math.nan)], [3, 4 - 4j]], dtype="<c8")

    z = create("complex128_be", shape=(3,), chunks=(2,), dtype=">c16", fill_value=None, compressor=None)
    z[:] = np.array([1e-300 + 1e300j, -1 - 1j, complex(math.nan, 2)], dtype=">c16")

    z = create("opaque", shape=(5,), chunks=(2,), dtype="|V7", fill_value=bytes(range(1, 8)), compressor=None)
    z[:2] = np.array([b"abcdefg", b"\x00\xff\x00\xff\x00\xff\x00"], dtype="|V7")

    z = create("bool", shape=(7,), chunks=(3,), dtype="|b1", fill_value=True, compressor=ZLIB)
    z[:4] = [False, True, False, False]

    z = create("half_le", shape=(6,), chunks=(4,), dtype="<f2", fill_value=math.nan, compressor=None)
    z[:3] = np.array([1.5, -65504, 6e-8], dtype="<f2")

    z = create("half_be", shape=(6,), chunks=(4,), dtype=">f2", fill_value=-2.5, compressor=ZLIB)
    z[:3] = np.array([math.inf, -0.0, 0.333], dtype=">f2")

    # Variable-length strings: vlen-utf8 then zlib; only chunk (0, 0) is
    # written, the others read as the fill value "".
    z = create("strings", shape=(3, 5), chunks=(2, 3), dtype=str, object_codec=numcodecs.VLenUTF8(),
               fill_value="", compressor=ZLIB)
    z[:2, :3] = np.array([["", "a", "héllo"], ["日本語", "x" * 300, "tab\tnul\x00end"]], dtype=object)

    # vlen-utf8 alone, with a fill value of its own and an edge chunk.
    z = create("strings_fill", shape=(5,), chunks=(3,), dtype=str, object_codec=numcodecs.VLenUTF8(),
               fill_value="n/a", compressor=None)
    z[3:] = ["last but one", "🙂"]

    for name, arr in root.arrays():
        values = arr[...]
        entry = {}
        if arr.dtype == object:
            entry["strings"] = [str(s) for s in values.ravel()]
        else:
            entry["bytes"] = base64.b64encode(np.ascontiguousarray(values).tobytes()).decode()
        if arr.dtype.names is not None:
            # numpy's own reading of the .zarray dtype: every field (padding
            # ones named f<index>) with offset, base type, sub-array shape and
            # base item size.
            entry["fields"] = [
                [n, arr.dtype.fields[n][1], arr.dtype.fields[n][0].base.str, list(arr.dtype.fields[n][0].shape),
                 arr.dtype.fields[n][0].base.itemsize]
                for n in arr.dtype.names
            ]
        expected[name] = entry
    with open(os.path.join(STORE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=True)
        f.write("\n")


if __name__ == "__main__":
    main()
