"""Writes h5_lzo.h5: datasets PyTables compresses with its LZO filter
(HDF5 filter 305, LZO1X-1 with PyTables' Adler-32 and length trailer,
src/H5Zlzo.c), for which numcodecs has no codec and Debian's libhdf5 no
plugin (only PyTables, which registers the filter itself, reads them):

  /carray_f8      CArray float64 (40, 30) in (16, 10) chunks, lzo
  /carray_f8_shuf CArray float64 (40, 30) in (16, 10) chunks, shuffle + lzo
  /earray_i4      EArray int32 grown to (50, 6) in (8, 6) chunks, lzo
                  (its last chunk partly beyond the extent)
  /earray_i4_shuf the same with shuffle + lzo
  /table          Table (compound rows: int32, float64, 4-byte string)
                  in chunks of 16 rows, lzo
  /group/random_u1 CArray uint8 (3000,) of random bytes (LZO cannot shrink
                  them: literal runs) in (1000,) chunks, lzo

Usage: /usr/bin/python3 h5_lzo.py OUT.h5   (run under faketime for stable bytes)
Needs python3-tables (PyTables 3.7 over liblzo2 2.10). Reads the file back
and fails on a difference.
"""
import sys
import warnings

import numpy as np
import tables


class Row(tables.IsDescription):
    id = tables.Int32Col(pos=0)
    value = tables.Float64Col(pos=1)
    tag = tables.StringCol(4, pos=2)


def main(path):
    warnings.simplefilter("ignore")
    assert tables.which_lib_version("lzo") is not None, "PyTables was built without LZO"
    lzo = tables.Filters(complevel=5, complib="lzo", shuffle=False)
    lzo_shuf = tables.Filters(complevel=5, complib="lzo", shuffle=True)
    rng = np.random.default_rng(20261206)
    x = np.arange(40 * 30).reshape(40, 30)
    f8 = np.round(np.sin(x / 50.0) * 1000) / 8 + x // 30
    i4 = (np.arange(50 * 6).reshape(50, 6) // 5 - 40).astype("<i4")
    u1 = rng.integers(0, 256, 3000, dtype=np.uint8)
    want = {}
    with tables.open_file(path, "w", title="PyTables LZO") as f:
        for name, flt in (("carray_f8", lzo), ("carray_f8_shuf", lzo_shuf)):
            a = f.create_carray("/", name, tables.Float64Atom(), shape=f8.shape, chunkshape=(16, 10), filters=flt)
            a[:] = f8
            want["/" + name] = f8
        for name, flt in (("earray_i4", lzo), ("earray_i4_shuf", lzo_shuf)):
            e = f.create_earray("/", name, tables.Int32Atom(), shape=(0, 6), chunkshape=(8, 6), filters=flt)
            for i in range(0, 50, 20):
                e.append(i4[i : i + 20])
            want["/" + name] = i4
        t = f.create_table("/", "table", Row, filters=lzo, chunkshape=(16,))
        r = t.row
        for i in range(37):
            r["id"], r["value"], r["tag"] = i - 5, i * 0.25, b"t%d" % (i % 7)
            r.append()
        t.flush()
        want["/table"] = t.read()
        g = f.create_group("/", "group")
        a = f.create_carray(g, "random_u1", tables.UInt8Atom(), shape=u1.shape, chunkshape=(1000,), filters=lzo)
        a[:] = u1
        want["/group/random_u1"] = u1
    with tables.open_file(path) as f:
        for name, w in want.items():
            node = f.get_node(name)
            assert node.filters.complib == "lzo", (name, node.filters)
            got = node.read()
            assert got.dtype == w.dtype and np.array_equal(got, w), name


if __name__ == "__main__":
    main(sys.argv[1])
