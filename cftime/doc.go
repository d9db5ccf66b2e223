// Package cftime reads CF time coordinates: the units attribute
// "<unit> since <reference time>" and the calendar attribute of CF
// conventions section 4.4 ("Time Coordinate") and 4.4.1 ("Calendar"), and
// converts times between units of one calendar, so that the combiner can
// put files whose time variables use different units or reference times on
// one axis (gokerchunk issue 4).
//
// What a units string means is what Python's cftime 1.6.2 (the library
// xarray decodes non-standard calendars with) makes of it: the same unit
// spellings, the same reference-time pattern, the same calendars and year
// numbering, the same microsecond rounding when decoding a value to a date.
// The tests check this against vectors that cftime generated
// (testdata/gen_vectors.py). Where this package differs it says so:
// the fraction of a second in a reference time is read exactly, Convert
// does not round to microseconds, an empty calendar is the CF default
// (standard) where cftime fails, and dates past cftime's year range are
// errors where cftime wraps around.
//
// Conversions are exact: epochs are compared as a whole number of days and
// microseconds of the calendar, and a converted value is the float64
// nearest to the exact result, so integer times stay integers.
package cftime
