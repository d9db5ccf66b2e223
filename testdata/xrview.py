"""What a user sees: a kerchunk reference set opened with xarray, compared
with the source file opened with xarray.

Usage:
  testdata/sid/run.sh python3 testdata/xrview.py REFS.json SOURCE [--expect-missing NAME]...

For every group of SOURCE (netCDF-4: every group; plain HDF5: the root and
every group h5netcdf opens) the references are opened as users open them,

  xr.open_dataset("reference://", engine="zarr", group=GROUP,
                  backend_kwargs={"consolidated": False, "storage_options": {"fo": REFS}})

and the source with xr.open_dataset(SOURCE, engine="netcdf4", group=GROUP)
for netCDF-4 files (root attribute _NCProperties, or not HDF5 at all) or
engine="h5netcdf" with phony_dims="sort" for plain HDF5, both with xarray's
DEFAULT decoding (masking, scaling, times, strings). Then, strictly:

- the same variables (a source variable named with --expect-missing, as
  grp/var, may be absent; a refs variable the source engine does not list
  but the file holds is SKIP) and the same dimension lengths;
- per variable: dims, decoded dtype, attributes, the CF encoding keys
  xarray moved out of the attributes (_FillValue, missing_value,
  scale_factor, add_offset, units, calendar), and values (NaN == NaN,
  NaT == NaT, strings compared as str: padding is a difference);
- the group's attributes.

A Zarr fill_value that is not the source's _FillValue shows up as an
encoding difference and, where real data equals it, as masked values.

One line per variable (and per group for its dimensions and attributes):
"OK", "FAIL" with the first difference, "SKIP" with the reason, or "KNOWN"
for a difference no reference set can avoid, named in KNOWN_DIFFERENCES
below (and in the README). Exit status 1 on any FAIL, 2 for usage errors.
"""
import argparse
import os
import sys
import warnings

import h5py
import netCDF4
import numpy as np
import xarray as xr

# The CF attributes xarray's default decoding moves from attrs to encoding:
# compared there, because they decide what users see (masking, scaling,
# dates) and what xarray writes back. encoding["dtype"] (the stored dtype)
# is left to pycompat.py, which compares stored dtypes byte order included;
# the remaining encoding keys are backend details (chunksizes, zlib,
# preferred_chunks, source, ...) that differ by engine and are not data.
CF_ENCODING = ("_FillValue", "missing_value", "scale_factor", "add_offset", "units", "calendar")

# Differences that come from what a Zarr v2 reference set can express, not
# from what gokerchunk writes; each is reported as KNOWN, never hidden, and
# only when everything else about the variable is equal.
KNOWN_DIFFERENCES = {
    "packed32": "scale_factor/add_offset are float32 on the source; Zarr attributes are JSON numbers, "
                "so xarray decodes to float64 (values equal as float32)",
    "vlenstr": "variable-length strings: zarr's vlen-utf8 reads as object, xarray's netCDF engines give "
               "fixed-width unicode (values equal)",
    "phony": "phony dimensions: h5netcdf numbers and shares them its own way; the refs name them as "
             "netCDF-C does (xr.open_dataset's default netcdf4 engine); the same length on every axis",
    "arraytype": "a scalar of an HDF5 array datatype: the refs give its elements as axes (as h5py reads "
                 "it and numpy expands it), h5netcdf a 0-d sub-array value",
    "objref": "object references: the refs hold the referenced object's path as text, h5netcdf an "
              "h5py Reference (same object)",
}


class Report:
    def __init__(self):
        self.failed = False
        self.counts = {"OK": 0, "FAIL": 0, "SKIP": 0, "KNOWN": 0}

    def line(self, status, what, detail=""):
        self.counts[status] += 1
        if status == "FAIL":
            self.failed = True
        print(f"{status:<4} {what}" + (f": {detail}" if detail else ""), flush=True)


# --- the source --------------------------------------------------------------

def source_kind(path):
    """("netcdf4", groups) for netCDF files, ("h5netcdf", groups) for plain HDF5."""
    try:
        with h5py.File(path, "r") as f:
            is_netcdf = "_NCProperties" in f.attrs
            h5_groups = [""]
            if not is_netcdf:
                names = []
                f.visit(names.append)
                for name in names:
                    try:
                        if isinstance(f[name], h5py.Group):
                            h5_groups.append(name)
                    except Exception:  # noqa: BLE001 - an object HDF5 will not open is no group we can view
                        pass
    except OSError:
        is_netcdf = True  # not HDF5: a netCDF classic file
    if not is_netcdf:
        return "h5netcdf", h5_groups
    groups = [""]

    def walk(g, prefix):
        for name, sub in g.groups.items():
            groups.append(prefix + name)
            walk(sub, prefix + name + "/")

    with netCDF4.Dataset(path) as ds:
        walk(ds, "")
    return "netcdf4", groups


def open_source(path, engine, group):
    kwargs = {"phony_dims": "sort"} if engine == "h5netcdf" else {}
    return xr.open_dataset(path, engine=engine, group=group or None, **kwargs)


def open_refs(refs, group):
    return xr.open_dataset(
        "reference://", engine="zarr", group=group or None,
        backend_kwargs={"consolidated": False, "storage_options": {"fo": refs}})


def h5_has_dataset(path, name):
    try:
        with h5py.File(path, "r") as f:
            return isinstance(f.get(name), h5py.Dataset)
    except Exception:  # noqa: BLE001
        return False


# --- comparison ----------------------------------------------------------------

def as_str(v):
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else str(v)


def norm_attr(v):
    """An attribute value as a comparable numpy array.
    - Lists (JSON attributes) and numpy arrays (netCDF4/h5netcdf) alike
      become arrays: the container is not what the user reads.
    - A scalar and a 1-element array are the same netCDF attribute (every
      netCDF/HDF5 attribute is an array; netCDF4-python shows length 1 as a
      scalar, a JSON writer may write [x]): both become 1-D.
    - Strings compare as str: netCDF4 gives str, h5netcdf gives str or
      bytes by the attribute's character set; the text is what matters.
      Padding (NULs, spaces) is NOT removed."""
    if isinstance(v, (bytes, str)):
        return np.array([as_str(v)], dtype=object)
    a = np.atleast_1d(np.asarray(v))
    if a.dtype.names is not None:
        # A compound attribute: JSON holds each element as an object of
        # its members (what gokerchunk writes), numpy as a structured
        # value. Compared member by member as objects, in name order (a
        # JSON writer may sort the keys).
        return np.array([repr({n: (x[n].tolist() if hasattr(x[n], "tolist") else x[n]) for n in sorted(a.dtype.names)})
                         for x in a.ravel()], dtype=object)
    if a.dtype.kind == "O" and a.size and all(isinstance(x, dict) for x in a.ravel()):
        return np.array([repr({k: x[k] for k in sorted(x)}) for x in a.ravel()], dtype=object)
    if a.dtype.kind in "SUOT":
        return np.array([as_str(x) for x in a.ravel()], dtype=object).reshape(a.shape)
    return a


def same_value(a, b):
    a, b = norm_attr(a), norm_attr(b)
    if a.shape != b.shape:
        return False
    if a.dtype == np.float64 and b.dtype == np.float32:
        # Zarr v2 attributes are JSON, whose numbers carry no width: a
        # float32 source attribute is written as the shortest decimal that
        # reads back as the same float32 (3.4028235e+38 for FLT_MAX), which
        # as float64 is not the float32's exact value. Equal when it is the
        # same float32. (A float32 scale_factor written as 0.1 still shows
        # where it matters: xarray then decodes to float64, caught by the
        # decoded dtype and the values.)
        a = a.astype(np.float32)
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        return a.dtype.kind == b.dtype.kind and bool(np.all(a == b))
    try:
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    except TypeError:
        return False


def attr_differences(got, want, what="attribute"):
    out = []
    for k in sorted(set(got) | set(want), key=str):
        if k not in got:
            out.append(f"{what} {k} missing (source {want[k]!r})")
        elif k not in want:
            out.append(f"{what} {k} = {got[k]!r} not in the source")
        elif not same_value(got[k], want[k]):
            out.append(f"{what} {k} = {got[k]!r} != source {want[k]!r}")
    return out


def values_difference(got, want):
    """First difference of two decoded value arrays, or None."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return f"shape {got.shape} != source {want.shape}"
    if got.size == 0:
        return None
    if got.dtype.kind == "M" and want.dtype.kind == "M":
        equal = (got == want) | (np.isnat(got) & np.isnat(want))
    elif got.dtype.kind == "m" and want.dtype.kind == "m":
        equal = (got == want) | (np.isnat(got) & np.isnat(want))
    elif got.dtype.kind in "SUOT" or want.dtype.kind in "SUOT":
        g = np.vectorize(as_str_or_value, otypes=[object])(got.astype(object))
        w = np.vectorize(as_str_or_value, otypes=[object])(want.astype(object))
        equal = np.vectorize(lambda x, y: bool(x == y) or (x != x and y != y), otypes=[bool])(g, w)
        got, want = g, w
    elif got.dtype.names is not None or want.dtype.names is not None:
        if got.dtype != want.dtype:
            return f"structured dtype {got.dtype} != source {want.dtype}"
        equal = np.array([bytes(x) == bytes(y) for x, y in zip(got.ravel(), want.ravel())]).reshape(got.shape)
    else:
        try:
            equal = got == want
            if got.dtype.kind in "fc" and want.dtype.kind in "fc":
                equal = equal | (np.isnan(got) & np.isnan(want))
        except TypeError as e:
            return f"values do not compare: {e}"
    equal = np.asarray(equal, bool)
    if equal.all():
        return None
    bad = np.argwhere(~equal)
    where = tuple(int(i) for i in bad[0])
    return (f"{len(bad)} of {got.size} value(s) differ, first at {where}: "
            f"{got[where]!r} != source {want[where]!r}")


def as_str_or_value(v):
    """Strings (bytes or str) as str; anything else (cftime dates, numbers
    in an object array) as it is."""
    if isinstance(v, (bytes, np.bytes_)):
        return as_str(bytes(v))
    if isinstance(v, (str, np.str_)):
        return str(v)
    return v


def compare_variable(name, got, want, engine):
    """(Reasons got (refs) differs from want (source), known differences,
    why the values could not be compared or None)."""
    problems, known = [], []
    sub = want.dtype.subdtype
    if engine == "h5netcdf" and want.dims == () and sub is not None and got.shape == sub[1] and got.dtype == sub[0]:
        values = problem_or_none(lambda: values_difference(got.values, np.asarray(want.values).reshape(sub[1])))
        return ([values] if values else []) + attr_differences(got.attrs, want.attrs), ["arraytype"], None
    if got.dims != want.dims:
        if engine == "h5netcdf" and same_but_phony(got, want):
            known.append("phony")
        else:
            problems.append(f"dims {got.dims} != source {want.dims}")
    cast = None
    if got.dtype != want.dtype:
        packed = [want.encoding.get(k) for k in ("scale_factor", "add_offset") if k in want.encoding]
        if (got.dtype == np.float64 and want.dtype == np.float32 and packed
                and all(np.asarray(v).dtype == np.float32 for v in packed)):
            known.append("packed32")
            cast = np.float32
        elif got.dtype.kind == "O" and want.dtype.kind == "U":
            known.append("vlenstr")
        else:
            problems.append(f"decoded dtype {got.dtype} != source {want.dtype}")
    problems += attr_differences(got.attrs, want.attrs)
    g_enc = {k: got.encoding[k] for k in CF_ENCODING if k in got.encoding}
    w_enc = {k: want.encoding[k] for k in CF_ENCODING if k in want.encoding}
    problems += attr_differences(g_enc, w_enc, what="encoding")
    skip = None
    if got.shape == want.shape or got.dims == want.dims:
        try:
            got_values = got.values
        except Exception as e:  # noqa: BLE001 - a read error of the refs is a finding
            try:
                want.values
            except Exception as e2:  # noqa: BLE001
                if type(e2) is type(e) and str(e2) == str(e):
                    # xarray's decoding fails on the source the same way
                    # (e.g. CF times past datetime64's range).
                    return problems, known, f"the values do not decode on either side: {type(e).__name__}: {e}"
            problems.append(f"values: reading the refs: {type(e).__name__}: {e}")
            return problems, known, None
        try:
            want_values = want.values
        except Exception as e:  # noqa: BLE001
            # The source does not read in this stack (e.g. a filter plugin
            # HDF5 here lacks: Debian has no HDF5 zstd plugin): nothing to
            # compare the values with; pycompat.py reads the raw chunks.
            return problems, known, (f"refs read {got_values.shape}; the source's values do not read in this "
                                     f"stack: {type(e).__name__}: {e}")
        if cast is not None:
            # Unpacked in float64 and rounded, against unpacked in float32:
            # equal within two float32 ulps.
            close = np.isclose(got_values, want_values, rtol=2 * np.finfo(np.float32).eps, atol=0, equal_nan=True)
            got_values = np.where(close, want_values, got_values.astype(cast))
        if engine == "h5netcdf" and got_values.dtype.kind == "O" and want_values.dtype.kind == "O" and \
                want_values.size and isinstance(want_values.ravel()[0], h5py.Reference):
            known.append("objref")
        else:
            reason = values_difference(got_values, want_values)
            if reason:
                problems.append("values: " + reason)
    return problems, known, skip


def problem_or_none(f):
    try:
        return f()
    except Exception as e:  # noqa: BLE001
        return f"values: {type(e).__name__}: {e}"


def is_phony(d):
    return str(d).startswith("phony_dim_")


def same_but_phony(got, want):
    """Whether got's dims equal want's but for phony dimension names, axis
    by axis with the same lengths."""
    if len(got.dims) != len(want.dims) or got.shape != want.shape:
        return False
    return all(g == w or (is_phony(g) and is_phony(w)) for g, w in zip(got.dims, want.dims))


# --- one group -------------------------------------------------------------------

def check_group(report, refs, source, engine, group, expect_missing):
    label = "/" + group
    prefix = group + "/" if group else ""
    try:
        want = open_source(source, engine, group)
    except Exception as e:  # noqa: BLE001
        why = f"the source does not open with engine={engine}: {type(e).__name__}: {e}"
        try:
            open_refs(refs, group).close()
        except Exception as e2:  # noqa: BLE001
            why += f" (the refs do not open either: {type(e2).__name__}: {e2})"
        report.line("SKIP", f"group {label}", why)
        return
    try:
        got = open_refs(refs, group)
    except Exception as e:  # noqa: BLE001
        report.line("FAIL", f"group {label}", f"the refs do not open: {type(e).__name__}: {e}")
        want.close()
        return
    with want, got:
        print(f"# group {label}: {len(got.variables)} variables in the refs, "
              f"{len(want.variables)} in the source ({engine})", flush=True)
        arrayaxes = set()  # axes of array-datatype scalars (KNOWN "arraytype"): none on the source
        for name in sorted(set(got.variables) | set(want.variables), key=str):
            path = prefix + str(name)
            what = f"{label.rstrip('/')}/{name}"
            if name not in got.variables:
                if path in expect_missing:
                    report.line("SKIP", what, "missing from the refs (expected)")
                else:
                    report.line("FAIL", what, "in the source, missing from the refs")
                continue
            if name not in want.variables:
                if engine == "netcdf4" and h5_has_dataset(source, path):
                    report.line("SKIP", what, "a dataset of the file that xarray's netcdf4 engine does not "
                                              "list (a type netCDF4-python skips); pycompat.py compares it raw")
                else:
                    report.line("FAIL", what, "in the refs, not in the source")
                continue
            if path in expect_missing:
                report.line("FAIL", what, "in the refs but listed with --expect-missing")
                continue
            problems, known, skip = compare_variable(name, got[name], want[name], engine)
            if problems:
                report.line("FAIL", what, "; ".join(problems + ([f"values not compared: {skip}"] if skip else [])))
            elif skip:
                report.line("SKIP", what, skip)
            elif known:
                if "arraytype" in known:
                    arrayaxes.update(got[name].dims)
                report.line("KNOWN", what, "; ".join(KNOWN_DIFFERENCES[k] for k in known))
            else:
                report.line("OK", what, f"{got[name].dims} {got[name].dtype}")
        got_sizes = {str(k): int(v) for k, v in got.sizes.items() if k not in arrayaxes}
        # Dimensions only variables left out with --expect-missing use are
        # not expected in the refs either.
        absent = {n for n in want.variables if prefix + str(n) in expect_missing and n not in got.variables}
        used = {str(d) for n, v in want.variables.items() if n not in absent for d in v.dims}
        want_sizes = {str(k): int(v) for k, v in want.sizes.items() if str(k) in used or not absent}
        if engine == "h5netcdf":
            # Phony dimensions were compared axis by axis above (KNOWN
            # "phony"); the group's named dimensions must still agree.
            got_sizes = {k: v for k, v in got_sizes.items() if not is_phony(k)}
            want_sizes = {k: v for k, v in want_sizes.items() if not is_phony(k)}
        if got_sizes != want_sizes:
            report.line("FAIL", f"group {label} dimensions", f"refs {got_sizes} != source {want_sizes}")
        else:
            report.line("OK", f"group {label} dimensions", str(got_sizes))
        diffs = attr_differences(got.attrs, want.attrs)
        if diffs:
            report.line("FAIL", f"group {label} attributes", "; ".join(diffs))
        else:
            report.line("OK", f"group {label} attributes", f"{len(got.attrs)} equal")


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("refs")
    parser.add_argument("source")
    parser.add_argument("--expect-missing", action="append", default=[], metavar="NAME",
                        help="source variable path (grp/var) allowed to be absent from the refs")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    for p in (args.refs, args.source):
        if not os.path.isfile(p):
            print(f"xrview: no such file: {p}", file=sys.stderr)
            return 2
    expect_missing = {m.strip("/") for m in args.expect_missing}
    engine, groups = source_kind(args.source)
    print(f"# {args.refs} vs {args.source} (xarray {xr.__version__}: zarr engine vs {engine})", flush=True)
    report = Report()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecation chatter, not findings
        for group in groups:
            check_group(report, args.refs, args.source, engine, group, expect_missing)
    c = report.counts
    print(f"{'FAILED' if report.failed else 'PASS'}: {c['OK']} ok, {c['FAIL']} failed, {c['SKIP']} skipped, "
          f"{c['KNOWN']} known differences")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
