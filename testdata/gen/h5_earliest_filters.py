"""h5_earliest_filters.h5: h5py filter pipelines (filter pipeline message v1).

h5py orders its pipeline shuffle -> deflate -> fletcher32, so the checksum is
the last filter and covers the compressed bytes. Two datasets carry per-chunk
filter masks written with write_direct_chunk: one chunk of `mask_deflate` is
stored raw (mask 0b1: deflate skipped) and one chunk of `mask_shuffle_deflate`
is shuffled but not deflated (mask 0b10).

Usage: /usr/bin/python3 h5_earliest_filters.py OUT.h5   (run under faketime for stable bytes)
"""
import sys
import zlib

import h5py
import numpy as np


def grid(dtype):
    return (np.arange(8 * 10).reshape(8, 10) % 23 * 1.5 - 7).astype(dtype)


def write_pipelines(f):
    opts = dict(chunks=(3, 4), track_times=False)  # 8x10 in 3x4: partial edge chunks
    f.create_dataset("deflate", data=grid("f4"), compression="gzip", compression_opts=6, **opts)
    f.create_dataset("shuffle_deflate", data=grid("i4"), compression="gzip", shuffle=True, **opts)
    f.create_dataset("fletcher32", data=grid("f8"), fletcher32=True, **opts)
    f.create_dataset("deflate_fletcher32", data=grid("f4"), compression="gzip",
                     fletcher32=True, **opts)
    f.create_dataset("shuffle_deflate_fletcher32", data=grid("i2"), compression="gzip",
                     shuffle=True, fletcher32=True, **opts)


def shuffle(raw, itemsize):
    """HDF5 shuffle filter: byte k of every element, for k in 0..itemsize-1."""
    return np.frombuffer(raw, "u1").reshape(-1, itemsize).T.tobytes()


def write_masks(f):
    data = np.arange(16, dtype="<i4").reshape(4, 4)
    d = f.create_dataset("mask_deflate", shape=(4, 4), dtype="<i4", chunks=(2, 2),
                         compression="gzip", track_times=False)
    s = f.create_dataset("mask_shuffle_deflate", shape=(4, 4), dtype="<i4", chunks=(2, 2),
                         compression="gzip", shuffle=True, track_times=False)
    for i in (0, 2):
        for j in (0, 2):
            block = np.ascontiguousarray(data[i:i + 2, j:j + 2]).tobytes()
            if (i, j) == (2, 2):
                d.id.write_direct_chunk((i, j), block, filter_mask=0b1)
                s.id.write_direct_chunk((i, j), shuffle(block, 4), filter_mask=0b10)
            else:
                d.id.write_direct_chunk((i, j), zlib.compress(block, 6), filter_mask=0)
                s.id.write_direct_chunk((i, j), zlib.compress(shuffle(block, 4), 6),
                                        filter_mask=0)


def main(out):
    with h5py.File(out, "w", libver="earliest") as f:
        write_pipelines(f)
        write_masks(f)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
