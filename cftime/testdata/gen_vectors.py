#!/usr/bin/python3
"""Writes vectors.json: what Debian's python3-cftime (1.6.2) makes of CF
time units, so the Go package cftime is checked against it.

    /usr/bin/python3 cftime/testdata/gen_vectors.py > cftime/testdata/vectors.json

Sections (every entry names its units string and calendar attribute):
  units:       the reference time cftime reads (str of num2date(0, ...)),
               or the name of the exception it raises;
  dates:       values -> str(num2date(v, units, calendar)), null on error;
  conversions: values in one units -> date2num(num2date(v, a), b), with
               whether cftime returned an integer (the span divides).

The random cases use a fixed seed, so the output is the same on every run.
"""
import fractions
import json
import random
import sys
import warnings

import cftime

assert cftime.__version__ == "1.6.2", cftime.__version__
warnings.simplefilter("ignore")  # CFWarning for years < 1 in real-world calendars

CALENDARS = ["standard", "proleptic_gregorian", "julian", "noleap", "all_leap", "360_day"]
ALIASES = ["gregorian", "365_day", "366_day", "Standard", "NOLEAP"]
FACTORS = {u: f for u, f in cftime.UNIT_CONVERSION_FACTORS.items()}
DAY_US = 86400 * 10**6
# Keep |v * unit| well inside cftime's 64-bit microseconds.
MAX_SPAN_US = 5000 * 366 * DAY_US


def epoch(units, cal):
    try:
        return str(cftime.num2date(0, units, cal))
    except Exception as e:  # the kind of failure is cftime's, not ours to match
        return {"error": type(e).__name__}


def date(v, units, cal):
    try:
        return str(cftime.num2date(v, units, cal))
    except Exception:
        return None


def unit_of(units):
    return units.split(None, 1)[0].lower()


# ---- units: spellings, reference-time forms, calendars -------------------

SPELLINGS = (cftime.microsec_units + cftime.millisec_units + cftime.sec_units +
             cftime.min_units + cftime.hr_units + cftime.day_units +
             ["month", "months", "common_year", "common_years",
              "Days", "HOURS", "Seconds", "MS",
              # udunits spellings cftime does not take
              "us", "usec", "usecs", "year", "years", "week", "weeks", "fortnight",
              "minutes_", "hour s", "", "daysx"])
REF_TIMES = [
    "2000-01-01", "2000-1-1", "1-1-1", "1-1-1 0:0:0", "0001-01-01 00:00:00",
    "1970-01-01 00:00:00", "1900-01-01 00:00:0.0", "1850-01-01 00:00:00 UTC",
    "2000-01-01T06:00:00Z", "2000-01-01T06:00:00", "2000-01-01 06:00", "2000-01-01 6:5:4",
    "2000-01-01 00:00:00.5", "2000-01-01 12:30:15.25", "2000-01-01 00:00:00.000003",
    "2000-01-01 00:00:00.1234567", "2000-01-01 00:00:00.0000001", "2000-01-01 1:2:3.",
    "2000-01-01x06:00:00", "2000-01-01 6", "2000-01-01 00:00:00 garbage", "2000-01-01garbage",
    "2000-01-01 00:00:00 +05:00", "2000-01-01 00:00:00+05:30", "2000-01-01 00:00:00 -0530",
    "2000-01-01 00:00:00 +05", "2000-01-01 00:00:00 +5", "2000-01-01 00:00:00 +0:00",
    "2000-01-01 00:00:00  +05:00", "2000-01-01 00:00:00.+05:00", "2000-01-01 00:00+05:00",
    "2000-01-01 00:00:00+05:0", "2000-01-01 +05:00", "2000-01-01+05", "2000-01-01-05",
    "2000-01-01Z", "2000-01-01 00:00 Z", "2000-01-01 00:00:00 +99:99", "2000-01-01 00:00:00 -23:59",
    "2000-01-01 06:00:00 +05:00:00", "2000-01-01T06:00:00.5+01:00",
    "0001-01-01 00:00:00 +01:00", "1582-10-15 00:00:00 +01:00", "1582-10-04 23:00:00 -01:00",
    "1582-10-15 00:00:00 +00:01",
    "2000", "2000-01", "2000-001-01", "2000-01-001", "2000 -01-01", "x2000-01-01", "-", "",
    "00002000-01-01", "+100-01-01", "-100-01-01", "-1-12-31", "0-01-01", "0000-06-15", "-0-01-01",
    "99-01-01", "12345-06-15", "-4713-01-01 12:00:00", "2147483647-01-01", "2147483648-01-01",
    "-2147483648-01-01", "-2147483649-01-01", "99999999999999999999-01-01",
    "2000-13-01", "2000-00-01", "2000-01-00", "2000-01-31", "2000-01-32", "2000-04-31",
    "2000-02-29", "2001-02-29", "2100-02-29", "1900-02-29", "1600-02-29", "2000-02-30",
    "2000-12-30", "2000-12-31", "1582-10-04", "1582-10-05", "1582-10-10", "1582-10-14",
    "1582-10-15", "1500-02-29", "1000-02-29", "-5-02-29", "-4-02-29",
    "2000-01-01 24:00:00", "2000-01-01 23:60:00", "2000-01-01 23:59:60", "2000-01-01 23:59:59.999999",
]
WHITESPACE = ["days\tsince\t2000-01-01", "days since\n2000-01-01 01:00:00",
              "days since 2000-01-01\n01:00:00", " days since 2000-01-01", "days  since   2000-01-01  ",
              "days since 2000-01-01  01:00:00", "days since", "days", "days after 2000-01-01",
              "days SINCE 2000-01-01", "days Since 2000-01-01", "since 2000-01-01", "",
              "days since2000-01-01", "days\x1csince\x1f2000-01-01", "days\u00a0since\u20002000-01-01"]


def units_section():
    out = []
    for sp in SPELLINGS:
        for cal in ["standard", "noleap", "360_day", "all_leap"] if sp.lower().startswith(("month", "common")) else ["standard"]:
            u = "%s since 2000-01-01" % sp
            out.append({"units": u, "calendar": cal, "epoch": epoch(u, cal)})
    for rt in REF_TIMES:
        for cal in CALENDARS:
            u = "days since " + rt
            out.append({"units": u, "calendar": cal, "epoch": epoch(u, cal)})
    for u in WHITESPACE:
        out.append({"units": u, "calendar": "standard", "epoch": epoch(u, "standard")})
    for cal in ALIASES + ["none", "", "utc", "tai", "gregorian_proleptic", " standard"]:
        u = "hours since 1970-01-01"
        if cal == "":  # cftime fails on ""; an absent calendar is CF's default, standard
            out.append({"units": u, "calendar": cal, "epoch": epoch(u, "standard"), "cf_default": True})
        else:
            out.append({"units": u, "calendar": cal, "epoch": epoch(u, cal)})
    return out


# ---- dates: num2date -----------------------------------------------------

FIXED_DATES = [
    # (units, calendars, values)
    ("days since 2000-01-01", CALENDARS, [0, 1, -1, 30, 31, 58, 59, 60, 365, 366, -365, -366, 1.5, -0.5,
                                          0.25, 0.1, 1 / 3, 2 / 3, 0.99999999, 1e-7, 36524, 146097, -730000]),
    ("days since 1582-10-01", ["standard", "julian", "proleptic_gregorian"], list(range(0, 20)) + [3.5, 3.999999]),
    ("days since 1582-10-15", ["standard", "julian", "proleptic_gregorian"], [-1, -0.5, -10, -11, -12, -366]),
    ("hours since 1582-10-04 12:00:00", ["standard"], [0, 6, 11, 12, 13, 24, 36, -12]),
    ("days since 1900-02-27", CALENDARS, [0, 1, 2, 3, 365, 366]),
    ("days since 2100-02-27", CALENDARS, [1, 2, 3]),
    ("days since 1600-02-27", CALENDARS, [1, 2, 3]),
    ("days since 2000-02-28", CALENDARS, [1, 2, 365, 366, 1461]),
    ("days since 0001-01-01", CALENDARS, [-1, -2, -365, -366, -367, -731, 0, 365]),
    ("days since -1-12-31", ["standard", "julian", "proleptic_gregorian", "noleap"], [0, 1, 2, -365, -366]),
    ("days since -4713-01-01 12:00:00", ["julian", "standard"], [0, 2299160.5, 2299161, 2451544.5]),
    ("days since -100-01-01", CALENDARS, [0, 36524, 36525, 36526, 73048, -1]),
    ("seconds since 2000-01-01", ["standard"], [1e-7, 5e-7, 1.5e-6, 2.5e-6, 1.0000005, 1.0000015, 0.9999995,
                                                 2.0000006, 1.9999994, -1.0000006, -0.9999994, 86399.9999996,
                                                 1e12, -1e12, 9.2e12, 9.3e12, 0.1, 0.3, 1 / 3]),
    ("milliseconds since 2000-01-01", ["standard", "noleap"], [1.0000006, 0.0005, 0.0015, 1999.9994, -1.0000006]),
    ("microseconds since 2000-01-01", ["standard", "360_day"], [0.5, 1.5, 2.5, -0.5, 9.2e18, -9.2e18, 9.3e18]),
    ("minutes since 2000-01-01 00:00:00 +05:30", CALENDARS, [0, 330, -1, 1440 * 366]),
    ("months since 2000-01-01", ["360_day"], [0, 1, 1.5, 12, -1, 11.9999999, 1 / 3]),
    ("common_years since 2000-01-01", ["noleap"], [0, 1, 1.5, -1, 0.25, 1 / 7]),
    ("days since 2000-01-01", ["standard"], [1e8, -1e8, 1e9, float("nan"), float("inf")]),
    ("days since 2147483000-01-01", ["noleap"], [0, 1e5, 1e8]),
    ("hours since 1850-01-01 00:00:00 UTC", ["standard", "noleap", "360_day"], [0, 1, 1e6, 1.7e6]),
]


def random_ref_time(rng, cal):
    y = rng.choice([rng.randint(-3000, 3000), rng.randint(1500, 1700), rng.randint(1850, 2100)])
    if y == 0 and cal in ("standard", "julian"):
        y = 1
    m = rng.randint(1, 12)
    d = rng.randint(1, 31)
    if cal == "360_day":
        d = min(d, 30)
    while True:
        s = "%d-%02d-%02d" % (y, m, d) if rng.random() < 0.8 else "%d-%d-%d" % (y, m, d)
        if not isinstance(epoch("days since " + s, cal), dict):
            break
        d -= 1
        if cal == "standard" and y == 1582 and m == 10 and 4 < d < 15:
            d = 4
    r = rng.random()
    if r < 0.4:
        s += " %02d:%02d:%02d" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
    elif r < 0.55:
        s += "T%02d:%02d:%02d.%s" % (rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
                                     str(rng.randint(0, 999)).zfill(3))
    if rng.random() < 0.15:
        s += " %+03d:%02d" % (rng.randint(-12, 14), rng.choice([0, 30, 45]))
    return s


def random_units(rng, cal):
    names = ["days", "hours", "minutes", "seconds", "milliseconds", "microseconds", "d", "hrs", "s"]
    if cal == "360_day":
        names.append("months")
    if cal == "noleap":
        names.append("common_years")
    return "%s since %s" % (rng.choice(names), random_ref_time(rng, cal))


def random_values(rng, units, n):
    f = FACTORS[unit_of(units)]
    span = min(MAX_SPAN_US // f, 2**53)  # whole values stay exact in float64
    vals = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            vals.append(rng.randint(-span, span))
        elif r < 0.8:  # dyadic fractions: a whole number of microseconds often
            vals.append(rng.randint(-span, span) + rng.randint(0, 63) / 64)
        else:  # any float: cftime rounds it to the microsecond
            vals.append(rng.uniform(-span, span))
    return vals


def dates_case(units, cal, vals):
    # Values go through float64, as the Go side takes them, and are written
    # with repr (which reads back exactly, and spells nan and inf).
    vals = [float(v) for v in vals]
    return {"units": units, "calendar": cal, "values": [repr(v) for v in vals],
            "dates": [date(v, units, cal) for v in vals]}


def dates_section(rng):
    out = []
    for units, cals, vals in FIXED_DATES:
        for cal in cals:
            out.append(dates_case(units, cal, vals))
    for cal in CALENDARS:
        for _ in range(20):
            units = random_units(rng, cal)
            vals = random_values(rng, units, 6)
            out.append(dates_case(units, cal, vals))
    return out


# ---- conversions: date2num(num2date(v, a), b) ----------------------------

FIXED_CONVERSIONS = [
    ("noleap", "days since 2000-02-01", "days since 2000-01-01", [31, 0, -31, 0.5, 365]),
    ("standard", "days since 2000-02-01", "days since 2000-01-01", [31, 29, 0.5]),
    ("standard", "hours since 2000-01-01", "days since 2000-01-01", [0, 1, 12, 24, 36, 48, -24, 25, 0.5]),
    ("standard", "days since 1970-01-01", "seconds since 1970-01-01 00:00:00", [0, 1, 0.5, 10957, 0.1]),
    ("standard", "days since 1582-10-01", "days since 1582-10-20", [0, 3, 4, 5, 19, 30]),
    ("julian", "days since 1582-10-01", "days since 1582-10-20", [0, 3, 4, 5, 19, 30]),
    ("proleptic_gregorian", "days since 0001-01-01", "days since 1970-01-01", [0, 719162, 719163]),
    ("standard", "days since 0001-01-01", "days since 1970-01-01", [0, 719162, 719163, 719164]),
    ("standard", "days since -1-01-01", "days since 1-01-01", [0, 365, 366, 367]),
    ("julian", "days since 2000-01-01 00:00:00 +05:00", "hours since 2000-01-01", [0, 1, -1]),
    ("360_day", "months since 2000-01-01", "days since 1999-12-01", [0, 1, 1.5, -1, 12]),
    ("360_day", "days since 2000-01-01", "months since 2000-01-01", [0, 30, 15, 45, 359, 7]),
    ("noleap", "common_years since 2000-01-01", "days since 2000-01-01", [0, 1, 2.5, -3]),
    ("noleap", "days since 2000-01-01", "common_years since 1999-01-01", [0, 365, 730, 1]),
    ("all_leap", "days since 2000-03-01", "hours since 2000-02-29 12:00", [0, 1, -1, 0.5]),
    ("standard", "seconds since 1970-01-01", "days since 2000-01-01", [946684800, 946684801, 0, -1]),
    ("standard", "hours since 1850-01-01 00:00:00 UTC", "days since 1850-01-01", [0, 24, 1e6, 1.7e6 + 3]),
    ("standard", "milliseconds since 2000-01-01 00:00:00.5", "seconds since 2000-01-01", [0, 500, 1, -0.5]),
    ("standard", "microseconds since 2000-01-01", "days since 2000-01-01", [86400000000, 1, 9.2e18]),
    ("proleptic_gregorian", "days since -100000-01-01", "days since 100000-01-01", [0, 73048500]),
]


def conversion(cal, a, b, vals):
    results, whole = [], []
    kept = []
    for v in map(float, vals):
        try:
            r = cftime.date2num(cftime.num2date(v, a, cal), b, cal)
        except Exception:
            continue  # cftime cannot decode v (beyond 64-bit microseconds); Convert does not need to
        kept.append(repr(v))
        whole.append(isinstance(r, (int,)) or type(r).__name__.startswith("int"))
        results.append(float(r))
    return {"calendar": cal, "from": a, "to": b, "values": kept, "results": results, "whole": whole}


def conversions_section(rng):
    out = [conversion(*c) for c in FIXED_CONVERSIONS]
    for cal in CALENDARS:
        for _ in range(24):
            a, b = random_units(rng, cal), random_units(rng, cal)
            out.append(conversion(cal, a, b, random_values(rng, a, 5)))
    return out


def main():
    rng = random.Random(20240604)
    doc = {
        "generator": "cftime/testdata/gen_vectors.py",
        "cftime_version": cftime.__version__,
        "units": units_section(),
        "dates": dates_section(rng),
        "conversions": conversions_section(rng),
    }
    # One entry per line, so a change in cftime shows as a readable diff.
    w = sys.stdout.write
    w("{\n")
    for i, (key, val) in enumerate(doc.items()):
        w("%s: " % json.dumps(key))
        if isinstance(val, list):
            w("[\n" + ",\n".join(json.dumps(e, separators=(",", ":"), allow_nan=False) for e in val) + "\n]")
        else:
            w(json.dumps(val))
        w(",\n" if i < len(doc) - 1 else "\n")
    w("}\n")


if __name__ == "__main__":
    main()
