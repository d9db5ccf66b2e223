"""List every dataset of the feature fixtures as h5py sees it: one line per
link path that reaches a dataset (hard links twice, soft and external links
too), with dtype, shape, layout, chunks and filters (id, optional flag "?",
cd_values). Needs only Debian's python3-h5py (and netcdf-bin +
python3-netcdf4 for --netcdf).

  /usr/bin/python3 testdata/gen/verify_fixtures.py [--netcdf] [FILE ...]

Without FILE: every *.h5 and *.nc in testdata/fixtures/features/.
--netcdf first asks `ncdump -h` whether libnetcdf opens the file at all,
then adds what libnetcdf makes of each dataset, each read in its own
process because some reads crash: `ncdump -v PATH` exit status, and
whether netCDF4-python reads the values h5py reads ("nc=equal",
"nc=DIFFERS", "nc=absent" when libnetcdf does not list the variable,
"nc=crash(SIG)", "nc=error: ...").
"""
import glob
import os
import subprocess
import sys

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
FEATURES = os.path.join(os.path.dirname(HERE), "fixtures", "features")
MAX_DEPTH = 8  # h5_links_cycle.h5 has a cycle: list each path once, stop below this
TIMEOUT = 20  # seconds for one ncdump or netCDF4-python read (netCDF-C loops on a cycle)

LAYOUTS = {h5py.h5d.COMPACT: "compact", h5py.h5d.CONTIGUOUS: "contiguous", h5py.h5d.CHUNKED: "chunked"}


def filters(dcpl):
    out = []
    for i in range(dcpl.get_nfilters()):
        code, flags, values, name = dcpl.get_filter(i)
        opt = "?" if flags & h5py.h5z.FLAG_OPTIONAL else ""
        label = name.decode(errors="replace").split(";")[0].split(" ")[0] if name else ""
        out.append(f"{code}{opt}({label}){list(values)}")
    return " ".join(out) or "-"


def describe(ds):
    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    kind = "virtual" if layout == getattr(h5py.h5d, "VIRTUAL", 3) else LAYOUTS.get(layout, str(layout))
    chunks = f" chunks={ds.chunks}" if ds.chunks else ""
    tid = ds.id.get_type()
    cls = type(tid).__name__.replace("Type", "").replace("ID", "")
    try:
        dtype = str(ds.dtype)
        ref = h5py.check_ref_dtype(ds.dtype)
        if ref is not None:
            dtype = ref.__name__
    except Exception as e:  # a type h5py cannot map
        dtype = f"<{e}>"
    return f"{cls}:{dtype} shape={ds.shape} {kind}{chunks} filters={filters(dcpl)}"


def walk(group, prefix, depth, out):
    """(path, link kind, h5py object or error) for every link, depth-first."""
    for name in group:
        path = prefix + name
        link = group.get(name, getlink=True)
        kind = {h5py.SoftLink: "soft", h5py.ExternalLink: "external"}.get(type(link), "hard")
        if kind == "soft":
            kind += f"->{link.path}"
        elif kind == "external":
            kind += f"->{link.filename}:{link.path}"
        try:
            obj = group[name]
        except Exception as e:
            out.append((path, kind, f"unresolved ({type(e).__name__})"))
            continue
        out.append((path, kind, obj))
        if isinstance(obj, h5py.Group):
            if depth >= MAX_DEPTH:
                out.append((path + "/...", "hard", "depth limit (cycle?)"))
            else:
                walk(obj, path + "/", depth + 1, out)


NC_CHILD = r"""
import sys, numpy as np, h5py, netCDF4
fn, path = sys.argv[1], sys.argv[2]
grp = netCDF4.Dataset(fn)
parts = path.split("/")
for g in parts[:-1]:
    grp = grp.groups[g]
if parts[-1] not in grp.variables:
    print("absent"); sys.exit()
v = grp.variables[parts[-1]]
v.set_auto_maskandscale(False)
got = np.asarray(v[...])
with h5py.File(fn) as f:
    ds = f[path]
    want = np.asarray(ds.asstr()[()] if h5py.check_string_dtype(ds.dtype) else ds[()])
def same(a, b):
    if a.shape != b.shape:
        return False
    if a.dtype.names or b.dtype.names:
        return a.dtype.names == b.dtype.names and all(same(a[n], b[n]) for n in a.dtype.names)
    if a.dtype.kind in "OSU" or b.dtype.kind in "OSU":
        s = lambda x: x.decode() if isinstance(x, bytes) else ("" if x is None else str(x))
        return [s(x) for x in a.ravel()] == [s(x) for x in b.ravel()]
    return np.array_equal(a.astype(b.dtype), b, equal_nan=b.dtype.kind in "fc")
print("equal" if same(got, want) else f"DIFFERS (netCDF shape {got.shape}, HDF5 {want.shape})")
"""


def netcdf_opens(fn):
    """None if ncdump -h reads the file, else why not."""
    try:
        r = subprocess.run(["ncdump", "-h", fn], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"ncdump -h did not finish in {TIMEOUT} s"
    if r.returncode:
        return f"ncdump -h exit {r.returncode}: " + (r.stderr.strip().splitlines() or ["?"])[-1][:80]
    return None


def netcdf(fn, path):
    try:
        r = subprocess.run(["ncdump", "-v", path, fn], capture_output=True, text=True, timeout=TIMEOUT)
        nd = f"ncdump={r.returncode}"
    except subprocess.TimeoutExpired:
        nd = "ncdump=timeout"
    try:
        r = subprocess.run([sys.executable, "-c", NC_CHILD, fn, path], capture_output=True, text=True,
                           timeout=TIMEOUT)
        if r.returncode < 0:
            nc = f"crash({-r.returncode})"
        elif r.returncode:
            nc = "error: " + (r.stderr.strip().splitlines() or ["?"])[-1][:80]
        else:
            nc = r.stdout.strip()
    except subprocess.TimeoutExpired:
        nc = "timeout"
    return f" | {nd} nc={nc}"


def report(fn, with_netcdf):
    print(f"== {os.path.basename(fn)}")
    try:
        f = h5py.File(fn, "r")
    except Exception as e:
        print(f"   cannot open: {e}")
        return
    nc_fails = netcdf_opens(fn) if with_netcdf else None
    if nc_fails:
        print(f"   libnetcdf: {nc_fails}")
        with_netcdf = False
    with f:
        out = []
        walk(f, "", 0, out)
        for path, kind, obj in out:
            if isinstance(obj, h5py.Group):
                continue
            link = "" if kind == "hard" else f" [{kind}]"
            if isinstance(obj, h5py.Dataset):
                line = f"   /{path}{link} {describe(obj)}"
                if with_netcdf:
                    line += netcdf(fn, path)
            elif isinstance(obj, h5py.Datatype):
                line = f"   /{path}{link} named datatype {obj.dtype}"
            else:
                line = f"   /{path}{link} {obj}"
            print(line)


def main(args):
    with_netcdf = "--netcdf" in args
    files = [a for a in args if a != "--netcdf"]
    if not files:
        files = sorted(glob.glob(os.path.join(FEATURES, "*.h5")) + glob.glob(os.path.join(FEATURES, "*.nc")))
    if not files:
        sys.exit(f"no fixtures found in {FEATURES}: run testdata/gen/generate.sh")
    for fn in files:
        report(fn, with_netcdf)


if __name__ == "__main__":
    main(sys.argv[1:])
