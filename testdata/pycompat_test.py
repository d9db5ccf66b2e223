"""Tests for pycompat.py, runnable before the Go scanner exists.

  testdata/sid/run.sh python3 testdata/pycompat_test.py   (today's stack)
  /usr/bin/python3 testdata/pycompat_test.py              (Debian 12's)

pycompat.py end to end: a small h5py-based reference builder (below; the
test oracle's stand-in for the scanner, not a second scanner) writes
kerchunk JSON for several fixtures, which must pass (in Debian 12's stack
the fletcher32 arrays and arrays with missing chunks must be reported as
SKIP naming the numcodecs/fsspec release that reads them, in today's they
must read); a corrupted reference must fail with exit 1; usage errors exit 2.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile

import h5py
import numcodecs
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
sys.path.insert(0, HERE)
import pycompat  # noqa: E402

PLACEHOLDER = b"This is a netCDF dimension but not a netCDF variable"


# --- minimal reference builder (test oracle input, h5py-based) -------------

def codecs_for(d):
    """Zarr filters in HDF5 pipeline (encode) order."""
    plist = d.id.get_create_plist()
    out = []
    for i in range(plist.get_nfilters()):
        code, _, cd, _ = plist.get_filter(i)
        if code == 1:
            out.append({"id": "zlib", "level": int(cd[0]) if cd else 6})
        elif code == 2:
            out.append({"id": "shuffle", "elementsize": d.dtype.itemsize})
        elif code == 3:
            out.append({"id": "fletcher32"})
        else:
            raise NotImplementedError(f"filter {code}")
    return out


def encode_inline(block, filters):
    b = np.ascontiguousarray(block).tobytes()
    for spec in filters:
        b = bytes(numcodecs.get_codec(spec).encode(b))
    return "base64:" + base64.b64encode(b).decode()


def fill_json(d):
    if d.dtype.kind == "S":
        return None
    v = d.fillvalue
    if isinstance(v, (np.floating, float)) and np.isnan(v):
        return "NaN"
    return v.item() if hasattr(v, "item") else v


def build_refs(path, url):
    refs = {".zgroup": json.dumps({"zarr_format": 2})}
    phony = {}  # (group, length) -> name, netCDF-C style

    with h5py.File(path, "r") as f:
        def dims_of(d):
            """Axis names and lengths. A netCDF variable's HDF5 extent along an
            unlimited dimension can be shorter than the dimension (netCDF-C
            extends only what was written): the dimension scale's length wins."""
            group = d.parent.name
            names, shape = [], list(d.shape)
            dim_list = d.attrs["DIMENSION_LIST"] if "DIMENSION_LIST" in d.attrs else None
            for axis, n in enumerate(d.shape):
                if dim_list is not None:
                    scale = f[dim_list[axis][0]]
                    names.append(scale.name.rsplit("/", 1)[-1])
                    shape[axis] = max(n, scale.shape[0])
                elif d.attrs.get("CLASS") == b"DIMENSION_SCALE":
                    names.append(d.name.rsplit("/", 1)[-1])
                else:
                    names.append(phony.setdefault((group, n), f"phony_dim_{len(phony)}"))
            return names, shape

        def visit(name, obj):
            if isinstance(obj, h5py.Group):
                refs[f"{name}/.zgroup"] = json.dumps({"zarr_format": 2})
                return
            if obj.dtype.kind in "OV" or obj.shape is None:
                return  # vlen / compound: unsupported here
            if obj.attrs.get("NAME", b"").startswith(PLACEHOLDER):
                return
            filters = codecs_for(obj)
            chunks = obj.chunks or obj.shape
            dims, shape = dims_of(obj)
            refs[f"{name}/.zarray"] = json.dumps({
                "zarr_format": 2, "shape": shape, "chunks": list(chunks),
                "dtype": obj.dtype.str, "fill_value": fill_json(obj), "order": "C",
                "filters": filters or None, "compressor": None})
            refs[f"{name}/.zattrs"] = json.dumps({"_ARRAY_DIMENSIONS": dims})
            layout = obj.id.get_create_plist().get_layout()
            if not obj.shape:
                key = f"{name}/0"
            else:
                key = f"{name}/" + ".".join("0" * len(obj.shape))
            if layout == h5py.h5d.COMPACT:
                refs[key] = encode_inline(obj[()], filters)
            elif layout == h5py.h5d.CONTIGUOUS:
                if obj.id.get_offset() is not None:
                    refs[key] = [url, obj.id.get_offset(), obj.id.get_storage_size()]
            else:
                for i in range(obj.id.get_num_chunks()):
                    info = obj.id.get_chunk_info(i)
                    idx = [o // c for o, c in zip(info.chunk_offset, chunks)]
                    k = f"{name}/" + ".".join(map(str, idx))
                    if info.filter_mask:  # differs from the array's codec list: inline
                        sel = tuple(slice(o, o + c) for o, c in zip(info.chunk_offset, chunks))
                        block = np.full(chunks, obj.fillvalue, obj.dtype)
                        part = obj[sel]
                        block[tuple(slice(0, s) for s in part.shape)] = part
                        refs[k] = encode_inline(block, filters)
                    else:
                        refs[k] = [url, info.byte_offset, info.size]

        f.visititems(visit)
    return {"version": 1, "refs": refs}


def run_pycompat(*args):
    return subprocess.run([sys.executable, os.path.join(HERE, "pycompat.py"), *args],
                          capture_output=True, text=True)


def check_end_to_end(tmp):
    cases = [  # (fixture, --expect-missing names)
        ("nc4_types.nc", []),
        ("nc4_layouts.nc", []),
        ("nc4_groups.nc", []),
        ("nc7_classic.nc", []),
        ("nc4_userblock.nc", []),  # h5py reports absolute offsets (user block included)
        ("nc4_attrs.nc", []),
        ("nc4_many_chunks.nc", []),
        ("../sample/tas_day_20200101.nc", []),
        ("nc4_filters.nc", ["fletcher32_shuffle_deflate_f8"]),
        ("h5_earliest.h5", []),
        ("h5_earliest_filters.h5", []),
        ("h5_superblock1.h5", []),
        ("h5_latest_contiguous.h5", []),
        # (unsupported/nc4_vlen_string.nc and unsupported/h5_compound.h5,
        # once here for --expect-missing, are gone: the scanner reads both
        # kinds now, which this builder does not.)
    ]
    failures = 0
    for fixture, missing in cases:
        src = os.path.join(FIXTURES, fixture)
        refs = build_refs(src, src)
        if fixture == "nc4_filters.nc":  # numcodecs' shuffle refuses n*8+4 bytes
            for k in [k for k in refs["refs"] if k.startswith("fletcher32_shuffle_deflate_f8/")]:
                del refs["refs"][k]
        out = os.path.join(tmp, os.path.basename(fixture) + ".json")
        with open(out, "w") as fh:
            json.dump(refs, fh)
        res = run_pycompat(out, src, *sum((["--expect-missing", m] for m in missing), []))
        ok = res.returncode == 0
        # SKIP only for what the running stack lacks (pycompat.stack_gaps),
        # and never in a stack that has it all.
        for line in res.stdout.splitlines():
            if line.startswith("SKIP") and "missing from refs (expected)" not in line:
                old_stack = (pycompat.version_before(numcodecs, (0, 12))
                             or pycompat.version_before(pycompat.fsspec, (2023, 12)))
                if not old_stack or "needs " not in line:
                    print(f"FAIL   unexpected {line}")
                    ok = False
        print(f"{'OK' if ok else 'FAIL'}   pycompat {fixture} (exit {res.returncode})")
        if not ok:
            print(res.stdout + res.stderr)
        failures += not ok

    # A wrong byte offset must be caught (exit 1) and named.
    src = os.path.join(FIXTURES, "nc4_types.nc")
    refs = build_refs(src, src)
    refs["refs"]["i4/0"][1] += 4
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w") as fh:
        json.dump(refs, fh)
    res = run_pycompat(bad, src)
    ok = res.returncode == 1 and "FAIL i4:" in res.stdout
    print(f"{'OK' if ok else 'FAIL'}   pycompat detects a shifted offset (exit {res.returncode})")
    failures += not ok

    # A dropped variable must be caught unless listed.
    del refs["refs"]["i4/0"], refs["refs"]["i4/.zarray"], refs["refs"]["i4/.zattrs"]
    with open(bad, "w") as fh:
        json.dump(refs, fh)
    res = run_pycompat(bad, src)
    ok = res.returncode == 1 and "source variable missing" in res.stdout
    print(f"{'OK' if ok else 'FAIL'}   pycompat detects a dropped variable (exit {res.returncode})")
    failures += not ok

    # A netCDF classic source (not HDF5): read with netCDF4-python, its
    # stored dtype big-endian whatever order netCDF4-python returns. The
    # references are written out by hand from `gokerchunk info` of
    # nc3_onerec.nc: x (3 floats at 236), v's 4 records of 3 shorts, 6 bytes
    # apart from 248.
    src = os.path.join(FIXTURES, "nc3_onerec.nc")
    classic = {".zgroup": json.dumps({"zarr_format": 2}),
               "x/.zarray": json.dumps({"zarr_format": 2, "shape": [3], "chunks": [3], "dtype": ">f4",
                                        "fill_value": None, "order": "C", "filters": None, "compressor": None}),
               "x/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": ["x"]}),
               "x/0": [src, 236, 12],
               "v/.zarray": json.dumps({"zarr_format": 2, "shape": [4, 3], "chunks": [1, 3], "dtype": ">i2",
                                        "fill_value": None, "order": "C", "filters": None, "compressor": None}),
               "v/.zattrs": json.dumps({"_ARRAY_DIMENSIONS": ["t", "x"]})}
    for r in range(4):
        classic[f"v/{r}.0"] = [src, 248 + 6 * r, 6]
    for dtype, want in ((">f4", 0), ("<f4", 1)):
        zarray = json.loads(classic["x/.zarray"])
        zarray["dtype"] = dtype
        classic["x/.zarray"] = json.dumps(zarray)
        with open(bad, "w") as fh:
            json.dump({"version": 1, "refs": classic}, fh)
        res = run_pycompat(bad, src)
        ok = res.returncode == want and ("OK   v" in res.stdout) and (want == 0 or "FAIL x: dtype <f4 != source >f4" in res.stdout)
        print(f"{'OK' if ok else 'FAIL'}   pycompat on a netCDF classic source, x as {dtype} (exit {res.returncode})")
        if not ok:
            print(res.stdout + res.stderr)
        failures += not ok

    res = run_pycompat(bad)
    ok = res.returncode == 2
    print(f"{'OK' if ok else 'FAIL'}   pycompat usage error exits 2 (exit {res.returncode})")
    return failures + (not ok)


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        failures += check_end_to_end(tmp)
    print("PASS" if not failures else f"{failures} FAILED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
