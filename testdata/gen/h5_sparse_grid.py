"""Sparse chunk grids: datasets of which only a few chunks were ever
written. Each file is a few KB.

h5_sparse_4gib.h5 (scanned, never read whole: 4 GiB of values)
  /huge (2**32,) u1, chunks (64,): 2**26 positions, more than a dense
        manifest may hold (hdf5scan's limit: 4 Mi positions for a small
        file); two chunks written (the first and the last), fill value and
        _FillValue 255

h5_sparse_grid.h5 (small: tests scan it with a lower dense limit, and
`check` and xarray read it whole)
  /sparse (4096,) u1, chunks (2,): 2048 positions, three chunks written,
          fill value and _FillValue 7
  /sparse2d (64, 64) i2, chunks (1, 2): 2048 positions, two chunks
          written, fill value and _FillValue -1
  /nofill (1024,) u1, chunks (1,): one chunk written, no _FillValue: its
          never-written chunks read as 0 unmasked, which a sparse grid can
          only give with explicit chunks

Usage: /usr/bin/python3 h5_sparse_grid.py OUT_4GIB.h5 OUT_GRID.h5
"""
import sys

import h5py
import numpy as np


def sparse(f, name, shape, chunks, dtype, fill, writes, attr=True, maxshape=None):
    d = f.create_dataset(name, shape=shape, chunks=chunks, dtype=dtype, maxshape=maxshape,
                         fillvalue=fill, track_times=False)
    if attr:
        d.attrs.create("_FillValue", fill, dtype=dtype)
    for sl, vals in writes:
        d[sl] = vals
    return d


def write(huge_out, grid_out):
    # A chunk index that holds the written chunks only: a v1 B-tree
    # (libver earliest) or, for the 2-D one, a v2 B-tree (two unlimited
    # axes). libhdf5's fixed-array index has a slot a position, 8 bytes
    # each (512 MiB for /huge).
    with h5py.File(huge_out, "w", libver="earliest") as f:
        n = 2**32
        sparse(f, "huge", (n,), (64,), "u1", 255,
               [(slice(0, 64), np.arange(64, dtype="u1")),
                (slice(n - 64, n), np.arange(64, 128, dtype="u1"))])
    with h5py.File(grid_out, "w", libver="earliest") as f:
        n = 4096
        sparse(f, "sparse", (n,), (2,), "u1", 7,
               [(slice(0, 2), [1, 2]), (slice(n // 2, n // 2 + 2), [3, 4]), (slice(n - 2, n), [5, 6])])
    with h5py.File(grid_out, "a", libver="latest") as f:
        sparse(f, "sparse2d", (64, 64), (1, 2), "i2", -1,
               [((0, slice(0, 2)), [10, 11]), ((63, slice(62, 64)), [12, 13])],
               maxshape=(None, None))
        sparse(f, "nofill", (1024,), (1,), "u1", 0, [(slice(5, 6), [9])], attr=False,
               maxshape=(None,))


def check(huge_out, grid_out):
    with h5py.File(huge_out, "r") as f:
        d = f["huge"]
        assert d.id.get_num_chunks() == 2
        assert list(d[62:66]) == [62, 63, 255, 255]
        assert list(d[2**32 - 65:2**32 - 63]) == [255, 64]
    with h5py.File(grid_out, "r") as f:
        assert f["sparse"].id.get_num_chunks() == 3
        assert list(f["sparse"][2047:2051]) == [7, 3, 4, 7]
        assert f["sparse2d"].id.get_num_chunks() == 2
        assert f["sparse2d"][63, 63] == 13 and f["sparse2d"][1, 1] == -1
        assert f["nofill"].id.get_num_chunks() == 1


if __name__ == "__main__":
    write(sys.argv[1], sys.argv[2])
    check(sys.argv[1], sys.argv[2])
