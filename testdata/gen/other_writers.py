"""Files written by two other HDF5 writers that real archives hold:

  h5netcdf_writer.nc   h5netcdf (netCDF-4 through h5py, not netCDF-C): an
                       unlimited time, gzip + shuffle, a string variable,
                       a coordinate, a subgroup, attributes of several types
  pytables_writer.h5   PyTables: a Table (compound rows, chunked, zlib), a
                       CArray with blosc:lz4 (PyTables' own blosc filter
                       build), an EArray grown along its first axis, a plain
                       Array, a VLArray (variable-length sequences: not
                       representable) and PyTables' bookkeeping attributes

Usage: /usr/bin/python3 other_writers.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys
import warnings

import h5netcdf
import h5py
import numpy as np
import tables


def h5netcdf_file(path):
    with h5netcdf.File(path, "w") as f:
        f.dimensions = {"time": None, "x": 6}
        f.resize_dimension("time", 4)
        x = f.create_variable("x", ("x",), "f8")
        x[:] = np.linspace(0, 1, 6)
        x.attrs["units"] = "m"
        v = f.create_variable("temp", ("time", "x"), "f4", chunks=(2, 3), compression="gzip",
                              compression_opts=4, shuffle=True, fillvalue=np.float32(-999))
        v[:] = np.arange(24, dtype="f4").reshape(4, 6) / 4
        v.attrs["long_name"] = "temperature"
        v.attrs["valid_range"] = np.array([-50, 50], "f4")
        names = f.create_variable("label", ("x",), h5py.string_dtype())
        names[:] = np.array(["a", "bb", "", "dddd", "é", "f"], object)
        g = f.create_group("sub")
        g.dimensions = {"y": 3}
        c = g.create_variable("counts", ("y",), "i2")
        c[:] = [1, -2, 3]
        f.attrs["title"] = "written by h5netcdf"


class Row(tables.IsDescription):
    id = tables.Int32Col(pos=0)
    name = tables.StringCol(8, pos=1)
    value = tables.Float64Col(pos=2)
    vec = tables.Float32Col(shape=(2,), pos=3)


def pytables_file(path):
    warnings.simplefilter("ignore")
    with tables.open_file(path, "w", title="written by PyTables") as f:
        t = f.create_table("/", "table", Row, filters=tables.Filters(complevel=5, complib="zlib"), chunkshape=(4,))
        r = t.row
        for i in range(10):
            r["id"], r["name"], r["value"], r["vec"] = i, f"row{i}".encode(), i * 0.5, (i, -i)
            r.append()
        t.flush()
        g = f.create_group("/", "arrays")
        f.create_carray(g, "blosc_lz4", obj=np.arange(60, dtype="i4").reshape(6, 10), chunkshape=(4, 4),
                        filters=tables.Filters(complevel=5, complib="blosc:lz4", shuffle=True))
        e = f.create_earray(g, "grown", tables.Float32Atom(), shape=(0, 3), chunkshape=(4, 3),
                            filters=tables.Filters(complevel=1, complib="zlib"))
        for k in range(3):
            e.append(np.arange(9, dtype="f4").reshape(3, 3) + 10 * k)
        f.create_array(g, "plain", obj=np.arange(5, dtype=">i8"))
        vl = f.create_vlarray(g, "ragged", tables.Int32Atom(), chunkshape=(4,))
        vl.append([1, 2, 3])
        vl.append([4])


def main(outdir):
    h5netcdf_file(os.path.join(outdir, "h5netcdf_writer.nc"))
    pytables_file(os.path.join(outdir, "pytables_writer.h5"))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
