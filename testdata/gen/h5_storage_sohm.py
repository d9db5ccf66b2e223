"""h5_storage_sohm.h5 / h5_storage_sohm_btree.h5: shared object header messages.

A file creation property list with two shared-message indexes (ctypes
H5Pset_shared_mesg_*, which h5py does not wrap; h5repack -s S:TYPE is broken
in 1.10.8 and shares nothing): index 0 holds dataspace, datatype, fill value
and filter pipeline messages, index 1 attributes, both with a minimum size of
1 byte so that every such message goes to the SOHM fractal heap. Superblock v2
plus its extension (shared message table message -> SMTB).

  a                 contiguous, two attributes stored as shared messages in
                    the object header (attribute message flag "shared")
  b, c              chunked + gzip + fill value -1: shared dataspace, datatype,
                    fill value and filter pipeline messages
  c                 14 attributes -> dense attribute storage whose v2 B-tree
                    records carry the "shared" flag (heap IDs of the SOHM heap)
  grp/d             a dataset with the same dataspace and datatype in a
                    subgroup; i2 attribute array
  scalar            scalar dataspace shared

With --btree the indexes are v2 B-trees from the start (phase change 0/0)
instead of lists (default 50/40): readers resolve heap IDs directly and never
need the index, so both must read the same.

Usage: /usr/bin/python3 h5_storage_sohm.py [--btree] OUT.h5   (run under faketime)
"""
import ctypes
import sys

import h5py
import numpy as np

from h5lib import loaded_libhdf5

# H5O_SHMESG_*_FLAG: 1 << message type.
SDSPACE, DTYPE, FILL, PLINE, ATTR = 1 << 0x01, 1 << 0x03, 1 << 0x05, 1 << 0x0B, 1 << 0x0C


def main(out, btree):
    lib = loaded_libhdf5()
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    pid = ctypes.c_int64(fcpl.id)
    assert lib.H5Pset_shared_mesg_nindexes(pid, 2) >= 0
    assert lib.H5Pset_shared_mesg_index(pid, 0, SDSPACE | DTYPE | FILL | PLINE, 1) >= 0
    assert lib.H5Pset_shared_mesg_index(pid, 1, ATTR, 1) >= 0
    if btree:
        assert lib.H5Pset_shared_mesg_phase_change(pid, 0, 0) >= 0
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_LATEST)
    fid = h5py.h5f.create(out.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl)
    with h5py.File(fid) as f:
        grid = np.arange(12, dtype="<f4").reshape(3, 4) / 4
        a = f.create_dataset("a", data=grid, track_times=False)
        b = f.create_dataset("b", data=grid * 2, chunks=(2, 2), compression="gzip",
                             fillvalue=-1, track_times=False)
        c = f.create_dataset("c", shape=(3, 4), dtype="<f4", chunks=(2, 2),
                             compression="gzip", fillvalue=-1, track_times=False)
        c[0:2, 0:2] = grid[0:2, 0:2] * 3  # one chunk written, the rest reads -1
        for d in (a, b, c):
            d.attrs["units"] = np.bytes_("metres")
            d.attrs["scale"] = np.float64(0.5)
        for i in range(12):
            c.attrs[f"x{i:02d}"] = np.int32(i * i)
        d = f.create_group("grp").create_dataset("d", data=grid[::-1], track_times=False)
        d.attrs["offsets"] = np.array([-3, 0, 7], "<i2")
        f.create_dataset("scalar", data=np.float64(2.5), track_times=False)


if __name__ == "__main__":
    args = sys.argv[1:]
    btree = "--btree" in args
    args = [a for a in args if a != "--btree"]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], btree)
