"""Check a combined kerchunk reference set against the files it was made from,
with the Python stack our users run.

Usage:
  testdata/sid/run.sh python3 testdata/combinecompat.py COMBINED.json [--concat-dim time]
      [--mode both|decoded|raw] [--order coords|given] [--expect-coord V,V,...] SOURCE...

The reference answer is what xarray makes of the sources themselves:
  xr.open_mfdataset(SOURCES, combine="by_coords", engine="netcdf4", use_cftime=True,
                    data_vars="minimal", coords="minimal", compat="equals",
                    join="exact", combine_attrs="drop_conflicts")
(CF decoding, times as cftime objects; dask-backed, then loaded).
COMBINED may also be a Parquet reference directory (--mode decoded only),
opened through fsspec's LazyReferenceMapper with pyarrow.
Variables without the concat dimension must then be equal in every source,
and xarray sorts the sources by their concat coordinate whatever order they
are given in. With --order given, or when the sources have no concat
coordinate (its values came from file names or attributes), the sources are
concatenated in the order given (combine_nested); the combined coordinate is
then checked against --expect-coord (dates as YYYY-MM-DD[THH:MM:SS]) or, without
it, only for increasing values.

decoded: the combined set, opened with xarray's zarr engine through fsspec's
  ReferenceFileSystem, must have the reference's variables, dimensions,
  shapes, dtypes and values (after CF decoding: unpacked, masked, times as
  dates; NaN == NaN), the sources' calendar, and every attribute the sources
  agree on (attributes that differ between sources may be dropped or kept;
  a variable attribute no source has fails).
raw: every array read through zarr without decoding must equal, dtype and
  byte order included, the sources' stored values (netCDF4-python, masking
  and scaling off) concatenated along the concat dimension in time order, or,
  without that dimension, the value all sources share. The concat coordinate
  and its bounds are re-encoded by a combiner whose sources use different
  units, so they are compared decoded only.

One line per variable ("OK", "FAIL", or "NOTE" for what is allowed but worth
saying), then a summary. Exit status 0 when everything matches, 1 on any
difference (or sources xarray itself refuses to combine), 2 for usage errors.
"""
import argparse
import os
import sys
import warnings

import numpy as np
import xarray as xr
import zarr

import pycompat  # the raw reads, comparison and the running stack's gaps (no shims)

CALENDAR_ALIASES = {"gregorian": "standard", "": "standard"}


def cftime_decoding():
    """Keyword arguments that decode times as cftime objects: xarray 2025+
    takes a CFDatetimeCoder (use_cftime= was deprecated), Debian 12's
    xarray 2023.1 only use_cftime=True. The same decoding either way."""
    coder = getattr(getattr(xr, "coders", None), "CFDatetimeCoder", None)
    return {"decode_times": coder(use_cftime=True)} if coder else {"use_cftime": True}


class Failure(Exception):
    """A difference that ends the check early (nothing left to compare)."""


# --- the reference answer ------------------------------------------------------

def open_source(path):
    with xr.open_dataset(path, engine="netcdf4", **cftime_decoding()) as ds:
        return ds.load()


def reference(sources, dim, order):
    """(combined dataset, sources in concat order, whether the sources carry
    the concat coordinate)."""
    opened = [open_source(p) for p in sources]
    has_coord = all(dim in ds.variables and ds[dim].dims == (dim,) for ds in opened)
    kwargs = dict(data_vars="minimal", coords="minimal", compat="equals", join="exact",
                  combine_attrs="drop_conflicts")
    try:
        if order == "coords" and has_coord:
            # What users run on the sources (dask-backed), loaded to compare.
            with xr.open_mfdataset(sources, combine="by_coords", engine="netcdf4",
                                   **cftime_decoding(), **kwargs) as mf:
                combined = mf.load()
            try:
                ordered = sorted(zip(sources, opened), key=lambda s: s[1][dim].values[0])
            except TypeError as e:  # cftime dates of different calendars do not compare
                raise Failure(f"sources: first {dim} values do not compare: {e}") from e
        else:
            combined = xr.combine_nested(opened, concat_dim=dim, **kwargs)
            ordered = list(zip(sources, opened))
    except Failure:
        raise
    except Exception as e:  # noqa: BLE001 - xarray's own refusal is the finding
        raise Failure(f"sources: xarray refuses to combine them: {type(e).__name__}: {e}") from e
    if has_coord:
        refuse_overlap(ordered, dim)
    return combined, ordered, has_coord


def refuse_overlap(ordered, dim):
    """combine_by_coords accepts sources that share a value where one ends
    and the next begins (its index check is non-strict): name them."""
    seen = {}
    for path, ds in ordered:
        for v in as_dates(ds[dim].values) if is_dates(ds[dim].values) else ds[dim].values:
            if v in seen and seen[v] != path:
                raise Failure(f"sources: {dim} {v} is in both {seen[v]} and {path}")
            seen[v] = path


# --- comparison helpers ------------------------------------------------------

def as_dates(a):
    """cftime objects as ISO strings, so dates compare whatever cftime class
    (calendar) carries them; the calendar is checked on its own."""
    a = np.asarray(a)
    if a.dtype.kind == "M":
        return np.datetime_as_string(a, unit="s").astype(object)
    if a.size == 0:
        return a.astype(object)
    return np.vectorize(lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v), otypes=[object])(a)


def is_dates(a):
    a = np.asarray(a)
    return a.dtype.kind == "M" or (a.dtype.kind == "O" and a.size > 0 and hasattr(a.flat[0], "isoformat"))


def value_difference(want, got):
    """Reason decoded values differ, or None."""
    want, got = np.asarray(want), np.asarray(got)
    if want.shape != got.shape:
        return f"shape {got.shape} != {want.shape}"
    if is_dates(want) or is_dates(got):
        want, got = as_dates(want), as_dates(got)
        equal = want == got
    elif want.dtype.kind in "fc":
        equal = (want == got) | (np.isnan(want) & np.isnan(got))
    else:
        equal = want == got
    equal = np.asarray(equal, bool)
    if equal.all():
        return None
    where = tuple(int(i) for i in np.argwhere(~equal)[0])
    return f"{int((~equal).sum())} value(s) differ, first at {where}: {got[where]!r} != {want[where]!r}"


def same_attr(a, b):
    try:
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind in "fc" and b.dtype.kind in "fc":
            return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=True))
        return a.shape == b.shape and bool(np.array_equal(a, b))
    except (TypeError, ValueError):
        return False


def agreed_attrs(dicts):
    """(attributes every dict has with the same value, names that differ)."""
    keys = set().union(*dicts) if dicts else set()
    agreed, conflicting = {}, set()
    for k in keys:
        if all(k in d for d in dicts) and all(same_attr(d[k], dicts[0][k]) for d in dicts[1:]):
            agreed[k] = dicts[0][k]
        else:
            conflicting.add(k)
    return agreed, conflicting


def attr_problems(sources_attrs, got, strict):
    """Problems with got's attributes; with strict, attributes no source has fail too."""
    agreed, conflicting = agreed_attrs(sources_attrs)
    problems, notes = [], []
    for k in sorted(agreed):
        if k not in got:
            problems.append(f"attribute {k} dropped")
        elif not same_attr(got[k], agreed[k]):
            problems.append(f"attribute {k} = {got[k]!r}, sources {agreed[k]!r}")
    for k in sorted(set(got) - set(agreed)):
        if k in conflicting:
            notes.append(f"attribute {k} differs between sources, kept as {got[k]!r}")
        elif strict:
            problems.append(f"attribute {k} = {got[k]!r} is in no source")
        else:
            notes.append(f"attribute {k} = {got[k]!r} is in no source")
    for k in sorted(conflicting - set(got)):
        notes.append(f"attribute {k} differs between sources, dropped")
    return problems, notes


def calendar_of(var):
    cal = var.encoding.get("calendar", var.attrs.get("calendar", "standard"))
    cal = str(cal).lower()
    return CALENDAR_ALIASES.get(cal, cal)


def parse_expected(text):
    """--expect-coord values: dates become ISO strings with a time of day."""
    out = []
    for v in text.split(","):
        v = v.strip()
        if len(v) >= 10 and v[4] == "-" and v[7] == "-":
            out.append(v if "T" in v else v + "T00:00:00")
        else:
            out.append(float(v))
    return out


# --- the checks ----------------------------------------------------------------

class Lines:
    """Per-variable findings, printed one line each at the end."""

    def __init__(self):
        self.fail = {}
        self.ok = {}
        self.notes = []
        self.failed = False

    def bad(self, name, reason):
        self.failed = True
        self.fail.setdefault(name, []).append(reason)

    def good(self, name, what):
        self.ok.setdefault(name, []).append(what)

    def note(self, what):
        self.notes.append(what)

    def print(self):
        for name in sorted(set(self.fail) | set(self.ok)):
            if name in self.fail:
                print(f"FAIL {name}: " + "; ".join(self.fail[name]))
            else:
                print(f"OK   {name}: " + "; ".join(self.ok[name]))
        for n in self.notes:
            print(f"NOTE {n}")


def check_decoded(lines, combined_path, want, ordered, dim, has_coord, expect_coord):
    # As users open it: the reference:// protocol, xarray's zarr engine.
    try:
        got = xr.open_dataset(
            "reference://", engine="zarr", **cftime_decoding(),
            backend_kwargs={"consolidated": False, "storage_options": {"fo": refs_fo(combined_path)}}).load()
    except Exception as e:  # noqa: BLE001
        raise Failure(f"combined set does not open with xarray's zarr engine: {type(e).__name__}: {e}") from e

    expected_names = set(want.variables)
    if not has_coord and dim in got.variables:
        expected_names.add(dim)  # the combiner made it from names or attributes
    for name in sorted(expected_names - set(got.variables)):
        lines.bad(name, "in the sources, missing from the combined set")
    for name in sorted(set(got.variables) - expected_names):
        lines.bad(name, "in the combined set, not in any source")
    if dict(got.dims) != dict(want.dims):
        lines.bad("(dataset)", f"dimensions {dict(got.dims)} != sources combined {dict(want.dims)}")

    for name in sorted(set(want.variables) & set(got.variables)):
        w, g = want[name], got[name]
        if w.dims != g.dims:
            lines.bad(name, f"dims {g.dims} != {w.dims}")
            continue
        if w.shape != g.shape:
            lines.bad(name, f"shape {g.shape} != {w.shape}")
            continue
        if w.dtype != g.dtype:
            lines.bad(name, f"decoded dtype {g.dtype} != {w.dtype}")
        reason = value_difference(w.values, g.values)
        if reason:
            lines.bad(name, f"decoded values: {reason}")
        src_attrs = [ds[name].attrs for _, ds in ordered if name in ds.variables]
        problems, notes = attr_problems(src_attrs, g.attrs, strict=True)
        for p in problems:
            lines.bad(name, p)
        lines.notes.extend(f"{name}: {n}" for n in notes)
        if is_dates(w.values):
            cals = {calendar_of(ds[name]) for _, ds in ordered if name in ds.variables}
            if len(cals) > 1:
                lines.bad(name, f"sources use calendars {sorted(cals)}")
            elif calendar_of(g) not in cals:
                lines.bad(name, f"calendar {calendar_of(g)!r} != sources' {cals.pop()!r}")
        dims = ", ".join(f"{d}={n}" for d, n in zip(g.dims, g.shape))
        what = f"({dims}) {g.dtype} decoded equal"
        if is_dates(g.values) and g.size:
            dates = as_dates(g.values)
            what = f"({dims}) dates {dates.min()} .. {dates.max()} ({calendar_of(g)}) decoded equal"
        lines.good(name, what)

    if not has_coord:
        check_made_coord(lines, got, dim, expect_coord)
    elif expect_coord is not None:
        check_expected(lines, got[dim].values, dim, expect_coord)
    if dim in got.variables and got[dim].ndim == 1:
        check_increasing(lines, got[dim].values, dim)

    problems, notes = attr_problems([ds.attrs for _, ds in ordered], got.attrs, strict=False)
    for p in problems:
        lines.bad("(global attributes)", p)
    lines.notes.extend(f"global {n}" for n in notes)
    if not problems:
        lines.good("(global attributes)", f"{len(got.attrs)} kept, all the sources agree on present")


def refs_fo(path):
    """What fsspec's ReferenceFileSystem takes as fo: a JSON file's path, or
    for a Parquet reference directory a LazyReferenceMapper reading it with
    pyarrow (fsspec 2026 would build one with fastparquet, which Debian does
    not package; that is the engine choice users make, not a workaround)."""
    if not os.path.isdir(path):
        return path
    from fsspec.implementations.reference import LazyReferenceMapper
    return LazyReferenceMapper(path, engine="pyarrow")


def check_made_coord(lines, got, dim, expect_coord):
    if dim not in got.variables:
        lines.bad(dim, "sources have no coordinate and the combined set has none either")
        return
    values = got[dim].values
    shown = as_dates(values) if is_dates(values) else values
    lines.note(f"{dim}: not in the sources; the combined set has {list(shown)}")
    if expect_coord is not None:
        check_expected(lines, values, dim, expect_coord)


def check_expected(lines, values, dim, expect_coord):
    want = parse_expected(expect_coord)
    got = list(as_dates(values)) if is_dates(values) else [float(v) for v in values]
    if got != want:
        lines.bad(dim, f"values {got} != --expect-coord {want}")


def check_increasing(lines, values, dim):
    keys = as_dates(values) if is_dates(values) else np.asarray(values)
    # ISO strings of equal format sort like the dates (years 0-9999).
    if any(not (a < b) for a, b in zip(keys[:-1], keys[1:])):
        lines.bad(dim, "combined coordinate is not strictly increasing")


def check_raw(lines, combined_path, ordered, dim):
    """Stored values through zarr vs the sources' stored values concatenated."""
    arrays = pycompat.open_arrays(combined_path)
    sources = [pycompat.Source(path) for path, _ in ordered]
    reencoded = {dim}
    for _, ds in ordered:
        if dim in ds.variables and "bounds" in ds[dim].attrs:
            reencoded.add(ds[dim].attrs["bounds"])
        if dim in ds.variables and "bounds" in ds[dim].encoding:
            reencoded.add(ds[dim].encoding["bounds"])
    names = set().union(*(s.variables for s in sources))
    for name in sorted(names | set(arrays)):
        if name in reencoded:
            if name in arrays:
                lines.good(name, "raw: re-encoded by the combiner, compared decoded only")
            continue
        if name not in arrays:
            lines.bad(name, "raw: missing from the combined zarr arrays")
            continue
        holders = [s for s in sources if name in s.variables]
        if not holders:
            continue  # reported by the decoded check (or made from names)
        if len(holders) != len(sources):
            lines.bad(name, f"raw: only in {len(holders)} of {len(sources)} sources")
            continue
        dtypes = {s.variables[name][0].str for s in sources}
        # Sources that differ only in byte order (netCDF-3 files among
        # netCDF-4 ones, joined with --rewrite-mismatched) hold the same
        # values: compare them in the combined array's byte order.
        if len({np.dtype(d).newbyteorder("=") for d in dtypes}) > 1:
            lines.bad(name, f"raw: sources store it as {sorted(dtypes)}")
            continue
        stored_dtype = sources[0].variables[name][0]
        parts = [s.variables[name][1]() for s in sources]
        arr = arrays[name]
        if isinstance(arr, Exception):
            lines.bad(name, f"raw: zarr open: {type(arr).__name__}: {arr}")
            continue
        if len(dtypes) > 1:
            stored_dtype = np.dtype(arr.dtype)
            parts = [p.astype(stored_dtype) for p in parts]
        dims = list(arr.attrs.get("_ARRAY_DIMENSIONS", []))
        if dim in dims:
            expected = np.concatenate(parts, axis=dims.index(dim))
            how = f"= {len(parts)} sources concatenated"
        else:
            differ = [s.path for s, p in zip(sources[1:], parts[1:])
                      if pycompat.compare(stored_dtype, parts[0], p) is not None]
            if differ:
                lines.bad(name, f"raw: has no {dim} dimension but differs between "
                                f"{sources[0].path} and {', '.join(differ)}")
                continue
            expected = parts[0]
            how = "= every source's"
        try:
            got = pycompat.read_array(arr)
        except Exception as e:  # noqa: BLE001
            lines.bad(name, f"raw: zarr read: {type(e).__name__}: {e}")
            continue
        reason = pycompat.compare(stored_dtype, expected, got)
        if reason:
            lines.bad(name, f"raw: {reason}")
        else:
            lines.good(name, f"raw {got.dtype.str} {how}")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("combined")
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--concat-dim", default="time")
    parser.add_argument("--mode", choices=["both", "decoded", "raw"], default="both")
    parser.add_argument("--order", choices=["coords", "given"], default="coords",
                        help="coords: xarray sorts the sources by their coordinate; given: as listed")
    parser.add_argument("--expect-coord", metavar="V,V,...",
                        help="the combined concat coordinate's values (dates or numbers)")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    if os.path.isdir(args.combined) and args.mode != "decoded":
        print("combinecompat: a Parquet reference directory is checked with --mode decoded", file=sys.stderr)
        return 2
    for p in ([] if os.path.isdir(args.combined) else [args.combined]) + args.sources:
        if not os.path.isfile(p):
            print(f"combinecompat: no such file: {p}", file=sys.stderr)
            return 2
    dim = args.concat_dim
    print(f"# {args.combined} vs {len(args.sources)} sources along {dim} ({args.mode})", flush=True)
    lines = Lines()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xarray/zarr/cftime chatter, not findings
        try:
            want, ordered, has_coord = reference(args.sources, dim, args.order)
            if not has_coord and args.order == "coords":
                lines.note(f"sources have no {dim} coordinate: concatenated in the order given")
            if args.mode in ("both", "decoded"):
                check_decoded(lines, args.combined, want, ordered, dim, has_coord, args.expect_coord)
            if args.mode in ("both", "raw"):
                check_raw(lines, args.combined, ordered, dim)
        except Failure as e:
            lines.print()
            print(f"FAIL {e}")
            return 1
    lines.print()
    bad = len(lines.fail)
    print(f"{'FAILED' if lines.failed else 'PASS'}: {bad} of {len(set(lines.fail) | set(lines.ok))} "
          f"variables differ; order: {', '.join(os.path.basename(p) for p, _ in ordered)}")
    return 1 if lines.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
