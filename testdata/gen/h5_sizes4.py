"""h5_sizes4.h5: 4-byte offsets and lengths (H5Pset_sizes(4, 4)).

Every address and length field shrinks to 4 bytes, and the global heap's
collection and object headers (16 bytes with 8-byte lengths) are padded to
8-byte multiples, so this file catches any field read with a fixed width.
Contents: contiguous and deflated chunked datasets, a subgroup with a
variable-length string attribute (global heap) and a shuffled dataset.

Usage: /usr/bin/python3 h5_sizes4.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import numpy as np


def main(out):
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_sizes(4, 4)
    fid = h5py.h5f.create(out.encode(), h5py.h5f.ACC_TRUNC, fcpl=fcpl)
    with h5py.File(fid) as f:
        f.create_dataset("contiguous", data=np.arange(10, dtype="<i4"), track_times=False)
        f.create_dataset("deflate", data=np.arange(100, dtype="<f8").reshape(10, 10),
                         chunks=(3, 4), compression="gzip", track_times=False)
        g = f.create_group("g", track_order=False)
        g.attrs["title"] = "a variable-length string in the global heap"
        g.create_dataset("shuffle", data=np.arange(6, dtype="<u2"), chunks=(2,),
                         shuffle=True, compression="gzip", track_times=False)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
