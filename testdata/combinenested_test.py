"""Tests for combinenested.py, runnable before `combine` can concatenate
along two dimensions.

  testdata/sid/run.sh python3 testdata/combinenested_test.py [--sidecars DIR]

The combined sets checked here are made by a small Python nesting of the
per-file sidecars of testdata/fixtures/combine/ensemble/ (build_nested
below: chunk keys renumbered along member and time, time and time_bnds
re-encoded inline in the first file's units, the member coordinate inline
as float64 or concatenated from the files): the test double standing in for
`gokerchunk combine --concat-dim member --concat-dim time`, not a second
combiner. Sidecars come from DIR (scanned with --inline-threshold 0, e.g.
by the Go test TestCombineTwoDims) or, without --sidecars, from a binary
built here with `go build`.

1. Correct doubles pass: new_dim/ with the member coordinate from the file
   names (1, 2, 3) and from the member_id attribute (101, 102, 103), as
   JSON and as Parquet (fsspec's LazyReferenceMapper, pyarrow); member_dim/.
2. Wrong doubles fail with exit 1 and name what differs: two members'
   tas swapped, member values from the names where the attribute's are
   expected, the member coordinate as int64, time concatenated without
   converting units, tas stored (time, member, ...), time_bnds without the
   new member dimension, a dropped global attribute; usage errors exit 2.
"""
import argparse
import base64
import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ENSEMBLE = os.path.join(HERE, "fixtures", "combine", "ensemble")
sys.path.insert(0, HERE)
import combinecompat_test as cct  # noqa: E402  (sidecar, time_values, inline, write, Tally)
import combinenested  # noqa: E402

MEMBERS, MONTHS = 3, 4


def layout(sub):
    """The set's files in nested order (member-major), as a list of lists."""
    d = os.path.join(ENSEMBLE, sub)
    files = sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".nc"))
    assert len(files) == MEMBERS * MONTHS, files
    return [files[m * MONTHS:(m + 1) * MONTHS] for m in range(MEMBERS)]


def scan(tmp):
    gk = os.path.join(tmp, "gk")
    subprocess.run(["go", "build", "-o", gk, "./cmd/gokerchunk"], cwd=os.path.dirname(HERE), check=True)
    out = os.path.join(tmp, "sidecars")
    subprocess.run([gk, "scan", "-q", "--inline-threshold", "0", "-o", out, ENSEMBLE], check=True)
    return out


def inline_values(out, name, values, dims, attrs, dtype="<f8"):
    values = np.asarray(values, dtype)
    out[f"{name}/.zarray"] = json.dumps({
        "chunks": list(values.shape), "compressor": None, "dtype": dtype, "fill_value": None,
        "filters": None, "order": "C", "shape": list(values.shape), "zarr_format": 2})
    out[f"{name}/.zattrs"] = json.dumps({"_ARRAY_DIMENSIONS": dims, **attrs})
    out[f"{name}/" + ".".join("0" * values.ndim)] = cct.inline(values)


def build_nested(nested, sidecars, new_coord=None, new_dtype="<f8", harmonise=True,
                 time_major=False, bnds_member=True):
    """The reference set of nested[member][month] combined along member and
    time. new_coord: the member values when the files have no member
    dimension (written inline as new_dtype)."""
    sets = [[cct.sidecar(sidecars, f) for f in row] for row in nested]
    first = sets[0][0]
    out = {".zgroup": first[".zgroup"], ".zattrs": first[".zattrs"]}  # first input's globals
    time_attrs = json.loads(first["time/.zattrs"])
    units, cal = time_attrs["units"], time_attrs["calendar"]
    for name in ("time", "time_bnds"):
        values = cct.time_values(nested[0], name, units, cal, harmonise=harmonise)
        dims = json.loads(first[f"{name}/.zattrs"])["_ARRAY_DIMENSIONS"]
        attrs = {k: v for k, v in json.loads(first[f"{name}/.zattrs"]).items() if k != "_ARRAY_DIMENSIONS"}
        if name == "time_bnds":
            values = values.reshape(-1, 2)
            if new_coord is not None and bnds_member:
                values, dims = np.broadcast_to(values, (len(nested),) + values.shape), ["member"] + dims
        inline_values(out, name, values, dims, attrs)
    for name in ("lat", "lon"):
        out.update({k: v for k, v in first.items() if k.startswith(name + "/")})
    if new_coord is not None:
        inline_values(out, "member", new_coord, ["member"], {}, new_dtype)
    else:
        out["member/.zarray"] = json.dumps({**json.loads(first["member/.zarray"]), "shape": [len(nested)]})
        out["member/.zattrs"] = first["member/.zattrs"]
        for m, row in enumerate(sets):
            out[f"member/{m}"] = row[0]["member/0"]
    for name in ("tas", "pr"):
        zarray, zattrs = json.loads(first[f"{name}/.zarray"]), json.loads(first[f"{name}/.zattrs"])
        dims = zattrs["_ARRAY_DIMENSIONS"]
        if new_coord is not None:  # add the member dimension, chunk 1
            dims, zarray["chunks"], zarray["shape"] = ["member"] + dims, [1] + zarray["chunks"], [1] + zarray["shape"]
        t = dims.index("time")
        keys = {}
        for m, row in enumerate(sets):
            offset = 0
            for r in row:
                for k, v in r.items():
                    if k.startswith(name + "/") and "/." not in k:
                        idx = [int(i) for i in k[len(name) + 1:].split(".")]
                        if new_coord is not None:
                            idx = [0] + idx
                        idx[0] += m
                        idx[t] += offset
                        keys[tuple(idx)] = v
                offset += json.loads(r[f"{name}/.zarray"])["shape"][t - (new_coord is not None)]
        zarray["shape"][0], zarray["shape"][t] = len(sets), offset
        if time_major:  # a wrong layout: (time, member, ...)
            keys = {(i[1], i[0]) + i[2:]: v for i, v in keys.items()}
            for field in ("shape", "chunks"):
                zarray[field][0], zarray[field][1] = zarray[field][1], zarray[field][0]
            dims = [dims[1], dims[0]] + dims[2:]
        zattrs["_ARRAY_DIMENSIONS"] = dims
        out[f"{name}/.zarray"], out[f"{name}/.zattrs"] = json.dumps(zarray), json.dumps(zattrs)
        out.update({f"{name}/" + ".".join(map(str, i)): v for i, v in keys.items()})
    return {"version": 1, "refs": out}


def to_parquet(refs, path):
    """The same references as an fsspec Parquet directory (pyarrow)."""
    from fsspec.implementations.reference import LazyReferenceMapper
    lazy = LazyReferenceMapper.create(path, record_size=7, engine="pyarrow")
    for k, v in refs["refs"].items():
        if isinstance(v, str) and v.startswith("base64:"):
            v = base64.b64decode(v[len("base64:"):])
        elif isinstance(v, str):
            v = v.encode()
        lazy[k] = v
    lazy.flush()
    return path


def run(*args):
    """combinenested.main in this process: (exit status, output)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            code = combinenested.main([str(a) for a in args])
        except SystemExit as e:  # argparse usage errors
            code = e.code
    return code, buf.getvalue()


DIMS = ["--concat-dim", "member", "--concat-dim", "time", "--shape", f"{MEMBERS}x{MONTHS}"]


def flat(nested):
    return [f for row in nested for f in row]


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sidecars", help="`gokerchunk scan --inline-threshold 0` outputs of the ensemble files")
    args = parser.parse_args(argv)
    t = cct.Tally()
    with tempfile.TemporaryDirectory() as tmp:
        sidecars = args.sidecars or scan(tmp)
        new, withdim = layout("new_dim"), layout("member_dim")
        names, attr = "member=1,2,3", "member=101,102,103"

        good = cct.write(tmp, "names.json", build_nested(new, sidecars, new_coord=[1, 2, 3]))
        code, out = run(good, *DIMS, "--new-coord", names, *flat(new))
        t.expect("new_dim, member from the names: passes", code == 0 and "OK   (dataset): xr.testing" in out
                 and "OK   tas: (member=3, time=121, lat=2, lon=3) float32 (12 masked)" in out
                 and "OK   time_bnds: (member=3, time=121, nv=2)" in out and "OK   member: (member=3) float64" in out, out)
        pq = to_parquet(json.load(open(good)), os.path.join(tmp, "names.parq"))
        code, out = run(pq, *DIMS, "--new-coord", names, *flat(new))
        t.expect("new_dim as Parquet: passes", code == 0 and "OK   pr: (member=3, time=121, lat=2, lon=3) float64" in out, out)
        by_attr = cct.write(tmp, "attr.json", build_nested(new, sidecars, new_coord=[101, 102, 103]))
        code, out = run(by_attr, *DIMS, "--new-coord", attr, *flat(new))
        t.expect("new_dim, member from member_id: passes", code == 0, out)
        dim = cct.write(tmp, "dim.json", build_nested(withdim, sidecars))
        code, out = run(dim, *DIMS, *flat(withdim))
        t.expect("member_dim: passes (member int32 from the files, time_bnds(time, nv))",
                 code == 0 and "OK   member: (member=3) int32" in out and "OK   time_bnds: (time=121, nv=2)" in out, out)

        base = json.load(open(good))
        bad = copy.deepcopy(base)
        r = bad["refs"]
        for k in [k for k in r if k.startswith("tas/0.")]:
            r[k], r["tas/1." + k[len("tas/0."):]] = r["tas/1." + k[len("tas/0."):]], r[k]
        code, out = run(cct.write(tmp, "swap.json", bad), *DIMS, "--new-coord", names, *flat(new))
        t.expect("members 1 and 2 of tas swapped: exit 1, tas named",
                 code == 1 and "FAIL tas: decoded values" in out and "FAIL (dataset): xr.testing" in out, out)
        res = subprocess.run([sys.executable, os.path.join(HERE, "combinenested.py"), os.path.join(tmp, "swap.json"),
                              *DIMS, "--new-coord", names, *flat(new)], capture_output=True, text=True)
        t.expect(f"combinenested.py as a command exits 1 on the swap (exit {res.returncode})",
                 res.returncode == 1 and "FAIL tas:" in res.stdout, res.stdout + res.stderr)

        code, out = run(good, *DIMS, "--new-coord", attr, *flat(new))
        t.expect("member values from the names where member_id's are expected: exit 1",
                 code == 1 and "FAIL member: decoded values" in out, out)
        wrong = build_nested(new, sidecars, new_coord=[1, 2, 3], new_dtype="<i8")
        code, out = run(cct.write(tmp, "int.json", wrong), *DIMS, "--new-coord", names, *flat(new))
        t.expect("member coordinate int64 instead of float64: exit 1",
                 code == 1 and "FAIL member: decoded dtype int64 != float64" in out, out)
        wrong = build_nested(new, sidecars, new_coord=[1, 2, 3], harmonise=False)
        code, out = run(cct.write(tmp, "rawtime.json", wrong), *DIMS, "--new-coord", names, *flat(new))
        t.expect("time concatenated without converting units: exit 1",
                 code == 1 and "FAIL time: decoded values" in out and "FAIL time_bnds: decoded values" in out, out)
        wrong = build_nested(new, sidecars, new_coord=[1, 2, 3], time_major=True)
        code, out = run(cct.write(tmp, "timemajor.json", wrong), *DIMS, "--new-coord", names, *flat(new))
        t.expect("tas stored (time, member, lat, lon): exit 1",
                 code == 1 and "FAIL tas: dims ('time', 'member', 'lat', 'lon')" in out, out)
        wrong = build_nested(new, sidecars, new_coord=[1, 2, 3], bnds_member=False)
        code, out = run(cct.write(tmp, "bnds.json", wrong), *DIMS, "--new-coord", names, *flat(new))
        t.expect("time_bnds without the member dimension: exit 1", code == 1 and "FAIL time_bnds: dims" in out, out)
        bad = copy.deepcopy(base)
        attrs = json.loads(bad["refs"][".zattrs"])
        del attrs["title"]
        del attrs["history"]
        bad["refs"][".zattrs"] = json.dumps(attrs)
        code, out = run(cct.write(tmp, "title.json", bad), *DIMS, "--new-coord", names, *flat(new))
        t.expect("a dropped global attribute the sources agree on: exit 1; history (differs) only a note",
                 code == 1 and "FAIL (global attributes): attribute title dropped" in out
                 and "FAIL (global attributes): attribute history" not in out
                 and "NOTE global attribute history differs between sources, dropped" in out, out)

        code, out = run(good, "--concat-dim", "member", "--concat-dim", "time", "--shape", "4x3",
                        "--new-coord", names, *flat(new))
        t.expect(f"sources nested the wrong way (4x3): exit 1 (exit {code})",
                 code == 1 and "xarray refuses to combine them" in out, out)
        code, out = run(good, *DIMS, "--new-coord", names, *flat(new)[:-1])
        t.expect(f"11 sources for --shape 3x4: exit 2 (exit {code})", code == 2, out)
        code, out = run(good, *DIMS, "--new-coord", "level=1,2", *flat(new))
        t.expect(f"--new-coord on a dimension that is not concatenated: exit 2 (exit {code})", code == 2, out)
    print("PASS" if not t.failures else f"{t.failures} FAILED")
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
