"""Check a reference set combined along two (or more) dimensions - e.g. an
ensemble, members x months - against xarray's nested combine of the files
it was made from, in the Python stack our users run.

Usage:
  testdata/sid/run.sh python3 testdata/combinenested.py COMBINED
      --concat-dim member --concat-dim time --shape 3x4
      [--new-coord member=1,2,3 | member=index | member=DATE,DATE,...]
      [--data-vars all|minimal] SOURCE...

SOURCEs are given in nested order, outer dimension first (row-major over
--shape): with --shape 3x4 the first four are member 1's months in time
order, and so on. The reference answer is what xarray makes of them:

  xr.open_mfdataset(NESTED, combine="nested", concat_dim=[member, time],
                    engine="netcdf4", data_vars=DATA_VARS, coords="different",
                    compat="equals", join="exact", combine_attrs="override")

then loaded. join="exact": the inputs align exactly (lat, lon and, across
members, time are the same in every file; anything else is an error).
combine_attrs="override" keeps the first file's global attributes, as
combine keeps the first input's value of an attribute that differs.

--new-coord DIM=VALUES names a dimension the sources do not have (combine
--new-dim): xarray's nested combine along it creates no coordinate, so the
expected one is assigned as combine writes it - numbers as float64, `index`
as int64 0..n-1, dates (YYYY-MM-DD[THH:MM:SS]) as datetime64 (what xarray
decodes CF time to). Its data_vars default is "all": along a new dimension
every data variable gets it (time_bnds included, as combine adds the new
dimension to every array that has another concat dimension; a data
variable with no concat dimension at all would get it too, so such sets
have their static fields as coordinates or not at all). Without
--new-coord the default is "minimal": only variables that have a concat
dimension are concatenated along it, the rest must be equal and are kept
once (time_bnds(time, nv) in files with a member dimension on tas and pr
only).

COMBINED (a JSON file or a Parquet reference directory, opened as users
do: xr.open_dataset("reference://", engine="zarr", backend_kwargs=
{"consolidated": False, "storage_options": {"fo": ...}}), Parquet through
fsspec's LazyReferenceMapper with pyarrow) must then be identical after CF
decoding: xr.testing.assert_identical (values, NaN where masked,
dimensions, coordinates, variable attributes; encoding ignored), and
besides what assert_identical leaves out: each variable's decoded dtype,
its dimension order (concat dimensions outermost, in --concat-dim order),
the decoded time values and calendar. Global attributes every source
agrees on must be there with the same value; those that differ may be
kept (with any source's value) or dropped - a NOTE says which.

COMBINED "-" checks only the reference answer and prints it (variables,
dims, dtypes, shapes, masked counts): what xarray makes of the sources.

One line per variable ("OK", "FAIL", or "NOTE"), then a summary. Exit
status 0 when everything matches, 1 on any difference (or sources xarray
refuses to combine), 2 for usage errors.
"""
import argparse
import os
import sys
import warnings

import numpy as np
import xarray as xr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import combinecompat  # noqa: E402  (refs_fo, value_difference, attr_problems, Lines, Failure)
from combinecompat import Failure  # noqa: E402


def parse_shape(text):
    try:
        shape = [int(n) for n in text.lower().split("x")]
    except ValueError:
        shape = []
    if not shape or any(n < 1 for n in shape):
        raise argparse.ArgumentTypeError(f"--shape {text!r}: want sizes like 3x4")
    return shape


def parse_new_coord(text):
    """DIM=VALUES -> (dim, values or the string "index")."""
    dim, sep, values = text.partition("=")
    if not sep or not dim or not values:
        raise argparse.ArgumentTypeError(f"--new-coord {text!r}: want DIM=V,V,... or DIM=index")
    if values == "index":
        return dim, "index"
    items = [v.strip() for v in values.split(",")]
    try:
        if all(len(v) >= 10 and v[4] == "-" and v[7] == "-" for v in items):
            return dim, np.array(items, dtype="datetime64[ns]")
        return dim, np.array([float(v) for v in items], dtype="float64")
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"--new-coord {text!r}: {e}") from e


def nest(sources, shape):
    """The flat source list (row-major over shape) as nested lists."""
    if len(shape) == 1:
        return list(sources)
    step = len(sources) // shape[0]
    return [nest(sources[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


# --- the reference answer --------------------------------------------------------

def reference(sources, dims, shape, new_coords, data_vars):
    try:
        with xr.open_mfdataset(nest(sources, shape), combine="nested", concat_dim=dims, engine="netcdf4",
                               data_vars=data_vars, coords="different", compat="equals", join="exact",
                               combine_attrs="override") as mf:
            want = mf.load()
    except Exception as e:  # noqa: BLE001 - xarray's own refusal is the finding
        raise Failure(f"sources: xarray refuses to combine them: {type(e).__name__}: {e}") from e
    for dim, values in new_coords.items():
        if dim not in want.dims:
            raise Failure(f"--new-coord {dim}: the nested combine has no dimension {dim}")
        n = want.sizes[dim]
        if isinstance(values, str):
            values = np.arange(n, dtype="int64")
        if len(values) != n:
            raise Failure(f"--new-coord {dim}: {len(values)} values for a dimension of {n}")
        if dim in want.variables:
            raise Failure(f"--new-coord {dim}: the sources already have a {dim} coordinate")
        want = want.assign_coords({dim: values})
    return want


def source_attrs(sources):
    """Global attributes of every source (for the agreed/conflicting split)."""
    out = []
    for p in sources:
        with xr.open_dataset(p, engine="netcdf4", decode_cf=False) as ds:
            out.append(dict(ds.attrs))
    return out


def describe(ds):
    lines = []
    for name in list(ds.coords) + [v for v in ds.data_vars]:
        v = ds[name]
        dims = ", ".join(f"{d}={n}" for d, n in zip(v.dims, v.shape))
        extra = ""
        if v.dtype.kind == "f" and v.size:
            extra = f", {int(v.isnull().sum())} NaN"
        if v.dtype.kind == "M" and v.size:
            extra = f", {np.datetime_as_string(v.values.min(), 's')} .. {np.datetime_as_string(v.values.max(), 's')}"
        lines.append(f"{'coord' if name in ds.coords else 'var  '} {name}({dims}) {v.dtype}{extra}")
    return lines


# --- the checks ----------------------------------------------------------------------

def dims_order_problem(var_dims, concat_dims):
    """The concat dims a variable has must come first, in concat order."""
    present = [d for d in var_dims if d in concat_dims]
    want = [d for d in concat_dims if d in var_dims]
    if present != want or list(var_dims[:len(want)]) != want:
        return f"dims {var_dims}: concat dimensions {want} are not outermost in that order"
    return None


def open_combined(path):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return xr.open_dataset(
                "reference://", engine="zarr",
                backend_kwargs={"consolidated": False,
                                "storage_options": {"fo": combinecompat.refs_fo(path)}}).load()
    except Exception as e:  # noqa: BLE001
        raise Failure(f"combined set does not open with xarray's zarr engine: {type(e).__name__}: {e}") from e


def calendar(var):
    return combinecompat.calendar_of(var)


def compare(lines, got, want, dims, attrs_of_sources):
    for name in sorted(set(want.variables) - set(got.variables)):
        lines.bad(name, "in the nested combine of the sources, missing from the combined set")
    for name in sorted(set(got.variables) - set(want.variables)):
        lines.bad(name, "in the combined set, not in the nested combine of the sources")
    if dict(got.sizes) != dict(want.sizes):
        lines.bad("(dataset)", f"sizes {dict(got.sizes)} != sources combined {dict(want.sizes)}")
    if set(got.coords) != set(want.coords):
        lines.bad("(dataset)", f"coordinates {sorted(got.coords)} != sources combined {sorted(want.coords)}")

    for name in sorted(set(want.variables) & set(got.variables)):
        w, g = want[name].variable, got[name].variable
        problem = dims_order_problem(w.dims, dims)
        if problem:  # the reference itself: a wrong --concat-dim or --shape
            lines.bad(name, f"sources combined: {problem}")
        if g.dims != w.dims:
            lines.bad(name, f"dims {g.dims} != {w.dims}")
            continue
        if g.dtype != w.dtype:
            lines.bad(name, f"decoded dtype {g.dtype} != {w.dtype}")
        reason = combinecompat.value_difference(w.values, g.values)
        if reason:
            lines.bad(name, f"decoded values: {reason}")
        if w.dtype.kind == "f":
            wm, gm = np.isnan(w.values), np.isnan(g.values)
            if not np.array_equal(wm, gm):
                lines.bad(name, f"masked (NaN) points differ: {int(gm.sum())} != {int(wm.sum())}")
        if set(g.attrs) != set(w.attrs) or any(not combinecompat.same_attr(g.attrs[k], w.attrs[k])
                                               for k in w.attrs):
            lines.bad(name, f"attributes {g.attrs} != {w.attrs}")
        if w.dtype.kind == "M":
            wc, gc = calendar(want[name]), calendar(got[name])
            if wc != gc:
                lines.bad(name, f"calendar {gc!r} != sources' {wc!r}")
        shown = ", ".join(f"{d}={n}" for d, n in zip(g.dims, g.shape))
        what = f"({shown}) {g.dtype}"
        if g.dtype.kind == "M" and g.size:
            what += (f" {np.datetime_as_string(g.values.min(), 's')} .. "
                     f"{np.datetime_as_string(g.values.max(), 's')} ({calendar(got[name])})")
        elif g.dtype.kind == "f" and g.size:
            what += f" ({int(np.isnan(g.values).sum())} masked)"
        lines.good(name, what + " decoded equal")

    problems, notes = combinecompat.attr_problems(attrs_of_sources, got.attrs, strict=False)
    for p in problems:
        lines.bad("(global attributes)", p)
    lines.notes.extend(f"global {n}" for n in notes)
    if not problems:
        lines.good("(global attributes)", f"{len(got.attrs)} kept, all the sources agree on present")

    # Then xarray's own verdict on the whole dataset. Global attributes
    # the sources disagree on were judged above: both sides keep the
    # agreed ones only.
    agreed, _ = combinecompat.agreed_attrs(attrs_of_sources)
    g, w = got.copy(), want.copy()
    g.attrs = {k: v for k, v in g.attrs.items() if k in agreed}
    w.attrs = {k: v for k, v in w.attrs.items() if k in agreed}
    try:
        xr.testing.assert_identical(g, w)
        lines.good("(dataset)", "xr.testing.assert_identical with the nested combine of the sources")
    except AssertionError as e:
        lines.bad("(dataset)", "xr.testing.assert_identical: " + " ".join(str(e).split())[:2000])


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("combined", help="JSON file or Parquet directory; - to check only the reference answer")
    parser.add_argument("sources", nargs="+")
    parser.add_argument("--concat-dim", action="append", required=True, help="repeated, outer first")
    parser.add_argument("--shape", type=parse_shape, required=True, help="sources per concat dim, e.g. 3x4")
    parser.add_argument("--new-coord", type=parse_new_coord, action="append", default=[],
                        metavar="DIM=VALUES", help="coordinate of a dimension the sources lack")
    parser.add_argument("--data-vars", choices=["all", "minimal", "different"],
                        help="xarray's data_vars (default: all with --new-coord, else minimal)")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    dims = args.concat_dim
    if len(dims) != len(args.shape):
        parser.error(f"--shape has {len(args.shape)} sizes for {len(dims)} --concat-dim")
    if int(np.prod(args.shape)) != len(args.sources):
        parser.error(f"--shape {'x'.join(map(str, args.shape))} needs {int(np.prod(args.shape))} "
                     f"sources, got {len(args.sources)}")
    new_coords = dict(args.new_coord)
    for dim in new_coords:
        if dim not in dims:
            parser.error(f"--new-coord {dim}: not a --concat-dim")
    for p in args.sources + ([] if args.combined == "-" or os.path.isdir(args.combined) else [args.combined]):
        if not os.path.isfile(p):
            print(f"combinenested: no such file: {p}", file=sys.stderr)
            return 2
    data_vars = args.data_vars or ("all" if new_coords else "minimal")
    print(f"# {args.combined} vs {len(args.sources)} sources nested along {' x '.join(dims)} "
          f"({'x'.join(map(str, args.shape))}, data_vars={data_vars!r})", flush=True)
    lines = combinecompat.Lines()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xarray/zarr chatter, not findings
        try:
            want = reference(args.sources, dims, args.shape, new_coords, data_vars)
            if args.combined == "-":
                for line in describe(want):
                    print(line)
                for name in want.variables:
                    problem = dims_order_problem(want[name].dims, dims)
                    if problem:
                        lines.bad(name, problem)
            else:
                got = open_combined(args.combined)
                compare(lines, got, want, dims, source_attrs(args.sources))
        except Failure as e:
            lines.print()
            print(f"FAIL {e}")
            return 1
    lines.print()
    if args.combined == "-":
        print("FAILED: the reference itself" if lines.failed else "PASS: reference answer above")
        return 1 if lines.failed else 0
    print(f"{'FAILED' if lines.failed else 'PASS'}: {len(lines.fail)} of "
          f"{len(set(lines.fail) | set(lines.ok))} entries differ")
    return 1 if lines.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
