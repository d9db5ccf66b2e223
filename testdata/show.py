"""Open kerchunk reference JSON files with xarray, as a user would, and print them.

Usage: /usr/bin/python3 testdata/show.py REFS.json...
"""
import sys

import xarray as xr


def main(paths):
    for path in paths:
        ds = xr.open_dataset(
            "reference://",
            engine="zarr",
            backend_kwargs={"consolidated": False, "storage_options": {"fo": path}},
        )
        print(f"=== {path}")
        print(ds)
        for name, var in ds.data_vars.items():
            if var.dtype.kind == "f":
                print(f"{name}: mean {float(var.mean()):.4g}, min {float(var.min()):.4g}, max {float(var.max()):.4g}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
