"""Demo sample: three consecutive 5-day files of daily near-surface air
temperature on a 10 x 20 lat/lon grid, CF attributes, deflate + shuffle,
one chunk per time step - the shape of a typical archive to scan and combine
along time.

Usage: /usr/bin/python3 sample.py OUTDIR   (run under faketime for stable bytes)
"""
import os
import sys

import netCDF4
import numpy as np

DAYS_PER_FILE = 5
FILES = 3


def write(path, first_day, rng):
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        ds.title = "Synthetic daily near-surface air temperature"
        ds.institution = "gokerchunk test data"
        ds.source = "testdata/gen/sample.py (random field, not observations)"
        ds.Conventions = "CF-1.8"
        ds.createDimension("time", None)
        ds.createDimension("lat", 10)
        ds.createDimension("lon", 20)

        time = ds.createVariable("time", "f8", ("time",))
        time.standard_name = "time"
        time.units = "days since 2020-01-01 00:00:00"
        time.calendar = "standard"
        time.axis = "T"
        lat = ds.createVariable("lat", "f4", ("lat",))
        lat.standard_name = "latitude"
        lat.units = "degrees_north"
        lat.axis = "Y"
        lon = ds.createVariable("lon", "f4", ("lon",))
        lon.standard_name = "longitude"
        lon.units = "degrees_east"
        lon.axis = "X"
        tas = ds.createVariable("tas", "f4", ("time", "lat", "lon"), zlib=True, complevel=4,
                                shuffle=True, chunksizes=(1, 10, 20), fill_value=np.float32(1e20))
        tas.standard_name = "air_temperature"
        tas.long_name = "Near-Surface Air Temperature"
        tas.units = "K"
        tas.cell_methods = "time: mean"

        lats = np.linspace(-67.5, 67.5, 10, dtype="f4")
        lat[:] = lats
        lon[:] = np.arange(20, dtype="f4") * 18
        days = np.arange(first_day, first_day + DAYS_PER_FILE, dtype="f8")
        time[:] = days
        climate = 288 - 30 * np.sin(np.deg2rad(np.abs(lats)))[:, None] * np.ones((1, 20))
        noise = rng.normal(0, 2, (DAYS_PER_FILE, 10, 20))
        tas[:] = np.round(climate[None] + noise, 2).astype("f4")


def main(outdir):
    rng = np.random.RandomState(2020)
    for i in range(FILES):
        first = i * DAYS_PER_FILE
        write(os.path.join(outdir, f"tas_day_{20200101 + first}.nc"), first, rng)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
