"""Filter pipelines in the unusual order deflate THEN shuffle: on write libhdf5
deflates a chunk, then byte-shuffles the compressed stream (whose length is not
a multiple of the element size: HDF5's shuffle leaves the trailing
len % elemsize bytes in place); on read it unshuffles, then inflates. So the
codec list must be [shuffle, zlib] applied in that reverse order, and the
shuffle runs over a buffer of odd length.

  pipe_deflate_shuffle.h5  plain h5py (low-level dcpl: set_deflate(4) then
                           set_shuffle(), filters [1, 2]):
      deflate_shuffle_f4 (24,10)  f4 chunks (8,5), all 6 chunks written
      deflate_shuffle_i8 (24,10)  i8 chunks (8,5), chunk (2,1) never written (fill 0)
      shuffle_deflate_f4 (24,10)  the usual order [2, 1], same values, for contrast
      Every written deflate-then-shuffle chunk has a stored size that is not a
      multiple of the element size (asserted).
  pipe_deflate_shuffle_nc.nc  netCDF-4 written by netCDF-C (netCDF4-python,
                           contiguous f4 `temp(y,x)` (24,10) and i4 `count(y,x)`), then
                           `h5repack -f temp,count:GZIP=4 -f temp,count:SHUF -l temp,count:CHUNK=8x5`:
                           still a netCDF file (dimension scales, attributes)
                           whose two variables have filters [1, 2]

Usage: /usr/bin/python3 pipe_deflate_shuffle.py OUT.h5 OUT.nc   (run under faketime for stable bytes)
"""
import os
import subprocess
import sys
import tempfile
import zlib

import h5py
import netCDF4
import numpy as np

SHAPE, CHUNK = (24, 10), (8, 5)


def values(dtype):
    """Smooth-ish values; each chunk's seed is the first one whose zlib level-4
    stream (what libhdf5's deflate writes) is not a multiple of the element size."""
    dtype = np.dtype(dtype)
    out = np.empty(SHAPE, dtype)
    for i in range(0, SHAPE[0], CHUNK[0]):
        for j in range(0, SHAPE[1], CHUNK[1]):
            for seed in range(1000):
                rng = np.random.default_rng([i, j, seed])
                base = np.cumsum(rng.integers(-3, 4, size=CHUNK), axis=1)
                block = (base / 8 + 280 if dtype.kind == "f" else base * 1000003).astype(dtype)
                if len(zlib.compress(block.tobytes(), 4)) % dtype.itemsize:
                    break
            out[i:i + CHUNK[0], j:j + CHUNK[1]] = block
    return out


def create(f, name, dtype, order, skip=None):
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(CHUNK)
    dcpl.set_obj_track_times(False)
    for filt in order:
        if filt == "deflate":
            dcpl.set_deflate(4)
        else:
            dcpl.set_shuffle()
    tid = h5py.h5t.py_create(np.dtype(dtype))
    dsid = h5py.h5d.create(f.id, name.encode(), tid, h5py.h5s.create_simple(SHAPE), dcpl=dcpl)
    ds = h5py.Dataset(dsid)
    data = values(dtype)
    for i in range(0, SHAPE[0], CHUNK[0]):
        for j in range(0, SHAPE[1], CHUNK[1]):
            if skip != (i // CHUNK[0], j // CHUNK[1]):
                ds[i:i + CHUNK[0], j:j + CHUNK[1]] = data[i:i + CHUNK[0], j:j + CHUNK[1]]


def filters(ds):
    dcpl = ds.id.get_create_plist()
    return [dcpl.get_filter(i)[0] for i in range(dcpl.get_nfilters())]


def chunk_sizes(ds):
    return [ds.id.get_chunk_info(i).size for i in range(ds.id.get_num_chunks())]


def write_h5(out):
    with h5py.File(out, "w") as f:
        create(f, "deflate_shuffle_f4", "<f4", ("deflate", "shuffle"))
        create(f, "deflate_shuffle_i8", "<i8", ("deflate", "shuffle"), skip=(2, 1))
        create(f, "shuffle_deflate_f4", "<f4", ("shuffle", "deflate"))


def check_h5(out):
    with h5py.File(out, "r") as f:
        for name, order, n in (("deflate_shuffle_f4", [1, 2], 6), ("deflate_shuffle_i8", [1, 2], 5),
                               ("shuffle_deflate_f4", [2, 1], 6)):
            ds = f[name]
            assert filters(ds) == order, (name, filters(ds))
            assert ds.id.get_num_chunks() == n, name
            want = values(ds.dtype)
            if name == "deflate_shuffle_i8":
                want[16:24, 5:10] = 0
            np.testing.assert_array_equal(ds[()], want)
            if order == [1, 2]:
                sizes = chunk_sizes(ds)
                assert all(s % ds.dtype.itemsize for s in sizes), (name, sizes)


def write_nc(out):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "src.nc")
        with netCDF4.Dataset(src, "w", format="NETCDF4") as ds:
            ds.createDimension("y", SHAPE[0])
            ds.createDimension("x", SHAPE[1])
            t = ds.createVariable("temp", "f4", ("y", "x"), contiguous=True)
            t.units = "K"
            t[:] = values("<f4")
            c = ds.createVariable("count", "i4", ("y", "x"), contiguous=True)
            c[:] = values("<i4")
        subprocess.run(["h5repack", "-f", "temp,count:GZIP=4", "-f", "temp,count:SHUF",
                        "-l", "temp,count:CHUNK=8x5", "-i", src, "-o", out], check=True)


def check_nc(out):
    with h5py.File(out, "r") as f:
        for name in ("temp", "count"):
            ds = f[name]
            assert filters(ds) == [1, 2], (name, filters(ds))
            assert ds.chunks == CHUNK, ds.chunks
            assert all(s % ds.dtype.itemsize for s in chunk_sizes(ds)), (name, chunk_sizes(ds))
    with netCDF4.Dataset(out) as ds:
        assert ds["temp"].dimensions == ("y", "x") and ds["temp"].units == "K"
        np.testing.assert_array_equal(ds["temp"][:], values("<f4"))
        np.testing.assert_array_equal(ds["count"][:], values("<i4"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write_h5(sys.argv[1])
    check_h5(sys.argv[1])
    write_nc(sys.argv[2])
    check_nc(sys.argv[2])
