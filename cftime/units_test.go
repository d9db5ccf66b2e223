package cftime

import (
	"errors"
	"strings"
	"testing"
)

func mustUnits(t testing.TB, units, calendar string) Units {
	t.Helper()
	u, err := ParseUnits(units, calendar)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseUnits(t *testing.T) {
	for _, tc := range []struct {
		units, calendar string
		unit            Unit
		epoch           string
		cal             Calendar
	}{
		{"days since 2000-01-01", "standard", Day, "2000-01-01 00:00:00", Standard},
		{"Hours Since 1970-1-1", "", Hour, "1970-01-01 00:00:00", Standard},
		{"seconds since 1970-01-01T00:00:00Z", "proleptic_gregorian", Second, "1970-01-01 00:00:00", ProlepticGregorian},
		{"hrs since 2000-01-01 00:00:00 +05:00", "julian", Hour, "1999-12-31 19:00:00", Julian},
		{"ms since 2000-01-01 00:00:00.5", "noleap", Millisecond, "2000-01-01 00:00:00.500000", NoLeap},
		{"months since 2000-02-30", "360_day", Month, "2000-02-30 00:00:00", Day360},
		{"common_years since 1-1-1", "365_day", CommonYear, "0001-01-01 00:00:00", NoLeap},
		{"days since 2001-02-29", "366_day", Day, "2001-02-29 00:00:00", AllLeap},
		{"days since -100-01-01", "standard", Day, "-0100-01-01 00:00:00", Standard},
		{"days since 0000-01-01", "proleptic_gregorian", Day, "0000-01-01 00:00:00", ProlepticGregorian},
		// text after the reference time that cftime's pattern leaves is ignored, as there
		{"days since 1850-01-01 00:00:00 UTC", "standard", Day, "1850-01-01 00:00:00", Standard},
		// deliberate difference: cftime reads .262024 through a float as 262023 µs
		{"seconds since 2000-01-01 00:00:00.262024", "standard", Second, "2000-01-01 00:00:00.262024", Standard},
	} {
		u, err := ParseUnits(tc.units, tc.calendar)
		if err != nil {
			t.Errorf("ParseUnits(%q, %q): %v", tc.units, tc.calendar, err)
			continue
		}
		if u.Unit() != tc.unit || u.Epoch().String() != tc.epoch || u.Calendar() != tc.cal {
			t.Errorf("ParseUnits(%q, %q) = %s %s %s; want %s %s %s", tc.units, tc.calendar,
				u.Unit(), u.Epoch(), u.Calendar(), tc.unit, tc.epoch, tc.cal)
		}
	}
}

func TestParseUnitsErrors(t *testing.T) {
	for _, tc := range []struct {
		units, calendar, why string
	}{
		{"days since 2000-01-01", "none", "no calendar arithmetic"},
		{"days since 2000-01-01", "mixed", "unknown calendar"},
		{"days since 2000-01-01", "utc", "leap seconds"},
		{"days", "standard", "<unit> since"},
		{"days since", "standard", "<unit> since"},
		{"days after 2000-01-01", "standard", `"after" where "since"`},
		{"fortnights since 2000-01-01", "standard", "unknown time unit"},
		{"years since 2000-01-01", "standard", "unknown time unit"},
		{"us since 2000-01-01", "standard", "unknown time unit"},
		{"months since 2000-01-01", "standard", "360_day"},
		{"months since 2000-01-01", "noleap", "360_day"},
		{"common_years since 2000-01-01", "all_leap", "noleap"},
		{"common_years since 2000-01-01", "standard", "noleap"},
		{"days since 2000", "standard", "year-month-day"},
		{"days since 2000-01", "standard", "year-month-day"},
		{"days since T00:00", "standard", "does not start with a year"},
		{"days since 2001-02-29", "noleap", "day 29 is not in 1..28"},
		{"days since 2000-02-29", "365_day", "day 29 is not in 1..28"},
		{"days since 2001-02-29", "standard", "day 29 is not in 1..28"},
		{"days since 1900-02-29", "proleptic_gregorian", "day 29"},
		{"days since 2000-02-31", "360_day", "day 31 is not in 1..30"},
		{"days since 2000-04-31", "julian", "day 31 is not in 1..30"},
		{"days since 2000-13-01", "standard", "month 13"},
		{"days since 2000-00-01", "standard", "month 0"},
		{"days since 2000-01-00", "standard", "day 0"},
		{"days since 2000-01-01 24:00:00", "standard", "hour 24"},
		{"days since 2000-01-01 00:60:00", "standard", "minute 60"},
		{"days since 2000-01-01 23:59:60", "standard", "second 60"},
		{"days since 1582-10-10", "standard", "reform gap"},
		{"days since 1582-10-05", "gregorian", "reform gap"},
		{"days since 0-01-01", "standard", "year 0 does not exist"},
		{"days since 0000-06-15", "julian", "year 0 does not exist"},
		{"days since 2147483648-01-01", "noleap", "outside cftime's range"},
		{"days since 99999999999999999999-01-01", "noleap", "outside cftime's range"},
		{"days since 2147483647-12-31 23:00:00 -05:00", "noleap", "outside cftime's range"},
	} {
		u, err := ParseUnits(tc.units, tc.calendar)
		var ue *UnitsError
		switch {
		case err == nil:
			t.Errorf("ParseUnits(%q, %q) = %s, want an error (%s)", tc.units, tc.calendar, u, tc.why)
		case !errors.As(err, &ue) || ue.Units != tc.units || ue.Calendar != tc.calendar:
			t.Errorf("ParseUnits(%q, %q): %v is not a UnitsError naming both", tc.units, tc.calendar, err)
		case !strings.Contains(err.Error(), tc.why):
			t.Errorf("ParseUnits(%q, %q): %v; want it to say %q", tc.units, tc.calendar, err, tc.why)
		}
	}
}

func TestUnitsEqual(t *testing.T) {
	a := mustUnits(t, "days since 2000-01-01 00:00:00", "standard")
	for _, tc := range []struct {
		units, calendar string
		equal, same     bool
	}{
		{"day since 2000-1-1", "gregorian", true, true},
		{"days since 2000-01-01 05:00:00 +05:00", "", true, true},
		{"days since 2000-01-01T00:00:00Z", "Standard", true, true},
		{"hours since 2000-01-01", "standard", false, true},
		{"days since 2000-01-02", "standard", false, true},
		{"days since 2000-01-01", "proleptic_gregorian", false, false},
	} {
		b := mustUnits(t, tc.units, tc.calendar)
		if a.Equal(b) != tc.equal || (a == b) != tc.equal || a.SameCalendar(b) != tc.same {
			t.Errorf("%q (%q) vs %q: Equal %v SameCalendar %v; want %v %v",
				tc.units, tc.calendar, a, a.Equal(b), a.SameCalendar(b), tc.equal, tc.same)
		}
	}
}

func TestUnitsString(t *testing.T) {
	for _, tc := range []struct{ units, calendar, want string }{
		{"d since 2000-1-1", "standard", "days since 2000-01-01 00:00:00"},
		{"HRS since 1850-01-01 00:00:00 UTC", "noleap", "hours since 1850-01-01 00:00:00"},
		{"secs since 2000-01-01 00:00:00 +01:00", "standard", "seconds since 1999-12-31 23:00:00"},
		{"msecs since 2000-01-01 00:00:00.25", "julian", "milliseconds since 2000-01-01 00:00:00.250000"},
		{"month since -5-1-1", "360_day", "months since -0005-01-01 00:00:00"},
		{"days since 12345-06-15", "all_leap", "days since 12345-06-15 00:00:00"},
	} {
		u := mustUnits(t, tc.units, tc.calendar)
		if got := u.String(); got != tc.want {
			t.Errorf("%q: String() = %q, want %q", tc.units, got, tc.want)
		}
		if back := mustUnits(t, u.String(), tc.calendar); back != u {
			t.Errorf("%q: String() %q reads back as %q", tc.units, u, back)
		}
	}
	if s := (Units{}).String(); s != "" {
		t.Errorf("zero Units String() = %q", s)
	}
}

func TestNewUnits(t *testing.T) {
	u, err := NewUnits(Day, DateTime{Year: 2000, Month: 2, Day: 1}, NoLeap)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustUnits(t, "days since 2000-02-01", "365_day"); u != want {
		t.Errorf("NewUnits = %q %s, want %q %s", u, u.Calendar(), want, want.Calendar())
	}
	for _, tc := range []struct {
		unit  Unit
		epoch DateTime
		cal   Calendar
	}{
		{Month, DateTime{Year: 2000, Month: 1, Day: 1}, NoLeap},
		{Unit(7), DateTime{Year: 2000, Month: 1, Day: 1}, NoLeap},
		{Day, DateTime{Year: 2000, Month: 2, Day: 29}, NoLeap},
		{Day, DateTime{Year: 1582, Month: 10, Day: 12}, Standard},
		{Day, DateTime{Year: 2000, Month: 1, Day: 1, Microsecond: 1_000_000}, Standard},
		{Day, DateTime{Year: 2000, Month: 1, Day: 1}, Calendar(9)},
	} {
		if u, err := NewUnits(tc.unit, tc.epoch, tc.cal); err == nil {
			t.Errorf("NewUnits(%d, %s, %s) = %q, want an error", tc.unit, tc.epoch, tc.cal, u)
		}
	}
}

func TestDateTimeString(t *testing.T) {
	for _, tc := range []struct {
		d    DateTime
		want string
	}{
		{DateTime{Year: 2000, Month: 1, Day: 31}, "2000-01-31 00:00:00"},
		{DateTime{Year: 5, Month: 12, Day: 3, Hour: 4, Minute: 5, Second: 6}, "0005-12-03 04:05:06"},
		{DateTime{Year: -5, Month: 1, Day: 1}, "-0005-01-01 00:00:00"},
		{DateTime{Year: -12345, Month: 1, Day: 1}, "-12345-01-01 00:00:00"},
		{DateTime{Year: 2000, Month: 1, Day: 1, Microsecond: 5}, "2000-01-01 00:00:00.000005"},
		{DateTime{Year: 2000, Month: 1, Day: 1, Second: 59, Microsecond: 500000}, "2000-01-01 00:00:59.500000"},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.d, got, tc.want)
		}
	}
}
