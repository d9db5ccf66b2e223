package cftime

import (
	"fmt"
	"math"
)

// Calendar is one of the calendars of CF conventions section 4.4.1 that
// cftime implements. Aliases (gregorian, 365_day, 366_day) parse to the
// same value, so two Calendars are the same calendar exactly when they are
// equal. The zero value is Standard, the CF default.
type Calendar uint8

const (
	// Standard is the mixed Julian/Gregorian calendar: Julian up to
	// 1582-10-04, Gregorian from the next day, 1582-10-15; the dates
	// between do not exist. Years count 1 BC as -1 (no year 0), as cftime
	// does by default (has_year_zero=False).
	Standard Calendar = iota
	// ProlepticGregorian extends the Gregorian leap rule to all years and
	// has a year 0 (ISO 8601 numbering, cftime's default for it).
	ProlepticGregorian
	// Julian has a leap year every fourth year and, like Standard, no year 0.
	Julian
	// NoLeap ("noleap", "365_day") has 365-day years; year 0 exists.
	NoLeap
	// AllLeap ("all_leap", "366_day") has 366-day years; year 0 exists.
	AllLeap
	// Day360 ("360_day") has twelve 30-day months; year 0 exists.
	Day360
)

var calendarNames = [...]string{
	Standard:           "standard",
	ProlepticGregorian: "proleptic_gregorian",
	Julian:             "julian",
	NoLeap:             "noleap",
	AllLeap:            "all_leap",
	Day360:             "360_day",
}

// String returns the calendar's canonical CF name ("standard", not the
// deprecated alias "gregorian").
func (c Calendar) String() string {
	if int(c) < len(calendarNames) {
		return calendarNames[c]
	}
	return fmt.Sprintf("Calendar(%d)", uint8(c))
}

func (c Calendar) valid() bool { return int(c) < len(calendarNames) }

// ParseCalendar reads a calendar attribute, case-insensitively as cftime
// does. An empty string is Standard: CF 4.4.1 makes the mixed calendar the
// default when the attribute is absent (cftime itself fails on ""). "none"
// is refused: CF (up to 1.8) uses it for a fixed time of year, which has no
// calendar arithmetic, and cftime refuses it too; so are CF 1.11's "utc" and
// "tai", which count leap seconds cftime does not know.
func ParseCalendar(s string) (Calendar, error) {
	switch asciiLower(s) {
	case "", "standard", "gregorian":
		return Standard, nil
	case "proleptic_gregorian":
		return ProlepticGregorian, nil
	case "julian":
		return Julian, nil
	case "noleap", "365_day":
		return NoLeap, nil
	case "all_leap", "366_day":
		return AllLeap, nil
	case "360_day":
		return Day360, nil
	case "none":
		return 0, fmt.Errorf("cftime: calendar %q (a fixed time of year) has no calendar arithmetic", s)
	case "utc", "tai":
		return 0, fmt.Errorf("cftime: calendar %q counts leap seconds, which cftime does not support", s)
	}
	return 0, fmt.Errorf("cftime: unknown calendar %q (want one of standard, gregorian, proleptic_gregorian, julian, noleap, 365_day, all_leap, 366_day, 360_day)", s)
}

// hasYearZero reports whether the calendar numbers years astronomically
// (..., -1, 0, 1, ...). Standard and Julian go from -1 (1 BC) to 1, which
// is CF 1.9's rule and cftime's has_year_zero default.
func (c Calendar) hasYearZero() bool { return c != Standard && c != Julian }

// Years are bounded like cftime's, which holds them in a C int.
const (
	minYear = math.MinInt32
	maxYear = math.MaxInt32
)

var cumDays = [2][13]int{
	{0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
	{0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366},
}

// astronomical maps a year as the calendar numbers it to the astronomical
// year (1 BC = 0) that the leap rules and day counts are written for.
func (c Calendar) astronomical(year int64) int64 {
	if !c.hasYearZero() && year < 0 {
		return year + 1
	}
	return year
}

// calendarYear is the inverse of astronomical.
func (c Calendar) calendarYear(astro int64) int64 {
	if !c.hasYearZero() && astro <= 0 {
		return astro - 1
	}
	return astro
}

// isLeap reports whether the (astronomical) year has 29 February.
func (c Calendar) isLeap(astro int64) bool {
	switch c {
	case ProlepticGregorian:
		return gregorianLeap(astro)
	case Julian:
		return astro%4 == 0
	case Standard:
		if astro > 1582 {
			return gregorianLeap(astro)
		}
		return astro%4 == 0
	case AllLeap:
		return true
	}
	return false
}

func gregorianLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// daysInMonth is the length of a month of an astronomical year.
func (c Calendar) daysInMonth(astro int64, month int) int {
	if c == Day360 {
		return 30
	}
	leap := 0
	if c.isLeap(astro) {
		leap = 1
	}
	return cumDays[leap][month] - cumDays[leap][month-1]
}

// The Gregorian reform in the Standard calendar: 1582-10-04 (Julian) is
// followed by 1582-10-15 (Gregorian).
const reformYear, reformMonth, firstGregorianDay, lastJulianDay = 1582, 10, 15, 4

// checkDate reports why year-month-day is not a date of the calendar.
func (c Calendar) checkDate(year int64, month, day int) error {
	if year < minYear || year > maxYear {
		return fmt.Errorf("year %d is outside cftime's range [%d, %d]", year, minYear, maxYear)
	}
	if year == 0 && !c.hasYearZero() {
		return fmt.Errorf("year 0 does not exist in the %s calendar (1 BC is -1)", c)
	}
	if month < 1 || month > 12 {
		return fmt.Errorf("month %d is not in 1..12", month)
	}
	if n := c.daysInMonth(c.astronomical(year), month); day < 1 || day > n {
		return fmt.Errorf("day %d is not in 1..%d for %04d-%02d in the %s calendar", day, n, year, month, c)
	}
	if c == Standard && year == reformYear && month == reformMonth && day > lastJulianDay && day < firstGregorianDay {
		return fmt.Errorf("%04d-%02d-%02d falls in the Gregorian reform gap of the standard calendar (1582-10-05..14)", year, month, day)
	}
	return nil
}

// dayNumber counts days in the calendar from an origin that is fixed per
// calendar (1970-01-01 for the real-world calendars, 0000-01-01 for the
// idealized ones). Only differences of day numbers of one calendar mean
// anything. The date must have passed checkDate.
func (c Calendar) dayNumber(year int64, month, day int) int64 {
	y := c.astronomical(year)
	switch c {
	case ProlepticGregorian:
		return gregorianDays(y, month, day)
	case Julian:
		return julianDays(y, month, day)
	case Standard:
		if y < reformYear || (y == reformYear && (month < reformMonth || (month == reformMonth && day <= lastJulianDay))) {
			return julianDays(y, month, day)
		}
		return gregorianDays(y, month, day)
	case NoLeap:
		return y*365 + int64(cumDays[0][month-1]+day-1)
	case AllLeap:
		return y*366 + int64(cumDays[1][month-1]+day-1)
	default: // Day360
		return y*360 + int64((month-1)*30+day-1)
	}
}

// date is the inverse of dayNumber: the calendar year, month and day.
func (c Calendar) date(n int64) (year int64, month, day int) {
	var y int64
	switch c {
	case ProlepticGregorian:
		y, month, day = gregorianDate(n)
	case Julian:
		y, month, day = julianDate(n)
	case Standard:
		if n >= gregorianReformDay {
			y, month, day = gregorianDate(n)
		} else {
			y, month, day = julianDate(n)
		}
	case NoLeap, AllLeap:
		length, leap := int64(365), 0
		if c == AllLeap {
			length, leap = 366, 1
		}
		y = floorDiv(n, length)
		doy := int(n - y*length)
		month = 1
		for cumDays[leap][month] <= doy {
			month++
		}
		day = doy - cumDays[leap][month-1] + 1
	default: // Day360
		y = floorDiv(n, 360)
		doy := int(n - y*360)
		month, day = doy/30+1, doy%30+1
	}
	return c.calendarYear(y), month, day
}

// gregorianDays and gregorianDate count days from 1970-01-01 in the
// proleptic Gregorian calendar with 400-year eras and years that start in
// March, so the leap day ends the year (H. Hinnant, "chrono-compatible
// low-level date algorithms").
func gregorianDays(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	doe := yoe*365 + yoe/4 - yoe/100 + marchDayOfYear(m, d)
	return era*146097 + doe - 719468
}

func gregorianDate(n int64) (int64, int, int) {
	z := n + 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	m, d := marchMonthDay(int(doe - (365*yoe + yoe/4 - yoe/100)))
	y := yoe + era*400
	if m <= 2 {
		y++
	}
	return y, m, d
}

// julianDays and julianDate do the same with the Julian calendar's 4-year
// cycle, aligned so that both calendars agree from 0200-03-01 to 0300-02-28
// (Julian and Gregorian dates coincide then), which puts Julian 1582-10-04
// the day before Gregorian 1582-10-15.
func julianDays(y int64, m, d int) int64 {
	if m <= 2 {
		y--
	}
	cycle := floorDiv(y, 4)
	yoc := y - cycle*4
	return cycle*1461 + yoc*365 + marchDayOfYear(m, d) + julianShift
}

func julianDate(n int64) (int64, int, int) {
	z := n - julianShift
	cycle := floorDiv(z, 1461)
	doc := z - cycle*1461
	yoc := (doc - doc/1460) / 365
	m, d := marchMonthDay(int(doc - 365*yoc))
	y := yoc + cycle*4
	if m <= 2 {
		y++
	}
	return y, m, d
}

// julianShift aligns julianDays with gregorianDays (see julianDays): the
// Julian count from 0000-03-01 is 2 days ahead of the Gregorian one from
// 1970-01-01 minus 719468.
const julianShift = -719468 - 2

// gregorianReformDay is the day number of 1582-10-15.
var gregorianReformDay = gregorianDays(reformYear, reformMonth, firstGregorianDay)

// marchDayOfYear is the day of a year that starts on 1 March.
func marchDayOfYear(m, d int) int64 {
	mp := (m + 9) % 12
	return int64((153*mp+2)/5 + d - 1)
}

func marchMonthDay(doy int) (int, int) {
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	if mp < 10 {
		return mp + 3, d
	}
	return mp - 9, d
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// asciiLower lowers ASCII letters only: cftime lowers with Python's
// str.lower, and no non-ASCII letter lowers to a letter of a unit or
// calendar name there, while Go's unicode tables lower 'İ' to 'i'.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
