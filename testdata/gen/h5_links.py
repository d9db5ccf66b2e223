"""h5_links.h5 + h5_links_target.h5, h5_links_dangling.h5, h5_links_dangling.h5:
  values                 (3,) float32, an ordinary dataset
  dangling               soft link -> /does/not/exist
  external_missing       external link -> h5_links_missing.h5:/nothing
h5_links_cycle.h5:
links, odd dataspaces, dimension scales and virtual datasets (h5py, libver
earliest; libhdf5 stores a group as link messages where a symbol table
cannot hold the link, e.g. external links). Dangling links and the cycle
have files of their own because netCDF-C 4.9 cannot open a file with a
dangling link at all and loops forever on a cycle.

h5_links.h5:
  data/values            (4, 6) float32, the target of:
  sub/values_again       a second hard link to data/values (same object header)
  soft_values            soft link -> /data/values
  external_values        external link -> h5_links_target.h5:/target/values
                         (relative file name: resolved next to h5_links.h5)
  shared_group/member    (3,) int16 in a group that is also linked as
  sub/shared_again       (a second hard link to the group shared_group)
  null_f4                null dataspace (h5py.Empty('f4')); the root carries
                         a null attribute `null_attr` too
  empty_1d               shape (0,) float64, contiguous, never allocated
  empty_chunked          shape (0, 5), max (None, 5), chunks (4, 5)
  empty_3x0              shape (3, 0) int32, contiguous
  scales/data            (4, 6) int32; dim 0 has two dimension scales
                         attached (x_a, x_b), dim 1 one (y)
  scales/partial         (4, 6, 2) float32 with a scale on dim 1 only (y)
  scales/x_a, x_b, y     the dimension scales (CLASS, NAME, REFERENCE_LIST)
  vds/source_a, source_b (5,) int32 each
  vds/combined           virtual dataset (2, 5): row 0 = source_a, row 1 =
                         source_b (source file "." = this file), fill -1
  vds/interleaved        virtual (10,): source_a at even, source_b at odd
                         indexes (strided selections)
  plain/len3, plain/len3x4, plain/len4x3, plain/len7
                         datasets without dimension scales: netCDF-C names
                         their dimensions phony_dim_N (one per distinct length
                         in a group)
h5_links_target.h5:
  target/values          (3, 4) float64, reached through external_values
h5_links_dangling.h5:
  values                 (3,) float32, an ordinary dataset
  dangling               soft link -> /does/not/exist
  external_missing       external link -> h5_links_missing.h5:/nothing
h5_links_cycle.h5:
  a/b/up                 hard link from /a/b back to / : the group graph has
                         a cycle; a/b/leaf (2,) int8 is reachable through
                         infinitely many paths

Usage: /usr/bin/python3 h5_links.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys

import h5py
import numpy as np

KW = dict(track_times=False)
TARGET = "h5_links_target.h5"


def values():
    return np.arange(24, dtype="<f4").reshape(4, 6) * 0.5 - 3


def target_values():
    return np.arange(12, dtype="<f8").reshape(3, 4) * 1.25 + 100


def write_target(path):
    with h5py.File(path, "w", libver="earliest") as f:
        f.create_group("target").create_dataset("values", data=target_values(), **KW)


def links(f):
    f.create_group("data").create_dataset("values", data=values(), **KW)
    sub = f.create_group("sub")
    sub["values_again"] = f["data/values"]
    f["soft_values"] = h5py.SoftLink("/data/values")
    f["external_values"] = h5py.ExternalLink(TARGET, "/target/values")
    f.create_group("shared_group").create_dataset("member", data=np.array([7, -8, 9], "<i2"), **KW)
    sub["shared_again"] = f["shared_group"]


def dataspaces(f):
    f.create_dataset("null_f4", data=h5py.Empty("f4"), **KW)
    f.attrs["null_attr"] = h5py.Empty("f4")
    f.create_dataset("empty_1d", shape=(0,), dtype="<f8", **KW)
    f.create_dataset("empty_chunked", shape=(0, 5), maxshape=(None, 5), chunks=(4, 5), dtype="<f4", **KW)
    f.create_dataset("empty_3x0", shape=(3, 0), dtype="<i4", **KW)


def scales(f):
    g = f.create_group("scales")
    data = g.create_dataset("data", data=np.arange(24, dtype="<i4").reshape(4, 6) * 3 - 10, **KW)
    partial = g.create_dataset("partial", data=np.arange(48, dtype="<f4").reshape(4, 6, 2) / 8, **KW)
    x_a = g.create_dataset("x_a", data=np.arange(4, dtype="<f8") * 10, **KW)
    x_b = g.create_dataset("x_b", data=np.array([-1, 5, 2, 9], "<i2"), **KW)
    y = g.create_dataset("y", data=np.linspace(-1, 1, 6).astype("<f4"), **KW)
    x_a.make_scale("x_a")
    x_b.make_scale("x_b")
    y.make_scale("y")
    data.dims[0].attach_scale(x_a)
    data.dims[0].attach_scale(x_b)
    data.dims[1].attach_scale(y)
    partial.dims[1].attach_scale(y)


def virtual(f):
    g = f.create_group("vds")
    a = g.create_dataset("source_a", data=np.arange(5, dtype="<i4") + 100, **KW)
    b = g.create_dataset("source_b", data=np.arange(5, dtype="<i4") * -1 - 1, **KW)
    layout = h5py.VirtualLayout(shape=(2, 5), dtype="<i4")
    layout[0] = h5py.VirtualSource(".", a.name, shape=a.shape)
    layout[1] = h5py.VirtualSource(".", b.name, shape=b.shape)
    g.create_virtual_dataset("combined", layout, fillvalue=-1)
    inter = h5py.VirtualLayout(shape=(10,), dtype="<i4")
    inter[0::2] = h5py.VirtualSource(".", a.name, shape=a.shape)
    inter[1::2] = h5py.VirtualSource(".", b.name, shape=b.shape)
    g.create_virtual_dataset("interleaved", inter, fillvalue=-1)


def plain(f):
    g = f.create_group("plain")
    g.create_dataset("len3", data=np.array([1.5, -2.5, 3.5], "<f4"), **KW)
    g.create_dataset("len3x4", data=np.arange(12, dtype="<i2").reshape(3, 4) - 6, **KW)
    g.create_dataset("len4x3", data=np.arange(12, dtype="<u1").reshape(4, 3) * 20, **KW)
    g.create_dataset("len7", data=np.arange(7, dtype="<i8") ** 3, **KW)


def write_dangling(path):
    with h5py.File(path, "w", libver="earliest") as f:
        f.create_dataset("values", data=np.array([0.5, -1.5, 2.5], "<f4"), **KW)
        f["dangling"] = h5py.SoftLink("/does/not/exist")
        f["external_missing"] = h5py.ExternalLink("h5_links_missing.h5", "/nothing")


def write_cycle(path):
    with h5py.File(path, "w", libver="earliest") as f:
        b = f.create_group("a").create_group("b")
        b.create_dataset("leaf", data=np.array([5, -6], "i1"), **KW)
        b["up"] = f["/"]


def verify(outdir):
    with h5py.File(os.path.join(outdir, "h5_links.h5"), "r") as f:
        v = values()
        for path in ("data/values", "sub/values_again", "soft_values"):
            if not np.array_equal(f[path][()], v):
                raise SystemExit(f"{path} differs")
        if f["sub/values_again"].id != f["data/values"].id or f["sub/shared_again"].id != f["shared_group"].id:
            raise SystemExit("hard links do not share the object")
        if not np.array_equal(f["external_values"][()], target_values()):
            raise SystemExit("external link does not reach the target")
        if f["null_f4"].shape is not None or f["empty_chunked"].shape != (0, 5) or f["empty_3x0"].size != 0:
            raise SystemExit("odd dataspaces are not what was asked for")
        if [len(f["scales/data"].dims[i]) for i in range(2)] != [2, 1] or \
                [len(f["scales/partial"].dims[i]) for i in range(3)] != [0, 1, 0]:
            raise SystemExit("dimension scales not attached as asked")
        a, b = f["vds/source_a"][()], f["vds/source_b"][()]
        if not (np.array_equal(f["vds/combined"][()], np.stack([a, b])) and
                np.array_equal(f["vds/interleaved"][()], np.stack([a, b], axis=1).ravel())):
            raise SystemExit("virtual datasets do not map their sources")
    with h5py.File(os.path.join(outdir, "h5_links_dangling.h5"), "r") as f:
        if f.get("dangling") is not None or not isinstance(f.get("dangling", getlink=True), h5py.SoftLink) or \
                f.get("external_missing") is not None:
            raise SystemExit("a dangling link resolves")
    with h5py.File(os.path.join(outdir, "h5_links_cycle.h5"), "r") as f:
        if f["a/b/up/a/b/leaf"].id != f["a/b/leaf"].id:
            raise SystemExit("the cycle does not close")


def main(outdir):
    write_target(os.path.join(outdir, TARGET))
    with h5py.File(os.path.join(outdir, "h5_links.h5"), "w", libver="earliest") as f:
        links(f)
        dataspaces(f)
        scales(f)
        virtual(f)
        plain(f)
    write_dangling(os.path.join(outdir, "h5_links_dangling.h5"))
    write_cycle(os.path.join(outdir, "h5_links_cycle.h5"))
    # The external link is resolved relative to the linking file's directory.
    cwd = os.getcwd()
    try:
        os.chdir("/")
        verify(os.path.abspath(os.path.join(cwd, outdir)))
    finally:
        os.chdir(cwd)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
