"""nc4_groups.nc: netCDF-4 group structures.

Root holds 4 links (compact link messages). /sub/deeper nests two levels; a
variable in /sub uses the root dimension y and its own dimension z (its
DIMENSION_LIST points into the parent group). /dense9 has 9 variables and
/dense40 has 40, so netCDF-C stores their links densely (fractal heap +
v2 B-tree, name and creation-order indexes).

Usage: /usr/bin/python3 nc4_groups.py OUT.nc   (run under faketime for stable bytes)
"""
import sys

import netCDF4
import numpy as np


def main(out):
    with netCDF4.Dataset(out, "w", format="NETCDF4") as ds:
        ds.createDimension("y", 3)
        y = ds.createVariable("y", "f8", ("y",))
        y[:] = [0.5, 1.5, 2.5]
        y.units = "km"
        root = ds.createVariable("root_var", "i2", ("y",))
        root[:] = [1, 2, 3]

        sub = ds.createGroup("sub")
        sub.description = "nested group"
        sub.createDimension("z", 2)
        gz = sub.createVariable("gz", "f4", ("z", "y"))
        gz[:] = np.arange(6, dtype="f4").reshape(2, 3) - 2.5
        gz.long_name = "uses /sub/z and the parent's /y"

        deeper = sub.createGroup("deeper")
        deep = deeper.createVariable("deep_var", "i4", ("y",))
        deep[:] = [7, 8, 9]
        scalar = deeper.createVariable("deep_scalar", "f8", ())
        scalar[...] = 3.5

        for name, count in (("dense9", 9), ("dense40", 40)):
            g = ds.createGroup(name)
            for i in range(count):
                v = g.createVariable(f"v{i:02d}", "i4", ("y",))
                v[:] = np.arange(3, dtype="i4") + 100 * i


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
