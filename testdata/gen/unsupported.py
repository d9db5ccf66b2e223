"""Fixtures the scanner must report with a typed "unsupported" error, each
beside a supported dataset that must still be scanned.

  h5_vlen_sequence.h5   variable-length sequences of int32 (no Zarr v2 dtype
                        that xarray reads holds them)
  h5_region_reference.h5  dataset region references (a selection of another
                        dataset; nothing a JSON value or numpy dtype expresses)
  h5_virtual.h5         a virtual dataset (layout class 3) mapping two source
                        datasets of the same file
  h5_compound_vlen_string.h5  a compound with a variable-length string member
                        (a Zarr v2 structured dtype has no object field)

Usage: /usr/bin/python3 unsupported.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys

import h5py
import numpy as np


def vlen_sequence(path):
    with h5py.File(path, "w", libver="earliest") as f:
        d = f.create_dataset("ragged", (3,), dtype=h5py.vlen_dtype(np.dtype("<i4")), track_times=False)
        d[0] = np.arange(3, dtype="<i4")
        d[1] = np.arange(1, dtype="<i4")
        d[2] = np.arange(5, dtype="<i4")
        f.create_dataset("plain_ok", data=np.arange(4, dtype="<i2"), track_times=False)


def region_reference(path):
    with h5py.File(path, "w", libver="earliest") as f:
        grid = f.create_dataset("grid", data=np.arange(20, dtype="<f4").reshape(4, 5), track_times=False)
        regions = f.create_dataset("regions", (2,), dtype=h5py.regionref_dtype, track_times=False)
        regions[0] = grid.regionref[0:2, 1:3]
        regions[1] = grid.regionref[3, :]


def virtual(path):
    with h5py.File(path, "w", libver="latest") as f:
        a = f.create_dataset("a", data=np.arange(6, dtype="<f8"), track_times=False)
        b = f.create_dataset("b", data=np.arange(6, 12, dtype="<f8"), track_times=False)
        layout = h5py.VirtualLayout(shape=(2, 6), dtype="<f8")
        layout[0] = h5py.VirtualSource(a)
        layout[1] = h5py.VirtualSource(b)
        f.create_virtual_dataset("stacked", layout, fillvalue=-1)


def compound_vlen_string(path):
    station = np.dtype([("id", "<i4"), ("name", h5py.string_dtype("utf-8")), ("elevation", "<f8")])
    with h5py.File(path, "w", libver="earliest") as f:
        d = f.create_dataset("stations", (3,), dtype=station, track_times=False)
        d[...] = np.array([(1, "Zürich", 556.0), (2, "Säntis", 2502.0), (3, "", -1.5)], dtype=station)
        f.create_dataset("plain_ok", data=np.arange(4, dtype="<i2"), track_times=False)


def main(outdir):
    vlen_sequence(os.path.join(outdir, "h5_vlen_sequence.h5"))
    region_reference(os.path.join(outdir, "h5_region_reference.h5"))
    virtual(os.path.join(outdir, "h5_virtual.h5"))
    compound_vlen_string(os.path.join(outdir, "h5_compound_vlen_string.h5"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
