"""h5_nbit_float.h5: floats of a reduced, non-IEEE bit layout (HDF5's n-bit
floats: H5Tset_fields/precision/ebias on a copy of an IEEE type), which
libhdf5 converts to IEEE floats on read and h5py shows as the numpy float
of their size when that holds every value.

  nbit_f4     (4, 6), chunks (2, 3), N-bit filter: 4-byte float of 20
              bits at offset 7 (sign 26, exponent 6 bits at 20, mantissa
              13 bits at 7, bias 31), the HDF5 manual's example; attribute
              `scale` of the same type
  custom_f4   (10,) contiguous, the same type, no filter: zeros, signed
              values, +-Inf and NaN
  nbit_f8     (3, 4), chunks (2, 2), N-bit filter: 8-byte float of 42
              bits (sign 41, exponent 11 bits at 30, mantissa 30 bits,
              bias 1023)
  wide_exp_f4 (5,) contiguous: 4-byte float with a 9-bit exponent, which
              no float32 holds (h5py reads float64): reported

N-bit goes through ctypes (h5py has no H5Pset_nbit).

Usage: /usr/bin/python3 h5_nbit_float.py OUT.h5   (run under faketime)
"""
import ctypes
import sys

import h5py
import numpy as np

from h5lib import loaded_libhdf5


def custom(base, spos, epos, esize, mpos, msize, offset, precision, size, ebias):
    t = base.copy()
    t.set_fields(spos, epos, esize, mpos, msize)
    t.set_offset(offset)
    t.set_precision(precision)
    t.set_size(size)
    t.set_ebias(ebias)
    return t


F4 = lambda: custom(h5py.h5t.IEEE_F32LE, 26, 20, 6, 7, 13, 7, 20, 4, 31)
F8 = lambda: custom(h5py.h5t.IEEE_F64LE, 41, 30, 11, 0, 30, 0, 42, 8, 1023)
WIDE = lambda: custom(h5py.h5t.IEEE_F32LE, 31, 22, 9, 0, 22, 0, 32, 4, 255)

WANT = {
    "nbit_f4": (np.arange(24, dtype="<f4").reshape(4, 6) - 11.5) * np.float32(0.25),
    "custom_f4": np.array([0.0, -0.0, 1.0, -2.5, 1000.0, 0.0078125, np.inf, -np.inf, np.nan, 3.125], "<f4"),
    "nbit_f8": (np.arange(12, dtype="<f8").reshape(3, 4) - 5) * 2.0**20 + 0.25,
    "wide_exp_f4": np.array([1.0, 2.0, 2.0**-160, 2.0**150, -3.0], "<f8"),
}


def create(f, name, tid, shape, chunks=None, nbit=False):
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)
    if chunks:
        dcpl.set_chunk(chunks)
    if nbit:
        lib = loaded_libhdf5()
        lib.H5Pset_nbit.argtypes = [ctypes.c_int64]
        if lib.H5Pset_nbit(dcpl.id) < 0:
            raise RuntimeError("H5Pset_nbit failed")
    h5py.h5d.create(f.id, name.encode(), tid, h5py.h5s.create_simple(shape), dcpl=dcpl)
    f[name][...] = WANT[name]


def write(out):
    with h5py.File(out, "w", libver="earliest") as f:
        create(f, "nbit_f4", F4(), (4, 6), (2, 3), nbit=True)
        create(f, "custom_f4", F4(), (10,))
        create(f, "nbit_f8", F8(), (3, 4), (2, 2), nbit=True)
        create(f, "wide_exp_f4", WIDE(), (5,))
        a = h5py.h5a.create(f["nbit_f4"].id, b"scale", F4(), h5py.h5s.create(h5py.h5s.SCALAR))
        a.write(np.array(0.125, "<f4"))


def check(out):
    with h5py.File(out, "r") as f:
        for name, want in WANT.items():
            got = f[name][()]
            if name != "wide_exp_f4" and got.dtype != want.dtype:
                raise SystemExit(f"{name}: h5py reads {got.dtype}, want {want.dtype}")
            if not np.array_equal(got, want, equal_nan=True):
                raise SystemExit(f"{name}: {got} != {want}")
        assert f["wide_exp_f4"].dtype == np.float64
        assert f["nbit_f4"].attrs["scale"] == 0.125


if __name__ == "__main__":
    write(sys.argv[1])
    check(sys.argv[1])
