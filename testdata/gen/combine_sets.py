"""Inputs for `gokerchunk combine`: small netCDF-4 files in sets that either
combine along time (ensemble/: along member and time) into one dataset or
must be refused. What each set is for and what combine must do with it:
../fixtures/combine/README.md.

Every file is a few KB (lat 2-4, lon 3-5). Values are seeded, so the output
is byte-identical run to run under faketime. After writing, each file is read
back with netCDF4-python and its chunking, units and values are checked
against what was meant; a difference fails the generator.

Usage: /usr/bin/python3 combine_sets.py OUTDIR   (OUTDIR = testdata/fixtures/combine,
       run under faketime for stable bytes)
"""
import os
import sys

import cftime
import netCDF4
import numpy as np

TAS_FILL = np.float32(1e20)
PR_FILL = np.int16(-32767)
# Packing attributes are doubles (as ERA5 writes them): reference JSON carries
# attributes as JSON numbers, and doubles keep the unpacked values independent
# of how a float32 attribute is rounded on the way.
PR_SCALE = 0.01
PR_OFFSET = 1.0


class Written:
    """What a file was meant to hold, for the read-back check."""

    def __init__(self, path):
        self.path = path
        self.chunks = {}  # variable -> chunk shape, or "contiguous"
        self.values = {}  # variable -> unpacked values (masked where missing)
        self.attrs = {}  # variable -> {name: value}


def grid(ds, nlat, nlon, w):
    ds.createDimension("lat", nlat)
    ds.createDimension("lon", nlon)
    lat = ds.createVariable("lat", "f4", ("lat",))
    lat.standard_name = "latitude"
    lat.units = "degrees_north"
    lat.axis = "Y"
    lon = ds.createVariable("lon", "f4", ("lon",))
    lon.standard_name = "longitude"
    lon.units = "degrees_east"
    lon.axis = "X"
    lat[:] = w.values["lat"] = np.linspace(-45, 45, nlat, dtype="f4")
    lon[:] = w.values["lon"] = (np.arange(nlon) * (360 / nlon)).astype("f4")
    w.chunks["lat"] = w.chunks["lon"] = "contiguous"


def time_axis(ds, units, values, w, calendar="standard", unlimited=True, bounds=None):
    """A CF time coordinate; bounds = (start, end) arrays in the same units
    add time_bnds(time, nv) chunked (1, 2) as CMOR writes it."""
    ds.createDimension("time", None if unlimited else len(values))
    t = ds.createVariable("time", "f8", ("time",))
    t.standard_name = "time"
    t.units = units
    t.calendar = calendar
    t.axis = "T"
    t[:] = w.values["time"] = np.asarray(values, "f8")
    w.attrs["time"] = {"units": units, "calendar": calendar}
    w.chunks["time"] = "chunked" if unlimited else "contiguous"
    if bounds is not None:
        t.bounds = "time_bnds"
        ds.createDimension("nv", 2)
        b = ds.createVariable("time_bnds", "f8", ("time", "nv"), chunksizes=(1, 2))
        b[:] = w.values["time_bnds"] = np.stack(bounds, axis=1).astype("f8")
        w.chunks["time_bnds"] = (1, 2)


def tas_var(ds, values, chunks, w, missing=(), **storage):
    """Near-surface air temperature, float32 with _FillValue; `missing` lists
    (t, y, x) points written as fill."""
    if chunks == "contiguous":
        v = ds.createVariable("tas", "f4", ("time", "lat", "lon"), contiguous=True, fill_value=TAS_FILL)
    else:
        v = ds.createVariable("tas", "f4", ("time", "lat", "lon"), chunksizes=chunks,
                              fill_value=TAS_FILL, **storage)
    v.standard_name = "air_temperature"
    v.long_name = "Near-Surface Air Temperature"
    v.units = "K"
    v.cell_methods = "time: mean"
    data = np.ma.masked_array(np.asarray(values, "f4"), mask=False)
    for p in missing:
        data[p] = np.ma.masked
    v[:] = data
    w.values["tas"] = data
    w.chunks["tas"] = chunks


def pr_var(ds, values, chunks, w, scale=PR_SCALE, missing=()):
    """Precipitation packed into int16: scale_factor, add_offset, _FillValue."""
    v = ds.createVariable("pr", "i2", ("time", "lat", "lon"), chunksizes=chunks,
                          zlib=True, complevel=1, fill_value=PR_FILL)
    v.standard_name = "precipitation_amount"
    v.units = "mm"
    v.scale_factor = np.float64(scale)
    v.add_offset = np.float64(PR_OFFSET)
    packed = np.round((np.asarray(values, "f8") - PR_OFFSET) / scale)
    data = np.ma.masked_array(packed * scale + PR_OFFSET, mask=False)
    for p in missing:
        data[p] = np.ma.masked
    v[:] = data  # netCDF4-python packs with the attributes above
    w.values["pr"] = data
    w.chunks["pr"] = chunks
    w.attrs["pr"] = {"scale_factor": scale, "add_offset": PR_OFFSET}


def globals_(ds, history):
    ds.Conventions = "CF-1.8"
    ds.title = "gokerchunk combine fixture"
    ds.source = "testdata/gen/combine_sets.py (random fields, not observations)"
    ds.history = history  # differs per file


def field(rng, shape, mean, spread):
    return np.round(mean + spread * rng.standard_normal(shape), 2)


# --- monthly/: three months of daily steps, noleap, units differ per file ---

def monthly(out):
    """Jan, Feb, Mar 2000 in the noleap calendar: Feb has 28 days although
    2000 is a leap year in the standard calendar, so "hours since
    2000-03-01" is day 59 of "days since 2000-01-01" in noleap, 60 in
    standard - a combiner that converts with the wrong calendar is one day
    off for March."""
    rng = np.random.RandomState(200001)
    nlat, nlon = 3, 5
    orog = np.round(rng.uniform(0, 3000, (nlat, nlon)), 1).astype("f4")
    months = [
        ("200001", 31, "days since 2000-01-01", 1.0),
        ("200002", 28, "days since 2000-02-01 00:00:00", 1.0),
        ("200003", 31, "hours since 2000-03-01", 24.0),
    ]
    written = []
    for i, (ym, ndays, units, step) in enumerate(months):
        w = Written(os.path.join(out, f"atmos_day_{ym}.nc"))
        with netCDF4.Dataset(w.path, "w", format="NETCDF4") as ds:
            globals_(ds, f"2020-01-01T00:00:00Z combine_sets.py monthly {ym}")
            ds.frequency = "day"
            start = np.arange(ndays) * step
            time_axis(ds, units, start, w, calendar="noleap", bounds=(start, start + step))
            grid(ds, nlat, nlon, w)
            shape = (ndays, nlat, nlon)
            tas_var(ds, field(rng, shape, 280, 5), (1, nlat, nlon), w,
                    missing=[(3, 1, 2)] if i == 1 else [], zlib=True, complevel=4, shuffle=True)
            # (1, 2, lon) on 3 latitudes: two chunks per step, the second a
            # partial edge chunk, so the grid has more than one chunk per step.
            pr_var(ds, np.abs(field(rng, shape, 3, 4)) + PR_OFFSET, (1, 2, nlon), w,
                   missing=[(0, 0, 0), (ndays - 1, 2, 4)])
            o = ds.createVariable("orog", "f4", ("lat", "lon"))
            o.standard_name = "surface_altitude"
            o.units = "m"
            o[:] = w.values["orog"] = orog
            w.chunks["orog"] = "contiguous"
        written.append(w)
    return written


# --- daily/: four 3-hourly days, chunks 8 and 4 along time, one contiguous ---

def daily(out):
    rng = np.random.RandomState(20010101)
    nlat, nlon = 4, 4
    written = []
    for day in range(1, 5):
        date = f"2001-01-{day:02d}"
        w = Written(os.path.join(out, f"atmos_3hr_200101{day:02d}.nc"))
        with netCDF4.Dataset(w.path, "w", format="NETCDF4") as ds:
            globals_(ds, f"2020-01-01T00:00:00Z combine_sets.py daily {date}")
            ds.frequency = "3hr"
            time_axis(ds, f"hours since {date} 00:00:00", np.arange(8) * 3.0, w, unlimited=False)
            grid(ds, nlat, nlon, w)
            shape = (8, nlat, nlon)
            tas_var(ds, field(rng, shape, 275, 3), (8, nlat, nlon), w, zlib=True, complevel=4, shuffle=True)
            uas = ds.createVariable("uas", "f4", ("time", "lat", "lon"), chunksizes=(4, nlat, nlon))
            uas.standard_name = "eastward_wind"
            uas.units = "m s-1"
            uas[:] = w.values["uas"] = field(rng, shape, 2, 4).astype("f4")
            w.chunks["uas"] = (4, nlat, nlon)
            # Contiguous: the scanner gives it one chunk = the whole (8, lat,
            # lon) array, which lines up along time like a chunk of 8.
            ps = ds.createVariable("ps", "f4", ("time", "lat", "lon"), contiguous=True)
            ps.standard_name = "surface_air_pressure"
            ps.units = "Pa"
            ps[:] = w.values["ps"] = field(rng, shape, 101325, 500).astype("f4")
            w.chunks["ps"] = "contiguous"
        written.append(w)
    return written


# --- sets combine must refuse ------------------------------------------------

def simple_tas(path, units, values, chunks, rng, history, nlat=3, nlon=4, pr_scale=None):
    """A small file with tas (and pr when pr_scale is given)."""
    w = Written(path)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        globals_(ds, history)
        time_axis(ds, units, values, w, unlimited=False)
        grid(ds, nlat, nlon, w)
        shape = (len(values), nlat, nlon)
        tas_var(ds, field(rng, shape, 280, 5), chunks, w, zlib=True, complevel=4, shuffle=True)
        if pr_scale is not None:
            pr_var(ds, np.abs(field(rng, shape, 3, 4)) + PR_OFFSET, chunks, w, scale=pr_scale)
    return w


def misaligned(out):
    rng = np.random.RandomState(5)
    written = []
    # length/: 5 steps per file, chunks of 2: the first file ends inside a
    # chunk, so the second file's chunks cannot continue the grid.
    d = os.path.join(out, "length")
    os.makedirs(d, exist_ok=True)
    for first in (0, 5):
        name = f"tas_day_200101{first + 1:02d}-200101{first + 5:02d}.nc"
        written.append(simple_tas(os.path.join(d, name), "days since 2001-01-01",
                                  np.arange(first, first + 5, dtype="f8"), (2, 3, 4), rng,
                                  f"2020-01-01T00:00:00Z combine_sets.py misaligned/length {name}"))
    # chunks/: 8 steps each, chunked 4 along time in one file, 8 in the other.
    d = os.path.join(out, "chunks")
    os.makedirs(d, exist_ok=True)
    for first, tchunk in ((0, 4), (8, 8)):
        name = f"tas_day_200101{first + 1:02d}-200101{first + 8:02d}.nc"
        written.append(simple_tas(os.path.join(d, name), "days since 2001-01-01",
                                  np.arange(first, first + 8, dtype="f8"), (tchunk, 3, 4), rng,
                                  f"2020-01-01T00:00:00Z combine_sets.py misaligned/chunks {name}"))
    return written


def duplicate(out):
    """Jan 1-4, Jan 5-8 and Jan 8-11: the last two share 2001-01-08. Units
    differ per file, so raw values overlap between every pair (all start at
    0) while only the decoded dates of the last two collide."""
    rng = np.random.RandomState(8)
    files = [
        ("tas_day_20010101-20010104.nc", "days since 2001-01-01", np.arange(4.0)),
        ("tas_day_20010105-20010108.nc", "days since 2001-01-05", np.arange(4.0)),
        ("tas_day_20010108-20010111.nc", "hours since 2001-01-08", np.arange(4.0) * 24),
    ]
    return [simple_tas(os.path.join(out, name), units, values, (1, 3, 4), rng,
                       f"2020-01-01T00:00:00Z combine_sets.py duplicate {name}")
            for name, units, values in files]


def scale(out):
    """pr packed with scale_factor 0.01 in one file and 0.02 in the other:
    concatenating the packed integers under either attribute is wrong."""
    rng = np.random.RandomState(2)
    return [simple_tas(os.path.join(out, name), "days since 2001-01-01", np.arange(first, first + 3.0),
                       (1, 3, 4), rng, f"2020-01-01T00:00:00Z combine_sets.py scale {name}", pr_scale=s)
            for name, first, s in (("atmos_day_20010101-20010103.nc", 0, 0.01),
                                   ("atmos_day_20010104-20010106.nc", 3, 0.02))]


# --- filename/: the time step comes from the file name or an attribute ------

def no_time_coord(path, rng, history, valid_time=None):
    """One step along a time dimension of length 1 without a coordinate
    variable (netCDF-4 keeps a hidden dimension-scale placeholder)."""
    w = Written(path)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        globals_(ds, history)
        if valid_time is not None:
            ds.valid_time = valid_time
        ds.createDimension("time", 1)
        grid(ds, 3, 4, w)
        tas_var(ds, field(rng, (1, 3, 4), 280, 5), (1, 3, 4), w, zlib=True, complevel=4, shuffle=True)
    return w


def filename(out):
    rng = np.random.RandomState(11)
    written = []
    d = os.path.join(out, "regex")
    os.makedirs(d, exist_ok=True)
    for day in (1, 2, 3):
        name = f"obs_200101{day:02d}.nc"
        written.append(no_time_coord(os.path.join(d, name), rng,
                                     f"2020-01-01T00:00:00Z combine_sets.py filename/regex {name}"))
    # attr/: the date is only in the global attribute valid_time; name order
    # (a, b, c) is not time order (Jan 3, 1, 2).
    d = os.path.join(out, "attr")
    os.makedirs(d, exist_ok=True)
    for name, day in (("obs_a.nc", 3), ("obs_b.nc", 1), ("obs_c.nc", 2)):
        written.append(no_time_coord(os.path.join(d, name), rng,
                                     f"2020-01-01T00:00:00Z combine_sets.py filename/attr {name}",
                                     valid_time=f"2001-01-{day:02d}T00:00:00"))
    return written


# --- ensemble/: members x months, for two concat dims ------------------------

ENSEMBLE_MEMBERS = (1, 2, 3)
# (yyyymm, days, time units, time step in those units): units differ between
# months (days and hours, each month's own epoch or January's), so combine
# must harmonise time; the same units in every member.
ENSEMBLE_MONTHS = (
    ("200001", 31, "days since 2000-01-01", 1.0),
    ("200002", 29, "hours since 2000-02-01", 24.0),
    ("200003", 31, "days since 2000-03-01 00:00:00", 1.0),
    ("200004", 30, "days since 2000-01-01", 1.0),  # starts at 91
)


def ensemble_member_id(member):
    """The global attribute member_id: not the number in the file name, so a
    set made with --new-dim member=attr:member_id differs from one made with
    regex on the name (same order)."""
    return 100 + member


def ensemble_file(path, member, month, rng, member_dim):
    """One member-month: daily means (time at noon, bounds at midnight) on a
    2 x 3 grid, standard calendar (2000 is a leap year: February has 29
    days). With member_dim, tas and pr have a leading length-1 member
    dimension with a coordinate variable member (int32); time, time_bnds,
    lat and lon do not."""
    ym, ndays, units, step = month
    nlat, nlon = 2, 3
    w = Written(path)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as ds:
        globals_(ds, f"2020-01-01T00:00:00Z combine_sets.py ensemble m{member:02d} {ym}")
        ds.frequency = "day"
        ds.member_id = np.int32(ensemble_member_id(member))
        origin = 91.0 if ym == "200004" else 0.0  # April in days since January
        start = origin + np.arange(ndays) * step
        time_axis(ds, units, start + step / 2, w, unlimited=False, bounds=(start, start + step))
        grid(ds, nlat, nlon, w)
        shape = (ndays, nlat, nlon)
        # Members differ: each its own mean, and the rng moves on per file.
        tas = field(rng, shape, 270 + 5 * member, 4)
        pr = np.abs(field(rng, shape, 2 + member, 3)) + PR_OFFSET
        tas_missing = [(2 * member, 0, member - 1)]
        pr_missing = [(0, 1, 2), (ndays - member, 0, 0)]
        if member_dim:
            ds.createDimension("member", 1)
            m = ds.createVariable("member", "i4", ("member",))
            m.long_name = "ensemble member"
            m[:] = w.values["member"] = np.array([member], "i4")
            dims = ("member", "time", "lat", "lon")
            tv = ds.createVariable("tas", "f4", dims, chunksizes=(1, 1, nlat, nlon), fill_value=TAS_FILL)
            pv = ds.createVariable("pr", "i2", dims, chunksizes=(1, 1, nlat, nlon), fill_value=PR_FILL)
            tas, pr = tas[np.newaxis], pr[np.newaxis]
            tas_missing = [(0,) + p for p in tas_missing]
            pr_missing = [(0,) + p for p in pr_missing]
            w.chunks["tas"] = w.chunks["pr"] = (1, 1, nlat, nlon)
        else:
            tv = ds.createVariable("tas", "f4", ("time", "lat", "lon"), chunksizes=(1, nlat, nlon),
                                   fill_value=TAS_FILL)
            pv = ds.createVariable("pr", "i2", ("time", "lat", "lon"), chunksizes=(1, nlat, nlon),
                                   fill_value=PR_FILL)
            w.chunks["tas"] = w.chunks["pr"] = (1, nlat, nlon)
        tv.standard_name = "air_temperature"
        tv.units = "K"
        tv.cell_methods = "time: mean"
        data = np.ma.masked_array(tas.astype("f4"), mask=False)
        for p in tas_missing:
            data[p] = np.ma.masked
        tv[:] = w.values["tas"] = data
        pv.standard_name = "precipitation_amount"
        pv.units = "mm"
        pv.scale_factor = np.float64(PR_SCALE)
        pv.add_offset = np.float64(PR_OFFSET)
        packed = np.round((pr - PR_OFFSET) / PR_SCALE)
        data = np.ma.masked_array(packed * PR_SCALE + PR_OFFSET, mask=False)
        for p in pr_missing:
            data[p] = np.ma.masked
        pv[:] = w.values["pr"] = data
        w.attrs["pr"] = {"scale_factor": PR_SCALE, "add_offset": PR_OFFSET}
    return w


def ensemble(out):
    """ensemble/new_dim/ens_mMM_YYYYMM.nc (no member dimension: for
    --new-dim) and ensemble/member_dim/ensdim_mMM_YYYYMM.nc (the same values
    with a length-1 member dimension), 3 members x 4 months each. Both layouts draw the
    same numbers (same seed, same order)."""
    written = []
    for sub, prefix, member_dim in (("new_dim", "ens", False), ("member_dim", "ensdim", True)):
        d = os.path.join(out, sub)
        os.makedirs(d, exist_ok=True)
        rng = np.random.RandomState(2000)
        for member in ENSEMBLE_MEMBERS:
            for month in ENSEMBLE_MONTHS:
                # Base names differ between the layouts: scan of the whole
                # combine/ tree writes one flat sidecar per base name.
                path = os.path.join(d, f"{prefix}_m{member:02d}_{month[0]}.nc")
                written.append(ensemble_file(path, member, month, rng, member_dim))
    return written


# --- mixed/: an archive that moved from netCDF-3 to netCDF-4 ----------------

# (yyyymm, days, file format): January and February netCDF-3 (classic and
# 64-bit offset), March and April netCDF-4. 60 days in each format's files
# but one more in netCDF-4's, so combining all four keeps netCDF-4's layout
# and rewrites the netCDF-3 months, and combining the first three the other
# way round.
MIXED_MONTHS = [
    ("200001", 31, "NETCDF3_CLASSIC"),
    ("200002", 29, "NETCDF3_64BIT_OFFSET"),
    ("200003", 31, "NETCDF4"),
    ("200004", 30, "NETCDF4"),
]


def mixed(out):
    """One dataset in two formats: the netCDF-3 files store every variable
    big-endian and uncompressed, one record per chunk; the netCDF-4 ones
    little-endian, tas in chunks (1, 3, 2) with shuffle + deflate, pr (1, 2,
    4) deflated with a partial edge chunk, time_bnds (1, 2). Same variables,
    attributes, units and fill values (netCDF-3 ignores the chunking and
    compression arguments)."""
    rng = np.random.RandomState(200004)
    nlat, nlon = 3, 4
    written = []
    day0 = 0
    for ym, ndays, fmt in MIXED_MONTHS:
        w = Written(os.path.join(out, f"tas_day_{ym}.nc"))
        with netCDF4.Dataset(w.path, "w", format=fmt) as ds:
            globals_(ds, f"2020-01-01T00:00:00Z combine_sets.py mixed {ym} {fmt}")
            start = day0 + np.arange(ndays, dtype="f8")
            time_axis(ds, "days since 2000-01-01", start, w, bounds=(start, start + 1))
            grid(ds, nlat, nlon, w)
            shape = (ndays, nlat, nlon)
            tas_var(ds, field(rng, shape, 280, 5), (1, nlat, 2), w,
                    missing=[(2, 1, 3)], zlib=True, complevel=4, shuffle=True)
            pr_var(ds, np.abs(field(rng, shape, 3, 4)) + PR_OFFSET, (1, 2, nlon), w,
                   missing=[(0, 0, 0), (ndays - 1, 2, 3)])
        if fmt != "NETCDF4":
            w.chunks = {}  # netCDF-3 has no chunks to check
        written.append(w)
        day0 += ndays
    return written


# --- read-back ----------------------------------------------------------------

def verify(w):
    """Chunking, packing and values as meant, read back through libnetcdf."""
    with netCDF4.Dataset(w.path) as ds:
        for name, chunks in w.chunks.items():
            got = ds.variables[name].chunking()
            if chunks == "contiguous" and got != "contiguous":
                raise SystemExit(f"{w.path}: {name} stored {got}, want contiguous")
            if isinstance(chunks, tuple) and tuple(got) != chunks:
                raise SystemExit(f"{w.path}: {name} chunks {got}, want {chunks}")
        for name, want in w.values.items():
            got = ds.variables[name][...]  # unpacked and masked
            if not np.ma.allequal(got, want) or not np.array_equal(np.ma.getmaskarray(got),
                                                                  np.ma.getmaskarray(want)):
                raise SystemExit(f"{w.path}: {name} reads back different values")
        for name, attrs in w.attrs.items():
            for key, want in attrs.items():
                if ds.variables[name].getncattr(key) != want:
                    raise SystemExit(f"{w.path}: {name}:{key} = {ds.variables[name].getncattr(key)!r}")
        if "time" in ds.variables:
            t = ds.variables["time"]
            # Every file's first step decodes to a real date in its calendar.
            cftime.num2date(t[0], t.units, t.calendar)


def main(out):
    sets = {"monthly": monthly, "daily": daily, "misaligned": misaligned,
            "duplicate": duplicate, "scale": scale, "filename": filename,
            "ensemble": ensemble, "mixed": mixed}
    total = 0
    for name, make in sets.items():
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        for w in make(d):
            verify(w)
            total += 1
    print(f"combine_sets.py: {total} files in {len(sets)} sets under {out}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
