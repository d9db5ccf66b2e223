"""The libhdf5 that h5py loaded, for the few H5P calls h5py does not wrap
(H5Pset_istore_k, H5Pset_chunk_opts). Calling the same library instance
keeps property-list ids valid across h5py and ctypes."""
import ctypes

import h5py  # noqa: F401  (loads libhdf5 into the process)


def loaded_libhdf5():
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            if "/libhdf5" in path and "_hl" not in path:
                return ctypes.CDLL(path)
    raise RuntimeError("libhdf5 not loaded by h5py")
