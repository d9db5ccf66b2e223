"""h5_plugin_filters.h5: the HDF5 filters beyond deflate/shuffle/fletcher32,
one dataset per filter and setting (h5py libver='latest': fixed-array chunk
indexes, filter pipeline message v2).

Every dataset is GRID = (19, 23) int16/int32/float32/float64 in CHUNKS =
(8, 10): 3 x 3 chunks, the last row and column partial (edge chunks are
stored full size). Values are arange-based (see grid()) so that a wrong
offset or chunk order shows.

  blosc_<cname>_<shuffle>_f4    32001 Blosc, cname blosclz/lz4/lz4hc/zlib/zstd
                                x NOSHUFFLE/SHUFFLE/BITSHUFFLE (Debian plugin
                                + libblosc1); `_i2` twins for lz4 and zstd
  zstd_f4, zstd_i2              32015 Zstandard: Debian has no HDF5 zstd
                                plugin, so the filter is declared optional and
                                every chunk written with write_direct_chunk
                                after numcodecs.Zstd(level 3); libhdf5 on this
                                machine cannot read these two back
  lz4_f4, lz4_i2                32004 LZ4 (HDF5 framing: 8-byte total size,
                                4-byte block size, size-prefixed LZ4 blocks)
  lz4_blocks_f4                 LZ4 with nbytes=128: 3 blocks per chunk
  bzip2_f4, bzip2_i2            307 BZip2
  bitshuffle_lz4_{f4,i2}        32008 Bitshuffle + LZ4
  bitshuffle_{f4,i2}            32008 Bitshuffle without compression. No zstd
                                variant: Debian's bitshuffle 0.3.5 accepts
                                cd_values[4]=3 but stores the chunks
                                uncompressed, so its cd_values would lie.
  lzf_f4, lzf_i2, shuffle_lzf_i4  32000 LZF (h5py's own filter)
  lzf_mask_i4                   LZF over 4 chunks of which 2 hold random bytes
                                LZF cannot shrink: libhdf5 stores those raw
                                with filter mask 0b1 (LZF is optional)
  scaleoffset_i4                6 scale-offset, integer, minbits by libhdf5
  scaleoffset_i2_fill           scale-offset, integer, fill value -999, chunk
                                row 2 never written
  scaleoffset_f4                scale-offset, float, D-scale 2 (values are
                                multiples of 0.25, so they survive exactly)
  nbit_i4                       5 N-bit on a 32-bit signed type with
                                precision 12 at bit offset 2 (H5Pset_nbit via
                                ctypes: h5py has no call for it)
  nbit_u2                       N-bit on a 16-bit unsigned type, precision 7
  szip_nn_f4, szip_nn_i2        4 SZIP (libaec), nearest-neighbour coding,
                                8 and 16 pixels per block
  szip_ec_f4                    SZIP entropy coding, 16 pixels per block
  zfp_reversible_f4             32013 ZFP, reversible (lossless) mode
  zfp_rate_f8                   ZFP fixed rate 16 (lossy in general; exact for these values)

verify() reads every dataset back (h5py; numcodecs for the zstd chunks),
stops on any difference and checks that only lzf_mask_i4 has chunks a
filter skipped.

Usage: /usr/bin/python3 h5_plugin_filters.py OUT.h5   (run under faketime for stable bytes)
"""
import ctypes
import sys

import h5py
import hdf5plugin
import numcodecs
import numpy as np

from h5lib import loaded_libhdf5

GRID = (19, 23)
CHUNKS = (8, 10)
KW = dict(chunks=CHUNKS, track_times=False)
BLOSC_SHUFFLES = {hdf5plugin.Blosc.NOSHUFFLE: "noshuffle", hdf5plugin.Blosc.SHUFFLE: "shuffle",
                  hdf5plugin.Blosc.BITSHUFFLE: "bitshuffle"}
ZSTD_LEVEL = 3


def grid(dtype, periodic=False):
    """Distinct values (floats with fractional parts), or with periodic=True
    a row pattern of period 3 that byte-oriented LZ compressors without a
    shuffle can shrink even in 160-byte chunks (distinct values cannot, and
    an optional filter that fails leaves the chunk raw with its mask bit set).
    Rows and chunks still differ from each other."""
    i, j = np.indices(GRID)
    n = i * 7 + j % 3 * 2 + j // 10 * 100 if periodic else i * GRID[1] + j
    if np.dtype(dtype).kind == "f":
        return (n * 0.25 - 40).astype(dtype)
    return (n * 3 - 300).astype(dtype)


def suffix(dtype):
    return np.dtype(dtype).str[1:]


def plain_specs():
    """(name, dtype, periodic data?, create_dataset filter arguments) of the
    datasets written with the high-level API in one go."""
    specs = []
    for cname in ("blosclz", "lz4", "lz4hc", "zlib", "zstd"):
        for shuffle, sname in BLOSC_SHUFFLES.items():
            for dt in ("<f4", "<i2") if cname in ("lz4", "zstd") else ("<f4",):
                specs.append((f"blosc_{cname}_{sname}_{suffix(dt)}", dt, shuffle == hdf5plugin.Blosc.NOSHUFFLE,
                              hdf5plugin.Blosc(cname=cname, clevel=5, shuffle=shuffle)))
    for dt in ("<f4", "<i2"):
        s = suffix(dt)
        specs += [
            (f"lz4_{s}", dt, True, hdf5plugin.LZ4(nbytes=0)),
            (f"bzip2_{s}", dt, False, hdf5plugin.BZip2(blocksize=9)),
            (f"bitshuffle_lz4_{s}", dt, False, hdf5plugin.Bitshuffle(nelems=0, cname="lz4")),
            (f"bitshuffle_{s}", dt, False, hdf5plugin.Bitshuffle(nelems=0, cname="none")),
            (f"lzf_{s}", dt, True, dict(compression="lzf")),
        ]
    specs += [
        ("lz4_blocks_f4", "<f4", True, hdf5plugin.LZ4(nbytes=128)),
        ("shuffle_lzf_i4", "<i4", False, dict(compression="lzf", shuffle=True)),
        ("scaleoffset_i4", "<i4", False, dict(scaleoffset=0)),
        ("scaleoffset_f4", "<f4", False, dict(scaleoffset=2)),
        ("zfp_reversible_f4", "<f4", False, hdf5plugin.Zfp(reversible=True)),
        ("zfp_rate_f8", "<f8", False, hdf5plugin.Zfp(rate=16)),
    ]
    if h5py.h5z.filter_avail(h5py.h5z.FILTER_SZIP):
        specs += [
            ("szip_nn_f4", "<f4", False, dict(compression="szip", compression_opts=("nn", 8))),
            ("szip_nn_i2", "<i2", False, dict(compression="szip", compression_opts=("nn", 16))),
            ("szip_ec_f4", "<f4", False, dict(compression="szip", compression_opts=("ec", 16))),
        ]
    return specs


def zstd_direct(f, name, data):
    """Declares 32015 as an optional filter (libhdf5 accepts a filter it
    cannot load that way) and writes chunks compressed here."""
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(CHUNKS)
    dcpl.set_obj_track_times(False)
    dcpl.set_filter(hdf5plugin.ZSTD_ID, h5py.h5z.FLAG_OPTIONAL, (ZSTD_LEVEL,))
    h5py.h5d.create(f.id, name.encode(), h5py.h5t.py_create(data.dtype), h5py.h5s.create_simple(GRID), dcpl=dcpl)
    ds = f[name]
    codec = numcodecs.Zstd(level=ZSTD_LEVEL)
    for i in range(0, GRID[0], CHUNKS[0]):
        for j in range(0, GRID[1], CHUNKS[1]):
            block = np.zeros(CHUNKS, data.dtype)  # edge chunks are stored full size
            part = data[i:i + CHUNKS[0], j:j + CHUNKS[1]]
            block[:part.shape[0], :part.shape[1]] = part
            ds.id.write_direct_chunk((i, j), codec.encode(block.tobytes()))


def mask_data():
    """16 x 20 in 8 x 10 chunks; chunks (0,1) and (1,0) are random bytes."""
    data = np.tile(np.arange(10, dtype="<i4") % 3 * 1000, (16, 2)) + np.arange(16, dtype="<i4")[:, None]
    noise = np.random.RandomState(20200101).randint(-2**31, 2**31 - 1, size=(8, 10), dtype="<i4")
    data[0:8, 10:20] = noise
    data[8:16, 0:10] = noise[::-1]
    return data


def nbit_specs():
    """(name, base type, precision, bit offset, values)."""
    return [
        ("nbit_i4", h5py.h5t.STD_I32LE, 12, 2, grid("<i4") * 2),  # -600..2016 fit in 12 signed bits
        ("nbit_u2", h5py.h5t.STD_U16LE, 7, 0, grid("<i2", periodic=True).astype("<u2") % 128),
    ]


def nbit(f):
    """N-bit packs the significant bits of a type whose precision is below
    its size: h5py can ask for neither, so the type goes through the
    low-level API (precision, offset) and the filter through ctypes."""
    lib = loaded_libhdf5()
    lib.H5Pset_nbit.argtypes = [ctypes.c_int64]
    for name, base, precision, offset, data in nbit_specs():
        tid = base.copy()
        tid.set_precision(precision)
        tid.set_offset(offset)
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk(CHUNKS)
        dcpl.set_obj_track_times(False)
        if lib.H5Pset_nbit(dcpl.id) < 0:
            raise RuntimeError("H5Pset_nbit failed")
        h5py.h5d.create(f.id, name.encode(), tid, h5py.h5s.create_simple(GRID), dcpl=dcpl)
        f[name][...] = data


def scaleoffset_fill():
    want = grid("<i2")
    want[16:, :] = -999
    return want


def write(f):
    for name, dt, periodic, filters in plain_specs():
        f.create_dataset(name, data=grid(dt, periodic), **filters, **KW)
    zstd_direct(f, "zstd_f4", grid("<f4"))
    zstd_direct(f, "zstd_i2", grid("<i2"))
    # LZF is optional: chunks it cannot shrink are stored raw, mask bit 0 set.
    f.create_dataset("lzf_mask_i4", data=mask_data(), chunks=(8, 10), compression="lzf", track_times=False)
    d = f.create_dataset("scaleoffset_i2_fill", shape=GRID, dtype="<i2", scaleoffset=0, fillvalue=-999, **KW)
    d[:16, :] = grid("<i2")[:16, :]  # chunk row 2 is never written: fill
    nbit(f)


def zstd_read(ds):
    got = np.zeros(GRID, ds.dtype)
    codec = numcodecs.Zstd()
    for i in range(0, GRID[0], CHUNKS[0]):
        for j in range(0, GRID[1], CHUNKS[1]):
            _, raw = ds.id.read_direct_chunk((i, j))
            block = np.frombuffer(codec.decode(raw), ds.dtype).reshape(CHUNKS)
            got[i:i + CHUNKS[0], j:j + CHUNKS[1]] = block[:GRID[0] - i, :GRID[1] - j]
    return got


def verify(path):
    """Every dataset reads back as written; only lzf_mask_i4 has raw chunks."""
    want = {name: grid(dt, periodic) for name, dt, periodic, _ in plain_specs()}
    want.update({name: data for name, _, _, _, data in nbit_specs()})
    want.update(zstd_f4=grid("<f4"), zstd_i2=grid("<i2"), lzf_mask_i4=mask_data(),
                scaleoffset_i2_fill=scaleoffset_fill())
    with h5py.File(path, "r") as f:
        if sorted(f) != sorted(want):
            raise SystemExit(f"datasets {sorted(f)}, want {sorted(want)}")
        for name, ds in f.items():
            got = zstd_read(ds) if name.startswith("zstd_") else ds[()]
            w = want[name]
            if name == "zfp_rate_f8":
                ok = np.allclose(got, w, atol=0.01)  # lossy
            else:
                ok = got.dtype == w.dtype.newbyteorder("=") and np.array_equal(got, w)
            if not ok:
                raise SystemExit(f"{name}: read back differs from what was written")
            masks = [ds.id.get_chunk_info(k).filter_mask for k in range(ds.id.get_num_chunks())]
            if name == "lzf_mask_i4":
                if masks != [0, 1, 1, 0]:
                    raise SystemExit(f"{name}: filter masks {masks}, want chunks 1 and 2 raw")
            elif any(masks):
                raise SystemExit(f"{name}: filter masks {masks}: a filter gave up on a chunk")


def main(out):
    with h5py.File(out, "w", libver="latest") as f:
        write(f)
    verify(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
