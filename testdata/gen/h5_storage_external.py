"""h5_storage_external.h5 and its raw files: datasets in external data files.

h5py `external=[(name, offset, size), ...]`: contiguous layout with an
undefined address plus an external data files message (0x07) whose slot
names live in a local heap. Names are relative, resolved against the HDF5
file's directory (libhdf5 needs HDF5_EXTFILE_PREFIX='${ORIGIN}' for that;
without it, its current directory).

  one       (6, 4) <i4 in h5_storage_external_one.bin (one slot, offset 0)
  two       (10, 3) <f8 over two files: 96 bytes at offset 16 of
            h5_storage_external_two_a.bin, 144 bytes at offset 0 of
            h5_storage_external_two_b.bin; the boundary falls after 4 rows,
            so a reference set must chunk the first axis by gcd(4, 10) = 2
  rest      (5,) >i2 in h5_storage_external_rest.bin with an unlimited slot
  same      (4, 2) <u1 twice in one file: slots (offset 8, 4 bytes) and
            (offset 0, 4 bytes) of h5_storage_external_same.bin (out of order)

With --split OUTDIR/h5_storage_external_split.h5 writes the unsupported
variant: split (3, 4) <i4 whose first slot ends inside a row (20 bytes), so
no first-axis chunking keeps each chunk in one file; ok_contiguous beside it
is an ordinary dataset.

Usage: /usr/bin/python3 h5_storage_external.py [--split] OUT.h5   (run under faketime)
The raw files are written beside OUT.h5.
"""
import os
import sys

import h5py
import numpy as np


def main(out):
    with h5py.File(os.path.basename(out), "w") as f:
        one = np.arange(24, dtype="<i4").reshape(6, 4) - 5
        f.create_dataset("one", data=one, track_times=False,
                         external=[("h5_storage_external_one.bin", 0, one.nbytes)])
        two = np.arange(30, dtype="<f8").reshape(10, 3) / 8
        # Bytes before offset 16 of the first file are not the dataset's.
        with open("h5_storage_external_two_a.bin", "wb") as pre:
            pre.write(b"not data 16 b.\n\0")
        f.create_dataset("two", data=two, track_times=False,
                         external=[("h5_storage_external_two_a.bin", 16, 4 * 24),
                                   ("h5_storage_external_two_b.bin", 0, 6 * 24)])
        rest = np.array([1, -2, 300, -4000, 32767], ">i2")
        f.create_dataset("rest", data=rest, track_times=False,
                         external=[("h5_storage_external_rest.bin", 0, h5py.h5f.UNLIMITED)])
        same = np.arange(8, dtype="<u1").reshape(4, 2) * 17
        f.create_dataset("same", data=same, track_times=False,
                         external=[("h5_storage_external_same.bin", 8, 4),
                                   ("h5_storage_external_same.bin", 0, 4)])


def split(out):
    with h5py.File(os.path.basename(out), "w") as f:
        data = np.arange(12, dtype="<i4").reshape(3, 4)
        f.create_dataset("split", data=data, track_times=False,
                         external=[("h5_storage_external_split_a.bin", 0, 20),
                                   ("h5_storage_external_split_b.bin", 0, 28)])
        f.create_dataset("ok_contiguous", data=data * 2, track_times=False)


if __name__ == "__main__":
    args = sys.argv[1:]
    unsupported = "--split" in args
    args = [a for a in args if a != "--split"]
    if len(args) != 1:
        sys.exit(__doc__)
    # h5py writes external files relative to the current directory.
    os.chdir(os.path.dirname(os.path.abspath(args[0])))
    (split if unsupported else main)(args[0])
