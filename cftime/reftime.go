package cftime

import (
	"fmt"
	"regexp"
	"strconv"
)

// refTimePattern is cftime's ISO8601_REGEX (cftime 1.6.2, adapted there
// from pyiso8601), anchored at the start as Python's re.match is and
// unanchored at the end: text after the longest prefix it matches is
// ignored, which is how cftime accepts "2000-01-01 00:00:00 UTC" (and also
// drops "6" from "2000-01-01 6"). Go's regexp picks the same submatches as
// Python's backtracking engine for it (leftmost-first semantics, no
// backreferences).
//
// year[-month[-day[<any char>hour:minute[:second[.fraction]]][[<any char>]zone]]]
// with zone Z, ±hh, ±hhmm or ±hh:mm. Month and day are required by cftime
// (it fails converting the missing group to int).
var refTimePattern = regexp.MustCompile(`^(?P<year>[+-]?[0-9]+)(-(?P<month>[0-9]{1,2})(-(?P<day>[0-9]{1,2})(((?P<separator1>.)(?P<hour>[0-9]{1,2}):(?P<minute>[0-9]{1,2})(:(?P<second>[0-9]{1,2})(\.(?P<fraction>[0-9]+))?)?)?((?P<separator2>.?)(?P<timezone>Z|(([-+])([0-9]{2})((:([0-9]{2}))|([0-9]{2}))?)))?)?)?)?`)

var (
	reYear     = refTimePattern.SubexpIndex("year")
	reMonth    = refTimePattern.SubexpIndex("month")
	reDay      = refTimePattern.SubexpIndex("day")
	reHour     = refTimePattern.SubexpIndex("hour")
	reMinute   = refTimePattern.SubexpIndex("minute")
	reSecond   = refTimePattern.SubexpIndex("second")
	reFraction = refTimePattern.SubexpIndex("fraction")
	reZone     = refTimePattern.SubexpIndex("timezone")
)

// refTime is a reference time as written: fields not yet checked against a
// calendar, and the time zone offset east of UTC in minutes.
type refTime struct {
	DateTime
	offsetMinutes int64
}

// parseRefTime reads the reference time of a units attribute (already
// stripped of surrounding whitespace).
func parseRefTime(s string) (refTime, error) {
	m := refTimePattern.FindStringSubmatch(s)
	if m == nil {
		return refTime{}, fmt.Errorf("reference time %q does not start with a year", s)
	}
	if m[reMonth] == "" || m[reDay] == "" {
		return refTime{}, fmt.Errorf("reference time %q has no year-month-day (cftime needs all three)", s)
	}
	// Python's int() reads any number of digits; cftime then keeps years in
	// a C int. Digits beyond int64 are out of that range either way.
	year, err := strconv.ParseInt(m[reYear], 10, 64)
	if err != nil {
		return refTime{}, fmt.Errorf("reference year %q is outside cftime's range [%d, %d]", m[reYear], minYear, maxYear)
	}
	var t refTime
	t.Year = year
	// The other groups are 1 or 2 digits (or absent), so Atoi cannot fail.
	t.Month, _ = strconv.Atoi(m[reMonth])
	t.Day, _ = strconv.Atoi(m[reDay])
	t.Hour = atoiOrZero(m[reHour])
	t.Minute = atoiOrZero(m[reMinute])
	t.Second = atoiOrZero(m[reSecond])
	t.Microsecond = fractionMicroseconds(m[reFraction])
	t.offsetMinutes = zoneMinutes(m[reZone])
	return t, nil
}

func atoiOrZero(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// fractionMicroseconds reads the digits after the decimal point of the
// seconds, truncated to microseconds.
func fractionMicroseconds(digits string) int {
	us := 0
	for i := 0; i < 6; i++ {
		us *= 10
		if i < len(digits) {
			us += int(digits[i] - '0')
		}
	}
	return us
}

// zoneMinutes is cftime's _parse_timezone: "Z" or nothing is UTC, else
// ±hh[[:]mm] (any two digits, so "+99:99" is accepted as cftime does).
func zoneMinutes(z string) int64 {
	if z == "" || z == "Z" {
		return 0
	}
	h := int64(z[1]-'0')*10 + int64(z[2]-'0')
	var min int64
	switch len(z) {
	case 5: // ±hhmm
		min = int64(z[3]-'0')*10 + int64(z[4]-'0')
	case 6: // ±hh:mm
		min = int64(z[4]-'0')*10 + int64(z[5]-'0')
	}
	off := h*60 + min
	if z[0] == '-' {
		off = -off
	}
	return off
}
