"""Tests for combinecompat.py, runnable before the Go combiner exists.

  /usr/bin/python3 testdata/combinecompat_test.py [--sidecars DIR]

The combined sets checked here are made by a small Python concatenation of
per-file sidecars (build_combined below: chunk keys renumbered along time,
the time coordinate and its bounds re-encoded inline in the first file's
units). It is the test double standing in for `gokerchunk combine`, not a
second combiner. The sidecars come from `gokerchunk scan`: from DIR (made by
the Go test TestCombineCompatPython) or, without --sidecars, from a binary
built here with `go build`.

1. Correct doubles of the daily, monthly and filename/ sets pass, with the
   sources given in shuffled order.
2. Wrong doubles fail with exit 1 and name the variable: two chunk
   references swapped, time values concatenated without converting units,
   March converted with the standard instead of the noleap calendar, a
   dropped variable, a changed attribute, a changed calendar, dates made in
   the wrong order; usage errors exit 2.
3. The refusal sets are what the README says: the duplicate set is refused
   naming both files that share a date (xarray alone accepts it), the misaligned and scale sets differ as claimed.
"""
import argparse
import base64
import contextlib
import copy
import io
import json
import os
import random
import subprocess
import sys
import tempfile

import cftime
import netCDF4
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
COMBINE = os.path.join(HERE, "fixtures", "combine")
sys.path.insert(0, HERE)
import combinecompat  # noqa: E402


def set_files(name):
    d = os.path.join(COMBINE, name)
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".nc"))


# --- sidecars ------------------------------------------------------------------

def scan_all(tmp):
    """Sidecars of every combine fixture from a freshly built gokerchunk."""
    gk = os.path.join(tmp, "gk")
    subprocess.run(["go", "build", "-o", gk, "./cmd/gokerchunk"], cwd=os.path.dirname(HERE), check=True)
    out = os.path.join(tmp, "sidecars")
    subprocess.run([gk, "scan", "-q", "-o", out, COMBINE], check=True)
    return out


def sidecar(sidecars, source):
    with open(os.path.join(sidecars, os.path.basename(source) + ".json")) as fh:
        return json.load(fh)["refs"]


# --- the test double: concatenation of sidecars --------------------------------

def inline(values):
    return "base64:" + base64.b64encode(np.ascontiguousarray(values).tobytes()).decode()


def inline_array(out, name, values, attrs, fill):
    values = np.asarray(values, "<f8")
    out[f"{name}/.zarray"] = json.dumps({
        "chunks": list(values.shape), "compressor": None, "dtype": "<f8", "fill_value": fill,
        "filters": None, "order": "C", "shape": list(values.shape), "zarr_format": 2})
    out[f"{name}/.zattrs"] = json.dumps(attrs)
    out[f"{name}/" + ".".join("0" * values.ndim)] = inline(values)


def time_values(sources, name, units, calendar, convert_calendar=None, harmonise=True):
    """The named time variable of every source in `units`; convert_calendar
    decodes with another calendar than the files say (a wrong double)."""
    parts = []
    for path in sources:
        with netCDF4.Dataset(path) as ds:
            t = ds.variables[name]
            t.set_auto_maskandscale(False)
            raw = np.asarray(t[...], "f8")
            unit_var = ds.variables["time"]
            if not harmonise:
                parts.append(raw)
                continue
            dates = cftime.num2date(raw, unit_var.units, convert_calendar or unit_var.calendar)
            parts.append(np.asarray(cftime.date2num(dates, units, convert_calendar or calendar), "f8"))
    return np.concatenate(parts)


def build_combined(sources, sidecars, dim="time", made_coord=None, **time_opts):
    """Reference set of `sources` (in concat order) concatenated along dim.
    made_coord = (units, values) adds a coordinate the sources lack."""
    sets = [sidecar(sidecars, s) for s in sources]
    first = sets[0]
    out = {".zgroup": first[".zgroup"]}
    globals_ = [json.loads(r[".zattrs"]) for r in sets]
    out[".zattrs"] = json.dumps({k: v for k, v in globals_[0].items()
                                 if all(g.get(k) == v for g in globals_[1:])})
    names = sorted(k[: -len("/.zarray")] for k in first if k.endswith("/.zarray"))
    time_attrs = json.loads(first.get(f"{dim}/.zattrs", "{}"))
    reencode = {dim, time_attrs.get("bounds")} if f"{dim}/.zarray" in first else set()
    for name in names:
        zarray = json.loads(first[f"{name}/.zarray"])
        zattrs = json.loads(first[f"{name}/.zattrs"])
        dims = zattrs["_ARRAY_DIMENSIONS"]
        if name in reencode:
            values = time_values(sources, name, time_attrs["units"], time_attrs["calendar"], **time_opts)
            inline_array(out, name, values.reshape(-1, *zarray["shape"][1:]), zattrs, zarray["fill_value"])
            continue
        out[f"{name}/.zattrs"] = first[f"{name}/.zattrs"]
        if dim not in dims:
            out[f"{name}/.zarray"] = first[f"{name}/.zarray"]
            out.update({k: v for k, v in first.items() if k.startswith(name + "/") and "/." not in k})
            continue
        axis, step = dims.index(dim), zarray["chunks"][dims.index(dim)]
        offset = 0  # in chunks along dim
        for r in sets:
            length = json.loads(r[f"{name}/.zarray"])["shape"][axis]
            for k, v in r.items():
                if k.startswith(name + "/") and "/." not in k:
                    idx = [int(i) for i in k[len(name) + 1:].split(".")]
                    idx[axis] += offset
                    out[f"{name}/" + ".".join(map(str, idx))] = v
            assert length % step == 0 or r is sets[-1], f"{name}: {length} steps, chunks of {step}"
            offset += length // step
        zarray["shape"][axis] = sum(json.loads(r[f"{name}/.zarray"])["shape"][axis] for r in sets)
        out[f"{name}/.zarray"] = json.dumps(zarray)
    if made_coord is not None:
        units, values = made_coord
        inline_array(out, dim, values, {"_ARRAY_DIMENSIONS": [dim], "units": units,
                                        "calendar": "standard", "standard_name": "time"}, None)
    return {"version": 1, "refs": out}


def write(tmp, name, refs):
    path = os.path.join(tmp, name)
    with open(path, "w") as fh:
        json.dump(refs, fh)
    return path


# --- running the script --------------------------------------------------------

def run(*args):
    """combinecompat.main in this process: (exit status, output)."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        try:
            code = combinecompat.main([str(a) for a in args])
        except SystemExit as e:  # argparse usage errors
            code = e.code
    return code, buf.getvalue()


class Tally:
    def __init__(self):
        self.failures = 0

    def expect(self, what, ok, output=""):
        print(f"{'OK' if ok else 'FAIL'}   {what}", flush=True)
        if not ok:
            self.failures += 1
            print(output)


def shuffled(files, seed):
    files = list(files)
    random.Random(seed).shuffle(files)
    return files


def check_passes(t, tmp, sidecars):
    daily = set_files("daily")
    good = write(tmp, "daily.json", build_combined(daily, sidecars))
    code, out = run(good, *shuffled(daily, 1))
    t.expect("daily double passes (sources shuffled)",
             code == 0 and all(f"OK   {v}:" in out for v in ("tas", "uas", "ps", "time", "lat", "lon")), out)

    monthly = set_files("monthly")
    code, out = run(write(tmp, "monthly.json", build_combined(monthly, sidecars)), *shuffled(monthly, 2))
    t.expect("monthly double passes (noleap, units days/days/hours, time_bnds re-encoded)",
             code == 0 and "OK   time_bnds:" in out and "OK   pr:" in out and "OK   orog:" in out, out)

    regex = set_files("filename/regex")
    made = ("days since 2001-01-01", [0.0, 1.0, 2.0])
    path = write(tmp, "regex.json", build_combined(regex, sidecars, made_coord=made))
    code, out = run(path, "--expect-coord", "2001-01-01,2001-01-02,2001-01-03", *regex)
    t.expect("filename/regex double passes with --expect-coord", code == 0 and "OK   tas:" in out, out)
    code, out = run(path, "--expect-coord", "2001-01-01,2001-01-02,2001-01-04", *regex)
    t.expect("filename/regex: a wrong --expect-coord fails", code == 1 and "FAIL time:" in out, out)

    # attr/: obs_a, obs_b, obs_c hold Jan 3, 1, 2 in their valid_time attribute.
    attr = {os.path.basename(p): p for p in set_files("filename/attr")}
    in_time = [attr["obs_b.nc"], attr["obs_c.nc"], attr["obs_a.nc"]]
    path = write(tmp, "attr.json", build_combined(in_time, sidecars, made_coord=made))
    code, out = run(path, "--expect-coord", "2001-01-01,2001-01-02,2001-01-03", *in_time)
    t.expect("filename/attr double passes in time order", code == 0, out)
    by_name = sorted(attr.values())
    path = write(tmp, "attr_by_name.json", build_combined(by_name, sidecars, made_coord=(made[0], [2.0, 0.0, 1.0])))
    code, out = run(path, *by_name)
    t.expect("filename/attr: sources left in name order fail (time not increasing)",
             code == 1 and "FAIL time:" in out and "not strictly increasing" in out, out)
    return good


def check_failures(t, tmp, sidecars, good):
    daily = set_files("daily")
    base = json.load(open(good))

    bad = copy.deepcopy(base)
    r = bad["refs"]
    r["tas/0.0.0"], r["tas/1.0.0"] = r["tas/1.0.0"], r["tas/0.0.0"]
    code, out = run(write(tmp, "swap.json", bad), *daily)
    t.expect("two tas chunk references swapped: exit 1, tas named (decoded and raw)",
             code == 1 and "FAIL tas:" in out and "decoded values" in out and "raw:" in out, out)
    # The same through a separate process: the exit status a caller sees.
    res = subprocess.run([sys.executable, os.path.join(HERE, "combinecompat.py"),
                          os.path.join(tmp, "swap.json"), *daily], capture_output=True, text=True)
    t.expect(f"combinecompat.py as a command exits 1 on the swap (exit {res.returncode})",
             res.returncode == 1 and "FAIL tas:" in res.stdout, res.stdout + res.stderr)

    bad = copy.deepcopy(base)
    r = bad["refs"]
    r["uas/2.0.0"], r["uas/5.0.0"] = r["uas/5.0.0"], r["uas/2.0.0"]
    code, out = run(write(tmp, "swap_uas.json", bad), "--mode", "raw", *daily)
    t.expect("raw mode alone catches swapped uas chunks", code == 1 and "FAIL uas: raw:" in out, out)

    raw_time = build_combined(daily, sidecars, harmonise=False)
    code, out = run(write(tmp, "raw_time.json", raw_time), *daily)
    t.expect("time values concatenated without converting units: exit 1",
             code == 1 and "FAIL time:" in out and "not strictly increasing" in out, out)

    monthly = set_files("monthly")
    wrong_cal = build_combined(monthly, sidecars, convert_calendar="standard")
    code, out = run(write(tmp, "monthly_standard.json", wrong_cal), *monthly)
    t.expect("monthly converted with the standard calendar (March one day off): exit 1",
             code == 1 and "FAIL time:" in out and "FAIL time_bnds:" in out, out)

    # netCDF-3 and netCDF-4 months whose references are joined as they
    # are, under the first (big-endian, uncompressed) .zarray: the checker
    # accepts sources that differ only in byte order, but not this.
    mixed = set_files("mixed")
    naive = build_combined(mixed, sidecars)
    code, out = run(write(tmp, "mixed_naive.json", naive), *mixed)
    t.expect("mixed: netCDF-4 chunks referenced under the netCDF-3 layout: exit 1",
             code == 1 and ("FAIL tas:" in out or "does not open with xarray" in out), out)

    bad = copy.deepcopy(base)
    for k in [k for k in bad["refs"] if k.startswith("ps/")]:
        del bad["refs"][k]
    code, out = run(write(tmp, "no_ps.json", bad), *daily)
    t.expect("a dropped variable: exit 1", code == 1 and "FAIL ps: in the sources, missing" in out, out)

    bad = copy.deepcopy(base)
    attrs = json.loads(bad["refs"]["tas/.zattrs"])
    attrs["units"] = "degC"
    bad["refs"]["tas/.zattrs"] = json.dumps(attrs)
    code, out = run(write(tmp, "units.json", bad), *daily)
    t.expect("a changed variable attribute: exit 1", code == 1 and "FAIL tas: attribute units" in out, out)

    bad = copy.deepcopy(base)
    attrs = json.loads(bad["refs"]["time/.zattrs"])
    attrs["calendar"] = "proleptic_gregorian"  # same dates in 2001, other calendar
    bad["refs"]["time/.zattrs"] = json.dumps(attrs)
    code, out = run(write(tmp, "calendar.json", bad), *daily)
    t.expect("a changed calendar with equal dates: exit 1", code == 1 and "FAIL time: calendar" in out, out)

    bad = copy.deepcopy(base)
    attrs = json.loads(bad["refs"][".zattrs"])
    del attrs["title"]
    bad["refs"][".zattrs"] = json.dumps(attrs)
    code, out = run(write(tmp, "title.json", bad), *daily)
    t.expect("a dropped global attribute the sources agree on: exit 1",
             code == 1 and "FAIL (global attributes): attribute title dropped" in out, out)

    code, out = run(good)
    t.expect(f"usage error exits 2 (exit {code})", code == 2, out)
    code, out = run(good, os.path.join(tmp, "absent.nc"))
    t.expect(f"a missing source exits 2 (exit {code})", code == 2, out)


def check_refusal_sets(t, tmp):
    """What the README claims of the sets combine must refuse."""
    dup = set_files("duplicate")
    # The combined set is never opened: the sources fail first.
    code, out = run(write(tmp, "empty.json", {"version": 1, "refs": {}}), *dup)
    # combine_by_coords itself accepts this set (Jan 8 twice, its index check
    # is non-strict); combinecompat refuses it and names both files.
    t.expect("duplicate: the sources are refused, the two files sharing 2001-01-08 named",
             code == 1 and "time 2001-01-08T00:00:00 is in both" in out
             and "tas_day_20010105-20010108.nc and " in out and out.rstrip().endswith("tas_day_20010108-20010111.nc"), out)
    dates = {}
    for p in dup:
        with netCDF4.Dataset(p) as ds:
            t_ = ds.variables["time"]
            dates[os.path.basename(p)] = {d.isoformat() for d in cftime.num2date(t_[:], t_.units, t_.calendar)}
    shared = {(a, b) for a in dates for b in dates if a < b and dates[a] & dates[b]}
    t.expect(f"duplicate: only the last two files share a date {sorted(shared)}",
             shared == {("tas_day_20010105-20010108.nc", "tas_day_20010108-20010111.nc")})

    def chunking(p, v="tas"):
        with netCDF4.Dataset(p) as ds:
            return ds.dimensions["time"].size, ds.variables[v].chunking()[0]

    length = [chunking(p) for p in set_files("misaligned/length")]
    t.expect(f"misaligned/length: first file's length is not a multiple of its time chunk {length}",
             length[0][0] % length[0][1] != 0)
    chunks = [chunking(p)[1] for p in set_files("misaligned/chunks")]
    t.expect(f"misaligned/chunks: time chunks differ {chunks}", len(set(chunks)) == 2)
    scales = []
    for p in set_files("scale"):
        with netCDF4.Dataset(p) as ds:
            scales.append(ds.variables["pr"].scale_factor)
    t.expect(f"scale: pr scale_factor differs {scales}", len(set(scales)) == 2)

    # The noleap trap is real: March under the standard calendar is a day later.
    mar = set_files("monthly")[2]
    with netCDF4.Dataset(mar) as ds:
        tv = ds.variables["time"]
        noleap = cftime.date2num(cftime.num2date(tv[0], tv.units, "noleap"), "days since 2000-01-01", "noleap")
        standard = cftime.date2num(cftime.num2date(tv[0], tv.units, "standard"), "days since 2000-01-01", "standard")
    t.expect(f"monthly: 2000-03-01 is day {noleap} (noleap) vs {standard} (standard)",
             (noleap, standard) == (59, 60))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sidecars", help="directory of `gokerchunk scan` outputs of testdata/fixtures/combine")
    args = parser.parse_args(argv)
    t = Tally()
    with tempfile.TemporaryDirectory() as tmp:
        sidecars = args.sidecars or scan_all(tmp)
        good = check_passes(t, tmp, sidecars)
        check_failures(t, tmp, sidecars, good)
        check_refusal_sets(t, tmp)
    print("PASS" if not t.failures else f"{t.failures} FAILED")
    return 1 if t.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
