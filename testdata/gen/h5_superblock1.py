"""h5_superblock1.h5: superblock version 1.

libhdf5 writes superblock v1 (v0 plus a 2-byte "indexed storage internal K"
and 2 reserved bytes) only when H5Pset_istore_k sets a non-default K in the
earliest format. h5py does not wrap H5Pset_istore_k, so it is called through
ctypes on the libhdf5 that h5py itself loaded. K = 4 also makes the chunk
B-tree fan out at 8 children, so 60 chunks give a multi-level tree.

Usage: /usr/bin/python3 h5_superblock1.py OUT.h5   (run under faketime for stable bytes)
"""
import ctypes
import sys

import h5py
import numpy as np

from h5lib import loaded_libhdf5


def main(out):
    lib = loaded_libhdf5()
    lib.H5Pset_istore_k.argtypes = [ctypes.c_int64, ctypes.c_uint]
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    if lib.H5Pset_istore_k(fcpl.id, 4) < 0:
        raise RuntimeError("H5Pset_istore_k failed")
    fid = h5py.h5f.create(out.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.create_dataset("chunked", data=np.arange(60, dtype="<u4") * 3, chunks=(1,),
                         track_times=False)
        f.create_dataset("contiguous", data=np.linspace(0, 1, 7, dtype=">f8"), track_times=False)
        f.attrs["note"] = np.bytes_("superblock v1 via H5Pset_istore_k")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
