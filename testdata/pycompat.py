"""Check a kerchunk reference set with the Python stack our users run.

Usage:
  testdata/sid/run.sh python3 testdata/pycompat.py [--expect-missing NAME]... REFS.json SOURCE_FILE
  /usr/bin/python3 testdata/pycompat.py ...     (Debian 12's older stack, a second check)

Every array in REFS.json is read through fsspec's ReferenceFileSystem + zarr
(zarr 2 or 3, as installed; no codec or store shims) and compared exactly
(shape, stored dtype including byte order, values with NaN == NaN) with an
independent raw read of SOURCE_FILE: netCDF4-python with masking and scaling
off for netCDF-4 files (root attribute _NCProperties) and netCDF classic
files (CDF-1, CDF-2, CDF-5: stored big-endian, whatever byte order
netCDF4-python returns them in), h5py for plain HDF5 (PyTables for datasets
of PyTables' LZO filter, 305, which no HDF5 plugin decodes; a stack without
PyTables reports them SKIP, saying so).
Every source variable must be in the refs unless named with --expect-missing
(a path such as grp/var); refs arrays that are not source variables (e.g.
unhidden netCDF dimension placeholders) fail. Finally the refs must open
with xarray's zarr engine, and for netCDF sources each group's variable
names and dimensions must match xarray's netcdf4 engine (testdata/xrview.py
compares what xarray shows in full).

In today's stack (testdata/sid/run.sh) every array must read. An older
stack lacking what the references rightly use reports the arrays affected
as "SKIP path: needs numcodecs >= 0.12" (the fletcher32 codec) or "needs
fsspec >= 2023.12" (arrays with never-written chunks), never patched over.
An array whose source this stack's HDF5 refuses to open (HDF5 2.x rejects
some datatypes older releases read) is read from the refs and reported SKIP.

One line per check: "OK", "FAIL" (exit status 1) or "SKIP".
Exit status 2 for usage errors.
"""
import argparse
import collections
import json
import os
import re
import sys
import warnings

import fsspec
import h5py
import netCDF4
import numcodecs
import numpy as np
import xarray as xr
import zarr


# --- the running stack ---------------------------------------------------------
# No shims: the references are read with the stack as it is. Today's stack
# (testdata/sid/run.sh) must read every array. An older stack (Debian 12's
# /usr/bin/python3) may lack what the references rightly use; the arrays
# affected are then reported as SKIP naming the release that has it, never
# patched over and never failed:
# - numcodecs gained the {"id": "fletcher32"} codec in 0.12 (Debian 12: 0.11);
# - fsspec before 2023.12 raises KeyError from ReferenceFileSystem.cat() for
#   a batch holding a key without a reference (fsspec issue #1435), so zarr
#   fails on an array with never-written chunks instead of filling them
#   (Debian 12: 2022.11).

def version_before(module, version):
    """Whether module.__version__ is before (major, minor)."""
    parts = []
    for p in module.__version__.split(".")[:2]:
        parts.append(int("".join(c for c in p if c.isdigit()) or 0))
    return tuple(parts) < version


def stack_gaps(zarray, n_chunk_refs=None):
    """Why the running stack cannot read an array (a .zarray dict with
    n_chunk_refs chunk references; None: opening only, no chunk is read),
    or None. Only gaps that newer releases close are named here; in a
    stack that has them, errors are failures."""
    codecs = [c for c in (zarray.get("filters") or []) + [zarray.get("compressor")] if c]
    if (any(c.get("id") == "fletcher32" for c in codecs)
            and version_before(numcodecs, (0, 12))
            and "fletcher32" not in numcodecs.registry.codec_registry):
        return f"needs numcodecs >= 0.12 (fletcher32 codec; this is {numcodecs.__version__})"
    if n_chunk_refs is not None and n_chunk_refs < chunk_count(zarray) and version_before(fsspec, (2023, 12)):
        return (f"needs fsspec >= 2023.12 (missing chunks, {n_chunk_refs} of "
                f"{chunk_count(zarray)} referenced; this is {fsspec.__version__})")
    return None


def chunk_count(zarray):
    n = 1
    for size, chunk in zip(zarray["shape"], zarray["chunks"]):
        n *= -(-size // chunk) if chunk else 0
    return n


def refs_store(refs_path):
    """The reference set as a key-value mapping through fsspec's
    ReferenceFileSystem, as zarr 2 and zarr 3 both take it."""
    return fsspec.filesystem("reference", fo=refs_path).get_mapper("")


def load_refs(refs_path):
    """The raw {key: reference} of a kerchunk JSON file (version 0 or 1)."""
    with open(refs_path) as fh:
        data = json.load(fh)
    return data.get("refs", data) if data.get("version") == 1 else data


def chunk_refs(refs, path, zarray):
    """The number of chunk keys of the array at path in a raw reference dict."""
    sep = re.escape(zarray.get("dimension_separator") or ".")
    pattern = re.compile(r"\d+(?:" + sep + r"\d+)*")
    prefix = path + "/" if path else ""
    return sum(1 for k in refs if k.startswith(prefix) and pattern.fullmatch(k[len(prefix):]))


ZSTD_FILTER = 32015  # HDF5's registered id of the zstd filter
LZO_FILTER = 305  # PyTables' LZO filter (src/H5Zlzo.c), which only PyTables registers


class NoSourceDecoder(Exception):
    """The source's chunks are in a format nothing in this stack decodes."""


# --- the source, read independently ------------------------------------------

class Source:
    """Variables of the source file as {path: (storage dtype, read())}."""

    def __init__(self, path):
        self.path = path
        self.is_classic = self._is_classic(path)
        self.is_netcdf = self.is_classic or self._has_ncproperties(path)
        self.variables = {}
        self.groups = [""]
        if self.is_netcdf:
            self._walk_netcdf()
        else:
            self._walk_hdf5()

    @staticmethod
    def _is_classic(path):
        """Whether the file starts with the magic number of a netCDF
        classic format (CDF-1, CDF-2 or CDF-5)."""
        with open(path, "rb") as f:
            head = f.read(4)
        return head[:3] == b"CDF" and head[3:] in (b"\x01", b"\x02", b"\x05")

    @staticmethod
    def _has_ncproperties(path):
        with h5py.File(path, "r") as f:
            return "_NCProperties" in f.attrs

    def _walk_netcdf(self):
        def walk(group, prefix):
            for name, var in group.variables.items():
                # netCDF4-python gives NC_STRING variables the dtype str.
                dtype = np.dtype(object) if var.dtype is str else var.dtype
                if self.is_classic:
                    # The classic formats store every value big-endian;
                    # netCDF4-python reports (and returns) native order.
                    dtype = dtype.newbyteorder(">")
                self.variables[prefix + name] = (dtype, lambda p=prefix + name: self._nc_read(p))
            for name, sub in group.groups.items():
                self.groups.append(prefix + name)
                walk(sub, prefix + name + "/")

        with netCDF4.Dataset(self.path) as ds:
            walk(ds, "")

    def _nc_read(self, path):
        with netCDF4.Dataset(self.path) as ds:
            group, name = ds, path
            while "/" in name:
                head, name = name.split("/", 1)
                group = group.groups[head]
            var = group.variables[name]
            var.set_auto_maskandscale(False)
            var.set_always_mask(False)
            var.set_auto_chartostring(False)
            return np.asarray(var[...])

    def _walk_hdf5(self):
        names = []
        with h5py.File(self.path, "r") as f:
            f.visit(names.append)
            for name in names:
                try:
                    obj = f[name]
                except Exception as e:  # noqa: BLE001 - see _unopenable
                    self.variables[name] = (None, lambda e=e: self._unopenable(e))
                    continue
                if isinstance(obj, h5py.Dataset):
                    self.variables[name] = (obj.dtype, lambda p=name: self._h5_read(p))
                elif isinstance(obj, h5py.Group):
                    self.groups.append(name)

    @staticmethod
    def _unopenable(error):
        """An object this h5py/HDF5 will not open (e.g. a datatype HDF5 2.x
        rejects as possibly corrupt): a dataset as far as the refs go, with
        no value to compare here."""
        raise error

    def _h5_read(self, path):
        with h5py.File(self.path, "r") as f:
            dset = f[path]
            try:
                value = dset[()]
            except OSError:
                value = self._h5_read_fallback(dset)
            if h5py.check_ref_dtype(dset.dtype) is h5py.Reference:
                # Object references: the paths of their targets.
                value = np.vectorize(lambda r: f[r].name if r else "", otypes=[object])(np.asarray(value, object))
            if isinstance(value, h5py.Empty):
                raise ValueError("null dataspace (h5py.Empty)")
            return np.asarray(value)

    def _h5_read_fallback(self, dset):
        """What h5py cannot read itself, read independently of gokerchunk:
        opaque types with a tag of their own (no conversion in h5py) from
        the stored bytes of contiguous data, zstd chunks (Debian has no
        HDF5 zstd plugin) from h5py's chunk index through numcodecs' Zstd,
        and PyTables' LZO chunks (no HDF5 plugin anywhere) with PyTables,
        which registers the filter itself; a stack without PyTables (today's
        stack has none) raises NoSourceDecoder."""
        if dset.id.get_type().get_class() == h5py.h5t.OPAQUE and dset.chunks is None:
            dtype = np.dtype(f"V{dset.id.get_type().get_size()}")
            with open(self.path, "rb") as raw:
                raw.seek(dset.id.get_offset())
                return np.frombuffer(raw.read(dset.size * dtype.itemsize), dtype).reshape(dset.shape)
        dcpl = dset.id.get_create_plist()
        filters = [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]
        if LZO_FILTER in filters:
            return self._pytables_read(dset.name)
        if filters != [ZSTD_FILTER]:
            raise
        out = np.full(dset.shape, dset.fillvalue, dset.dtype)
        zstd = numcodecs.Zstd()
        for i in range(dset.id.get_num_chunks()):
            info = dset.id.get_chunk_info(i)
            mask, data = dset.id.read_direct_chunk(info.chunk_offset)
            if mask:
                raise ValueError(f"zstd chunk {info.chunk_offset} stored with filter mask {mask}")
            chunk = np.frombuffer(zstd.decode(data), dset.dtype).reshape(dset.chunks)
            where = tuple(slice(o, min(o + c, n)) for o, c, n in zip(info.chunk_offset, dset.chunks, dset.shape))
            out[where] = chunk[tuple(slice(0, w.stop - w.start) for w in where)]
        return out

    def _pytables_read(self, path):
        try:
            import tables
        except ImportError as e:
            raise NoSourceDecoder(f"HDF5 filter {LZO_FILTER} (PyTables' LZO): libhdf5 has no plugin for it "
                                  f"and PyTables, which decodes it, is not installed in this stack") from e
        with tables.open_file(self.path) as f:
            return f.get_node(path).read()

    def h5py_fallback(self, path):
        """A dataset netCDF4-python does not list (types it skips, such as
        opaque), read with h5py instead; None if there is no such dataset."""
        if self.is_classic:
            return None  # not HDF5: netCDF4-python lists every variable
        with h5py.File(self.path, "r") as f:
            obj = f.get(path)
            if not isinstance(obj, h5py.Dataset):
                return None
            return obj.dtype, lambda p=path: self._h5_read(p)


# --- comparison ------------------------------------------------------------

def as_text(a):
    """Object arrays of bytes (h5py) or str (netCDF4, zarr vlen-utf8) as str."""
    a = np.asarray(a).astype(object)
    return np.vectorize(lambda v: v.decode() if isinstance(v, bytes) else str(v),
                        otypes=[object])(a) if a.size else a


def compare(stored_dtype, expected, got):
    """Reason for a mismatch, or None when equal."""
    if stored_dtype.subdtype is not None:
        # An HDF5 array datatype: numpy (h5py and zarr alike) presents its
        # dimensions as trailing axes of the array.
        stored_dtype = stored_dtype.subdtype[0]
    if got.shape != expected.shape:
        return f"shape {got.shape} != source {expected.shape}"
    if stored_dtype.names is not None:
        return compare_fields(stored_dtype, expected, got)
    if stored_dtype.kind == "O" or got.dtype.kind in "OT":
        # Variable-length strings: object arrays in zarr 2, numpy's
        # StringDType (kind "T") in zarr 3; the same strings either way.
        if got.dtype.kind not in "OT" or stored_dtype.kind != "O":
            return f"dtype {got.dtype.str} != source {stored_dtype}"
        equal = np.array_equal(as_text(got), as_text(expected))
    else:
        # The refs point at the stored bytes, so the zarr dtype must be the
        # stored dtype, byte order included.
        if got.dtype != stored_dtype:
            return f"dtype {got.dtype.str} != source {stored_dtype.str}"
        nan = stored_dtype.kind in "fc"
        equal = np.array_equal(got, expected, equal_nan=nan)
    if equal:
        return None
    diff = np.argwhere(~((got == expected) | ((got != got) & (expected != expected))))
    where = tuple(int(i) for i in diff[0]) if len(diff) else ()
    n = len(diff)
    if where:
        return f"{n} value(s) differ, first at {where}: {got[where]!r} != source {expected[where]!r}"
    return "values differ"


def compare_fields(stored_dtype, expected, got):
    """Structured values compared field by field. zarr names the padding
    between fields f1, f2, ...: those bytes are unspecified and skipped."""
    if got.dtype.names is None or got.dtype.itemsize != stored_dtype.itemsize:
        return f"dtype {got.dtype} != source {stored_dtype}"
    for name in stored_dtype.names:
        want_type, want_offset = stored_dtype.fields[name][:2]
        if name not in got.dtype.fields or got.dtype.fields[name][1] != want_offset:
            return f"field {name!r} missing or moved: {got.dtype} != source {stored_dtype}"
        sub = np.ascontiguousarray(got[name])
        reason = compare(want_type, np.ascontiguousarray(expected[name]), sub)
        if reason:
            return f"field {name!r}: {reason}"
    return None


def open_arrays(refs_path):
    """{path: zarr.Array, or the exception zarr raised opening it} for every
    array of the reference set (every key ending in .zarray), each opened on
    its own so that one array zarr refuses (zarr 3 refuses some structured
    dtypes) does not hide the others."""
    fs = fsspec.filesystem("reference", fo=refs_path)
    found = {}
    for key in load_refs(refs_path):
        if key == ".zarray" or key.endswith("/.zarray"):
            path = key[: -len(".zarray")].rstrip("/")
            try:
                # A mapper rooted at the array: zarr 3 takes no path with a mapper.
                found[path] = zarr.open_array(store=fs.get_mapper(path), mode="r")
            except Exception as e:  # noqa: BLE001 - reported per array
                found[path] = e
    return found


def read_array(arr):
    """All of a zarr array as a numpy array. zarr 3 gives a 0-d array as a
    numpy scalar, and a bytes scalar drops trailing NULs (|S8 "fixed\\0\\0\\0"
    becomes |S5): the value is put back in the array's own dtype, which
    restores the stored bytes, so what is compared is what zarr read."""
    got = arr[...]
    if not isinstance(got, np.ndarray):
        got = np.asarray(got, dtype=arr.dtype)
    return got


class Report:
    def __init__(self):
        self.failed = False

    def line(self, status, what, detail=""):
        if status == "FAIL":
            self.failed = True
        print(f"{status:<4} {what}" + (f": {detail}" if detail else ""), flush=True)


def check_arrays(report, refs_path, source, expect_missing):
    store = refs_store(refs_path)
    raw_refs = load_refs(refs_path)
    arrays = open_arrays(refs_path)
    for path in sorted(set(arrays) | set(source.variables)):
        if path not in source.variables and source.is_netcdf and path in arrays:
            fallback = source.h5py_fallback(path)
            if fallback is not None:
                source.variables[path] = fallback
        if path not in source.variables:
            report.line("FAIL", path, "in refs but not a variable of the source")
            continue
        if path not in arrays:
            if path in expect_missing:
                report.line("SKIP", path, "missing from refs (expected)")
            else:
                report.line("FAIL", path, "source variable missing from refs")
            continue
        if path in expect_missing:
            report.line("FAIL", path, "present in refs but listed in --expect-missing")
            continue
        zarray = json.loads(store[f"{path}/.zarray"])
        gap = stack_gaps(zarray, chunk_refs(raw_refs, path, zarray))
        if gap:
            report.line("SKIP", path, gap)
            continue
        stored_dtype, read = source.variables[path]
        if isinstance(arrays[path], Exception):
            e = arrays[path]
            report.line("FAIL", path, f"zarr open: {type(e).__name__}: {e}")
            continue
        try:
            got = read_array(arrays[path])
        except Exception as e:  # noqa: BLE001 - any reader error is a finding to print
            report.line("FAIL", path, f"zarr read: {type(e).__name__}: {e}")
            continue
        try:
            expected = read()
        except NoSourceDecoder as e:
            report.line("SKIP", path, f"refs read {got.shape} {got.dtype.str}; the source's values cannot be read "
                                      f"in this stack: {e}")
            continue
        except Exception as e:  # noqa: BLE001
            if stored_dtype is None:
                # The refs read (above); the source does not open in this
                # stack's HDF5 (e.g. HDF5 2.x refuses datatypes older
                # releases read): nothing to compare with here.
                report.line("SKIP", path, f"refs read {got.shape} {got.dtype.str}; the source does not "
                                          f"open with h5py {h5py.__version__} on HDF5 "
                                          f"{h5py.version.hdf5_version}: {type(e).__name__}: {e}")
            else:
                report.line("FAIL", path, f"source read: {type(e).__name__}: {e}")
            continue
        reason = compare(stored_dtype, expected, got)
        if reason:
            report.line("FAIL", path, reason)
        else:
            report.line("OK", path, f"{got.shape} {got.dtype.str}")
    unknown = sorted(set(expect_missing) - set(source.variables))
    for path in unknown:
        report.line("FAIL", path, "--expect-missing names no variable of the source")


def open_refs_xarray(refs_path, group):
    return xr.open_dataset(
        "reference://", engine="zarr", group=group or None,
        backend_kwargs={"consolidated": False, "storage_options": {"fo": refs_path}})


def xarray_refuses_source(path, group, refs_error):
    """Whether xarray's netcdf4 engine fails on the source with the error it
    gave for the refs (e.g. a 2-D variable named like its first dimension):
    then the refs behave as the file does."""
    try:
        with xr.open_dataset(path, engine="netcdf4", group=group or None):
            return False
    except Exception as e:  # noqa: BLE001
        return type(e) is type(refs_error) and str(e) == str(refs_error)


def group_gap(refs_path, group):
    """A stack gap (see stack_gaps) of an array directly in group, which
    xarray meets opening the group, or None."""
    prefix = group + "/" if group else ""
    for key, value in load_refs(refs_path).items():
        if key.startswith(prefix) and key.endswith("/.zarray") and "/" not in key[len(prefix):-len("/.zarray")]:
            gap = stack_gaps(json.loads(value))
            if gap:
                return gap
    return None


def variables_and_dims(ds):
    return {name: tuple(v.dims) for name, v in ds.variables.items()}


def check_xarray(report, refs_path, source, expect_missing):
    groups = source.groups if source.is_netcdf else [""]
    for group in groups:
        label = f"xarray group /{group}"
        try:
            with open_refs_xarray(refs_path, group) as got:
                got_vars = variables_and_dims(got)
        except Exception as e:  # noqa: BLE001
            gap = group_gap(refs_path, group)
            if gap:
                report.line("SKIP", label, f"refs do not open in this stack: {gap}: {type(e).__name__}: {e}")
            elif source.is_netcdf and xarray_refuses_source(source.path, group, e):
                report.line("SKIP", label, f"xarray refuses the source the same way: {type(e).__name__}: {e}")
            else:
                report.line("FAIL", label, f"refs do not open: {type(e).__name__}: {e}")
            continue
        if not source.is_netcdf:
            report.line("OK", label, f"opens with {len(got_vars)} variables")
            continue
        try:
            with xr.open_dataset(source.path, engine="netcdf4", group=group or None) as want:
                want_vars = variables_and_dims(want)
        except Exception as e:  # noqa: BLE001
            report.line("SKIP", label, f"source does not open with xarray: {e}")
            continue
        # A variable the user chose to list as missing is not expected here either.
        missing = {p.rpartition("/")[2] for p in expect_missing if p.rpartition("/")[0] == group}
        want_vars = {k: v for k, v in want_vars.items() if k not in missing}
        if got_vars == want_vars:
            report.line("OK", label, f"{len(got_vars)} variables, names and dims match")
        else:
            diffs = [f"{k}: refs {got_vars.get(k)} vs source {want_vars.get(k)}"
                     for k in sorted(set(got_vars) | set(want_vars))
                     if got_vars.get(k) != want_vars.get(k)]
            report.line("FAIL", label, "; ".join(diffs))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("refs")
    parser.add_argument("source")
    parser.add_argument("--expect-missing", action="append", default=[], metavar="NAME",
                        help="source variable path (grp/var) allowed to be absent from the refs")
    args = parser.parse_args(argv)  # exits 2 on usage errors
    for p in (args.refs, args.source):
        if not os.path.isfile(p):
            print(f"pycompat: no such file: {p}", file=sys.stderr)
            return 2
    expect_missing = {m.strip("/") for m in args.expect_missing}

    source = Source(args.source)
    report = Report()
    print(f"# {args.refs} vs {args.source} "
          f"({'netCDF4-python' if source.is_netcdf else 'h5py'})", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xarray/zarr deprecation chatter, not findings
        check_arrays(report, args.refs, source, expect_missing)
        check_xarray(report, args.refs, source, expect_missing)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
