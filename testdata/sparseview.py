"""What a user sees of a sparse array (too large to read whole): slices of
a kerchunk reference set opened with xarray, compared with the same
slices of the source opened with xarray.

Usage:
  testdata/sid/run.sh python3 testdata/sparseview.py REFS.json SOURCE VAR START:STOP...

The references are opened as users open them (engine="zarr" over
"reference://"), the plain HDF5 source with engine="h5netcdf",
phony_dims="sort", both with xarray's default decoding (masking). For
VAR, strictly: the shape, the decoded dtype, the _FillValue xarray moved
to its encoding, the attributes, and the values of each slice (NaN ==
NaN). Prints one line per check; exit status 1 on any difference.

A sparse array has never-written chunks, which fsspec before 2023.12
cannot read (KeyError from ReferenceFileSystem.cat, fsspec issue #1435;
Debian 12 has 2022.11): there the values are SKIP, naming the release,
as pycompat.py does.
"""
import sys

import fsspec
import numpy as np
import xarray as xr


def main(refs, source, var, slices):
    ref = xr.open_dataset("reference://", engine="zarr",
                          backend_kwargs={"consolidated": False, "storage_options": {"fo": refs}})
    src = xr.open_dataset(source, engine="h5netcdf", phony_dims="sort")
    a, b = ref[var], src[var]
    failed = False

    def report(what, ok, detail=""):
        nonlocal failed
        failed = failed or not ok
        print(("OK  " if ok else "FAIL"), what, detail)

    report("shape", a.shape == b.shape, f"{a.shape} {b.shape}")
    report("dtype", a.dtype == b.dtype, f"{a.dtype} {b.dtype}")
    fa, fb = a.encoding.get("_FillValue"), b.encoding.get("_FillValue")
    report("_FillValue", fa == fb, f"{fa!r} {fb!r}")
    report("attrs", a.attrs == b.attrs, f"{a.attrs} {b.attrs}")
    version = tuple(int("".join(c for c in p if c.isdigit()) or 0) for p in fsspec.__version__.split(".")[:2])
    if version < (2023, 12):
        print("SKIP values: needs fsspec >= 2023.12 (missing chunks; this is %s)" % fsspec.__version__)
        slices = []
    for s in slices:
        start, stop = (int(x) for x in s.split(":"))
        va, vb = a[start:stop].values, b[start:stop].values
        same = va.shape == vb.shape and np.array_equal(va, vb, equal_nan=True)
        masked = int(np.isnan(va).sum()) if va.dtype.kind == "f" else 0
        report(f"values[{start}:{stop}]", same, f"{masked} masked" if same else f"{va[:8]} {vb[:8]}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]))
