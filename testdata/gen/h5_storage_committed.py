"""h5_storage_committed.h5 / h5_storage_committed_latest.h5: committed datatypes.

Named datatypes in the file (h5py `f[name] = np.dtype(...)`), used by datasets
and attributes (`dtype=f[name]`): the datatype message of each user is a shared
message pointing at the committed datatype's object header, and each attribute
using one is written as attribute message version 2 or later with the
"datatype shared" flag.

  temperature_t     committed big-endian float64 (">f8")
  label_t           committed 5-byte NUL-padded string
  count_t           committed uint16, in /grp
  temps             (2, 3) temperature_t, contiguous; attributes valid_max
                    (temperature_t) and name (label_t)
  grp/labels        (2,) label_t, chunked
  grp/counts        (4,) count_t, chunked + gzip, fill value 7 (the fill value
                    message is written in the committed type)

The default is libver='earliest' (superblock v0, object header v1, shared
message version 2, attribute message v2); --latest writes libver='latest'
(superblock v3, object header v2, shared message version 3 type 2 "committed",
attribute message v3).

Usage: /usr/bin/python3 h5_storage_committed.py [--latest] OUT.h5   (run under faketime)
"""
import sys

import h5py
import numpy as np


def main(out, libver):
    with h5py.File(out, "w", libver=libver) as f:
        f["temperature_t"] = np.dtype(">f8")
        f["label_t"] = np.dtype("S5")
        grp = f.create_group("grp")
        grp["count_t"] = np.dtype("<u2")
        temp_t, label_t, count_t = f["temperature_t"], f["label_t"], grp["count_t"]

        temps = f.create_dataset("temps", data=np.arange(6).reshape(2, 3) / 4 - 0.5,
                                 dtype=temp_t, track_times=False)
        temps.attrs.create("valid_max", 40.5, dtype=temp_t)
        temps.attrs.create("name", np.bytes_("tempe"), dtype=label_t)
        grp.create_dataset("labels", data=np.array([b"ab", b"cdefg"], "S5"), dtype=label_t,
                           chunks=(1,), track_times=False)
        counts = grp.create_dataset("counts", shape=(4,), dtype=count_t, chunks=(2,),
                                    compression="gzip", fillvalue=7, track_times=False)
        counts[0:2] = [65535, 3]


if __name__ == "__main__":
    args = sys.argv[1:]
    latest = "--latest" in args
    args = [a for a in args if a != "--latest"]
    if len(args) != 1:
        sys.exit(__doc__)
    main(args[0], "latest" if latest else "earliest")
