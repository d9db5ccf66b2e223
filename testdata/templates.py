"""Check that fsspec reads kerchunk JSON written with --templates.

Usage:
  testdata/sid/run.sh python3 testdata/templates.py REFS.json

REFS.json must be version 1 with a non-empty "templates" object and
references that use them ("{{u}}" or "{{u0}}", ...). Every templated
reference is read through fsspec's ReferenceFileSystem (its default
simple_templates substitution) and compared with the same byte range read
directly from the target the template names (local paths only); then the
set must open with xarray's zarr engine and every variable must load.
Values are compared with the source by testdata/pycompat.py.

One line per check: "OK" or "FAIL" (exit status 1); 2 for usage errors.
"""
import json
import re
import sys

import fsspec
import xarray as xr

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = argv[1]
    with open(path) as f:
        doc = json.load(f)
    failed = False
    templates = doc.get("templates") or {}
    if doc.get("version") != 1 or not templates:
        print(f"FAIL {path}: no templates (version {doc.get('version')!r})")
        return 1
    fs = fsspec.filesystem("reference", fo=path)
    used = 0
    for key, ref in doc["refs"].items():
        if not isinstance(ref, list) or "{{" not in ref[0]:
            continue
        target = PLACEHOLDER.sub(lambda m: templates[m.group(1)], ref[0])
        with open(target, "rb") as f:
            if len(ref) == 3:
                f.seek(ref[1])
                want = f.read(ref[2])
            else:
                want = f.read()
        got = fs.cat(key)
        if got != want:
            print(f"FAIL {key}: fsspec read {len(got)} bytes that differ from {target} at {ref[1:]}")
            failed = True
        used += 1
    print(f"{'OK' if used and not failed else 'FAIL'} {used} templated references read through fsspec "
          f"({len(templates)} templates)")
    failed = failed or used == 0
    ds = xr.open_dataset("reference://", engine="zarr",
                         backend_kwargs={"consolidated": False, "storage_options": {"fo": path}})
    for name, var in ds.variables.items():
        var.load()
    print(f"OK xarray opens {path}: {', '.join(sorted(ds.variables))}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
