"""h5_zfp.h5: the HDF5 zfp filter (H5Z-ZFP, 32013) beyond the two datasets of
h5_plugin_filters.h5: every mode, header length, scalar type and
dimensionality, filters after zfp, chunks zfp skipped and never-written
chunks (h5py libver='latest': fixed-array chunk indexes, filter pipeline
message v2).

H5Z-ZFP stores each chunk as a zfp stream without a header; the header (the
scalar type, the chunk's non-unit dimensions, the mode) is in the filter's
cd_values. Values are smooth (sin/cos of the index) so that the lossy modes
keep most of them; every reader decodes the same stream, so the lossy
datasets read the same everywhere.

  expert_f8            (19,23) f8 in (8,10): expert mode (minbits 64,
                       maxbits 1500, maxprec 40, minexp -30), which no 12-bit
                       mode code covers: a 148-bit header in 5 cd_values
                       words, not a whole number of bytes
  accuracy_3d_f4       (3,19,23) f4 in (1,8,10): fixed accuracy 0.01; the
                       unit axis is not in the zfp field (8 x 10)
  precision_i4         (40,) i4 in (16,): fixed precision 24, 1-d
  reversible_i8_4d     (5,6,7,9) i8 in (4,4,4,5): reversible, 4-d
  reversible_u4        (19,23) u4 in (8,10): reversible; H5Z-ZFP codes
                       unsigned 32-bit integers as zfp int32
  rate_fletcher32_f4   (19,23) f4 in (8,10): fixed rate 8, then fletcher32
                       (pipeline [zfp, fletcher32])
  rate_deflate_f8      (19,23) f8 in (8,10): fixed rate 12, then deflate 4
                       (pipeline [zfp, deflate], low-level dcpl)
  mask_f4              (16,20) f4 in (8,10): reversible; chunk (0,1) written
                       raw with write_direct_chunk and filter mask 0b1 (zfp
                       skipped)
  fill_f4              (19,23) f4 in (8,10): fixed rate 16, fill value
                       -999.5, only chunk row 0 written

verify() reads every dataset back with h5py, stops on a difference (the
lossy ones within their error), and checks the filter masks and the
header lengths.

Usage: /usr/bin/python3 h5_zfp.py OUT.h5   (run under faketime for stable bytes)
"""
import sys

import h5py
import hdf5plugin
import numpy as np

CHUNKS = (8, 10)
KW = dict(track_times=False)
ZFP = hdf5plugin.FILTERS["zfp"]


def smooth(shape, dtype, scale=100.0):
    idx = np.indices(shape, dtype="f8")
    v = sum(np.sin(i / (5.0 + k)) * scale + i / 3 for k, i in enumerate(idx))
    return v.astype(dtype)


def ints(shape, dtype):
    """Smooth values times 1000; unsigned ones above 2^31, which zfp's
    int32 sees as negative."""
    v = np.round(smooth(shape, "<f8") * 1000)
    if np.dtype(dtype).kind == "u":
        v += 3000000000
    return v.astype(dtype)


# name: (data, chunks, filter keywords, lossy tolerance or 0 for exact)
def specs():
    return {
        "expert_f8": (smooth((19, 23), "<f8"), CHUNKS,
                      hdf5plugin.Zfp(minbits=64, maxbits=1500, maxprec=40, minexp=-30), 1e-6),
        "accuracy_3d_f4": (smooth((3, 19, 23), "<f4"), (1, 8, 10), hdf5plugin.Zfp(accuracy=0.01), 0.01),
        "precision_i4": (ints((40,), "<i4"), (16,), hdf5plugin.Zfp(precision=24), 1e6),
        "reversible_i8_4d": (ints((5, 6, 7, 9), "<i8"), (4, 4, 4, 5), hdf5plugin.Zfp(reversible=True), 0),
        "reversible_u4": (ints((19, 23), "<u4"), CHUNKS, hdf5plugin.Zfp(reversible=True), 0),
        "rate_fletcher32_f4": (smooth((19, 23), "<f4"), CHUNKS, dict(hdf5plugin.Zfp(rate=8), fletcher32=True), 1),
        "mask_f4": (smooth((16, 20), "<f4"), CHUNKS, hdf5plugin.Zfp(reversible=True), 0),
    }


def rate_deflate(f):
    """zfp then deflate: h5py's create_dataset takes one compression filter,
    so the pipeline is built on a dataset creation property list."""
    data = smooth((19, 23), "<f8")
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk(CHUNKS)
    dcpl.set_obj_track_times(False)
    dcpl.set_filter(ZFP, h5py.h5z.FLAG_OPTIONAL, hdf5plugin.Zfp(rate=12).filter_options)
    dcpl.set_deflate(4)
    h5py.h5d.create(f.id, b"rate_deflate_f8", h5py.h5t.IEEE_F64LE, h5py.h5s.create_simple(data.shape), dcpl=dcpl)
    f["rate_deflate_f8"][...] = data
    return data


def write(f):
    for name, (data, chunks, flt, _) in specs().items():
        f.create_dataset(name, data=data, chunks=chunks, **flt, **KW)
    # Chunk (0,1) of mask_f4 stored as it is, zfp skipped (mask bit 0).
    raw = np.ascontiguousarray(specs()["mask_f4"][0][0:8, 10:20])
    f["mask_f4"].id.write_direct_chunk((0, 10), raw.tobytes(), filter_mask=1)
    rate_deflate(f)
    d = f.create_dataset("fill_f4", shape=(19, 23), dtype="<f4", chunks=CHUNKS, fillvalue=-999.5,
                         **hdf5plugin.Zfp(rate=16), **KW)
    d[0:8, :] = smooth((19, 23), "<f4")[0:8, :]


def verify(path):
    want = {name: (data, tol) for name, (data, _, _, tol) in specs().items()}
    want["rate_deflate_f8"] = (smooth((19, 23), "<f8"), 1)
    fill = np.full((19, 23), -999.5, "<f4")
    fill[0:8, :] = smooth((19, 23), "<f4")[0:8, :]
    want["fill_f4"] = (fill, 0.1)
    with h5py.File(path, "r") as f:
        if sorted(f) != sorted(want):
            raise SystemExit(f"datasets {sorted(f)}, want {sorted(want)}")
        for name, ds in f.items():
            data, tol = want[name]
            got = ds[()]
            ok = got.dtype == data.dtype and got.shape == data.shape
            ok = ok and (np.array_equal(got, data) if tol == 0 else np.allclose(got, data, atol=tol, rtol=0))
            if not ok:
                raise SystemExit(f"{name}: read back differs from what was written")
            dcpl = ds.id.get_create_plist()
            cd = [list(dcpl.get_filter(i)[2]) for i in range(dcpl.get_nfilters()) if dcpl.get_filter(i)[0] == ZFP][0]
            words = 5 if name == "expert_f8" else 3  # 148- and 96-bit headers
            if len(cd) != 1 + words:
                raise SystemExit(f"{name}: {len(cd)} cd_values, want {1 + words}")
            masks = [ds.id.get_chunk_info(k).filter_mask for k in range(ds.id.get_num_chunks())]
            if name == "mask_f4":
                if masks != [0, 1, 0, 0]:
                    raise SystemExit(f"{name}: filter masks {masks}, want chunk 1 raw")
            elif any(masks):
                raise SystemExit(f"{name}: filter masks {masks}: a filter gave up on a chunk")
            if name == "fill_f4" and ds.id.get_num_chunks() != 3:
                raise SystemExit(f"{name}: {ds.id.get_num_chunks()} chunks written, want 3")


def main(out):
    with h5py.File(out, "w", libver="latest") as f:
        write(f)
    verify(out)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
