package cftime

import "testing"

var allCalendars = []Calendar{Standard, ProlepticGregorian, Julian, NoLeap, AllLeap, Day360}

// nextDate steps a date by one day with nothing but the month lengths and
// the reform gap, independently of the day-number arithmetic.
func nextDate(c Calendar, y int64, m, d int) (int64, int, int) {
	if c == Standard && y == reformYear && m == reformMonth && d == lastJulianDay {
		return y, m, firstGregorianDay
	}
	if d < c.daysInMonth(c.astronomical(y), m) {
		return y, m, d + 1
	}
	if m < 12 {
		return y, m + 1, 1
	}
	y++
	if y == 0 && !c.hasYearZero() {
		y = 1
	}
	return y, 1, 1
}

// TestDayNumbersStep walks every calendar day by day over 12,000 years
// around year 0 and the reform, checking that consecutive dates have
// consecutive day numbers and that date inverts dayNumber.
func TestDayNumbersStep(t *testing.T) {
	for _, c := range allCalendars {
		y, m, d := int64(-6000), 1, 1
		n := c.dayNumber(y, m, d)
		for y < 6000 {
			if err := c.checkDate(y, m, d); err != nil {
				t.Fatalf("%s: %04d-%02d-%02d: %v", c, y, m, d, err)
			}
			if got := c.dayNumber(y, m, d); got != n {
				t.Fatalf("%s: dayNumber(%04d-%02d-%02d) = %d, want %d", c, y, m, d, got, n)
			}
			if gy, gm, gd := c.date(n); gy != y || gm != m || gd != d {
				t.Fatalf("%s: date(%d) = %04d-%02d-%02d, want %04d-%02d-%02d", c, n, gy, gm, gd, y, m, d)
			}
			y, m, d = nextDate(c, y, m, d)
			n++
		}
	}
}

// TestDayNumbersKnown pins the day counts to independent facts: Julian Day
// Number 0 is Julian 4713 BC January 1 (year -4713 without a year 0),
// 1970-01-01 is JDN 2440588, and the reform.
func TestDayNumbersKnown(t *testing.T) {
	epoch := ProlepticGregorian.dayNumber(1970, 1, 1)
	if got := Julian.dayNumber(-4713, 1, 1); got != epoch-2440588 {
		t.Errorf("Julian 4713 BC-01-01 is %d days from 1970, want -2440588", got-epoch)
	}
	if got := Standard.dayNumber(2000, 1, 1) - Standard.dayNumber(1970, 1, 1); got != 10957 {
		t.Errorf("1970 to 2000: %d days, want 10957", got)
	}
	if a, b := Standard.dayNumber(1582, 10, 4), Standard.dayNumber(1582, 10, 15); b-a != 1 {
		t.Errorf("standard 1582-10-04 to 1582-10-15: %d days, want 1", b-a)
	}
	if a, b := Julian.dayNumber(1582, 10, 5), ProlepticGregorian.dayNumber(1582, 10, 15); a != b {
		t.Errorf("Julian 1582-10-05 is day %d, Gregorian 1582-10-15 day %d; want the same day", a, b)
	}
	// Standard is Julian before the reform and Gregorian after it.
	if Standard.dayNumber(1000, 3, 1) != Julian.dayNumber(1000, 3, 1) ||
		Standard.dayNumber(1900, 3, 1) != ProlepticGregorian.dayNumber(1900, 3, 1) {
		t.Error("standard does not follow julian before and gregorian after the reform")
	}
	for _, tc := range []struct {
		c    Calendar
		year int64
		days int64
	}{
		{NoLeap, 2000, 365}, {AllLeap, 2001, 366}, {Day360, 2000, 360},
		{Standard, 1900, 365}, {Standard, 1500, 366}, {Standard, 1582, 355}, {Standard, -1, 366}, {Standard, -5, 366},
		{Julian, 1900, 366}, {Julian, -1, 366}, {Julian, -2, 365},
		{ProlepticGregorian, 1900, 365}, {ProlepticGregorian, 0, 366}, {ProlepticGregorian, -100, 365}, {ProlepticGregorian, -400, 366},
	} {
		next := tc.year + 1
		if next == 0 && !tc.c.hasYearZero() {
			next = 1
		}
		if got := tc.c.dayNumber(next, 1, 1) - tc.c.dayNumber(tc.year, 1, 1); got != tc.days {
			t.Errorf("%s year %d has %d days, want %d", tc.c, tc.year, got, tc.days)
		}
	}
}

func TestParseCalendar(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Calendar
		ok   bool
	}{
		{"standard", Standard, true}, {"gregorian", Standard, true}, {"Gregorian", Standard, true}, {"", Standard, true},
		{"proleptic_gregorian", ProlepticGregorian, true}, {"julian", Julian, true},
		{"noleap", NoLeap, true}, {"365_day", NoLeap, true}, {"NoLeap", NoLeap, true},
		{"all_leap", AllLeap, true}, {"366_day", AllLeap, true}, {"360_day", Day360, true},
		{"none", 0, false}, {"utc", 0, false}, {"tai", 0, false}, {" standard", 0, false},
		{"365day", 0, false}, {"mixed", 0, false}, {"noleap\x00", 0, false},
	} {
		got, err := ParseCalendar(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCalendar(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if err == nil && tc.in != "" {
			if back, err := ParseCalendar(got.String()); err != nil || back != got {
				t.Errorf("%v.String() = %q reads back as %v, %v", got, got.String(), back, err)
			}
		}
	}
}
