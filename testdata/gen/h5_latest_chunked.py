"""h5_latest_chunked.h5: every chunk index of data layout message version 4;
with --paged, h5_latest_paged.h5: the paged fixed and extensible arrays
(kept apart so that h5_latest_chunked.h5 stays under the 64 KiB the fuzz
target's seeds may have).

h5py libver='latest' picks the index from the shape (HDF5-STRUCTURES §7):
  single, single_gzip        single chunk (chunk = shape = max shape); the
                             filtered one keeps size and mask in the layout
  implicit                   allocation time early, no filters (low-level API)
  fixed, fixed_maxshape      fixed array; the second has shape (5,10) < max
                             (20,10), so entries run over the max-dims grid
  fixed_paged (--paged)      3000 one-element chunks (> 1024: paged data
                             block); page 1 (chunks 1024..2047) never written
  fixed_gzip                 filtered fixed array (address, size, mask)
  ea_first                   extensible array, unlimited dimension first
  ea_second                  shape (3,10), max (6,None): unlimited dimension
                             second, so the linear index is swizzled
  ea_super                   1000 one-element chunks: index-block elements,
                             index-block data blocks and super blocks 4 to 6
  ea_paged (--paged)         shape 131200, one-element chunks, 30 written:
                             chunks from 131056 on lie in super block 13,
                             whose data blocks are paged (2 pages of 1024)
  ea_gzip                    filtered extensible array
  bt2, bt2_gzip              two unlimited dimensions: v2 B-tree, record
                             types 10 and 11
  gzip_raw_edges             H5Pset_chunk_opts(DONT_FILTER_PARTIAL_CHUNKS)
                             (ctypes: h5py does not wrap it): layout flag
                             bit 0, partial edge chunks stored unfiltered
Every chunked dataset except implicit has chunks that were never written.

Usage: /usr/bin/python3 h5_latest_chunked.py [--paged] OUT.h5   (run under faketime for stable bytes)
"""
import ctypes
import sys

import h5py
import numpy as np

from h5lib import loaded_libhdf5


def raw_edges(f):
    lib = loaded_libhdf5()
    lib.H5Pset_chunk_opts.argtypes = [ctypes.c_int64, ctypes.c_uint]
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((4, 4))
    dcpl.set_deflate(4)
    dcpl.set_obj_track_times(False)
    if lib.H5Pset_chunk_opts(dcpl.id, 0x0002) < 0:  # H5D_CHUNK_DONT_FILTER_PARTIAL_CHUNKS
        raise RuntimeError("H5Pset_chunk_opts failed")
    h5py.h5d.create(f.id, b"gzip_raw_edges", h5py.h5t.STD_I32LE, h5py.h5s.create_simple((20, 21)), dcpl=dcpl)
    f["gzip_raw_edges"][...] = np.arange(420, dtype="<i4").reshape(20, 21)


def paged(out):
    with h5py.File(out, "w", libver="latest") as f:
        kw = dict(track_times=False)
        d = f.create_dataset("fixed_paged", shape=(3000,), dtype="<i2", chunks=(1,), fillvalue=-1, **kw)
        d[0:100] = np.arange(100)
        d[2500:2600] = np.arange(100) + 2500
        d = f.create_dataset("ea_paged", shape=(131200,), maxshape=(None,), dtype="<i4", chunks=(1,),
                             fillvalue=-1, **kw)
        d[0:10] = np.arange(10)
        d[131100:131110] = np.arange(10) + 131100
        d[131190:131200] = np.arange(10) + 131190


def main(out):
    with h5py.File(out, "w", libver="latest") as f:
        kw = dict(track_times=False)
        f.create_dataset("single", data=np.arange(20, dtype="<i4").reshape(4, 5), chunks=(4, 5), **kw)
        f.create_dataset("single_gzip", data=np.arange(200, dtype="<f8").reshape(10, 20),
                         chunks=(10, 20), compression="gzip", **kw)

        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((2, 3))
        dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
        dcpl.set_fill_value(np.array(-1, "<i2"))
        dcpl.set_obj_track_times(False)
        space = h5py.h5s.create_simple((5, 7))
        h5py.h5d.create(f.id, b"implicit", h5py.h5t.STD_I16LE, space, dcpl=dcpl)
        f["implicit"][1:4, 2:6] = np.arange(12, dtype="<i2").reshape(3, 4)

        d = f.create_dataset("fixed", shape=(6, 8), dtype="<i4", chunks=(2, 3), fillvalue=-9, **kw)
        d[0:2, :] = np.arange(16).reshape(2, 8)
        d[4:6, 6:8] = 7
        d = f.create_dataset("fixed_maxshape", shape=(5, 10), maxshape=(20, 10), dtype="<u2",
                             chunks=(2, 4), **kw)
        d[:, :] = np.arange(50).reshape(5, 10)
        d = f.create_dataset("fixed_gzip", shape=(20, 30), dtype="<f4", chunks=(5, 10),
                             compression="gzip", shuffle=True, fillvalue=np.nan, **kw)
        d[0:15, 0:20] = np.arange(300, dtype="<f4").reshape(15, 20) / 7

        d = f.create_dataset("ea_first", shape=(10, 6), maxshape=(None, 6), dtype="<i8",
                             chunks=(2, 4), fillvalue=-5, **kw)
        d[0:6, :] = np.arange(36).reshape(6, 6)
        d[8:10, 4:6] = 99
        d = f.create_dataset("ea_second", shape=(3, 10), maxshape=(6, None), dtype="<i4",
                             chunks=(1, 2), fillvalue=-3, **kw)
        d[:, 0:6] = np.arange(18).reshape(3, 6)
        d[2, 8:10] = [80, 90]
        d = f.create_dataset("ea_super", shape=(1000,), maxshape=(None,), dtype="<i2", chunks=(1,),
                             fillvalue=-1, **kw)
        d[0:600] = np.arange(600)
        d[900:1000] = np.arange(100) + 900
        d = f.create_dataset("ea_gzip", shape=(10, 8), maxshape=(None, 8), dtype="<f8", chunks=(2, 4),
                             compression="gzip", **kw)
        d[0:8, :] = np.arange(64).reshape(8, 8) * 0.5

        d = f.create_dataset("bt2", shape=(6, 8), maxshape=(None, None), dtype="<i4", chunks=(2, 3),
                             fillvalue=-2, **kw)
        d[0:4, 0:6] = np.arange(24).reshape(4, 6)
        d[5, 7] = 57
        d = f.create_dataset("bt2_gzip", shape=(30, 40), maxshape=(None, None), dtype="<i8",
                             chunks=(3, 4), compression="gzip", **kw)
        d[0:21, 0:40] = np.arange(840).reshape(21, 40)

        raw_edges(f)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--paged":
        paged(sys.argv[2])
    elif len(sys.argv) == 2:
        main(sys.argv[1])
    else:
        sys.exit(__doc__)
