"""h5_latest_contiguous.h5: superblock v3 (h5py libver='latest').

Only contiguous and compact datasets: with libver='latest' every chunked
dataset gets a v4 layout with a v4 chunk index; those are in
h5_latest_chunked.py. Object headers
are v2, groups new-style (compact links at root, dense links in /dense), and
one dataset has 10 attributes in dense storage (attribute message v3).

Usage: /usr/bin/python3 h5_latest_contiguous.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np


def main(out):
    with h5py.File(out, "w", libver="latest") as f:
        f.create_dataset("contiguous", data=np.arange(12, dtype="<f4").reshape(3, 4),
                         track_times=False)
        f.create_dataset("contiguous_be", data=(np.arange(5) - 2).astype(">i8"), track_times=False)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        dcpl.set_obj_track_times(False)
        f.create_dataset("compact", data=np.array([3, 1, 4, 1, 5], "<i2"), dcpl=dcpl)
        f.create_dataset("unwritten", shape=(4,), dtype="<f8", fillvalue=1.25, track_times=False)
        attrs = f.create_dataset("many_attrs", data=np.ones(3, "<u1"), track_times=False).attrs
        for i in range(10):
            attrs[f"a{i}"] = np.float64(i) / 3
        dense = f.create_group("dense")
        for i in range(10):
            dense.create_dataset(f"d{i}", data=np.array([i, -i], "<i4"), track_times=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
