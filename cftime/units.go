package cftime

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unit is a time unit, valued as its length in microseconds: cftime's
// resolution, in which every unit it accepts is a whole number.
//
// ParseUnits takes the spellings cftime 1.6.2 takes, in any case:
// microseconds, microsecond, microsec, microsecs; milliseconds,
// millisecond, millisec, millisecs, msec, msecs, ms; seconds, second, sec,
// secs, s; minutes, minute, min, mins; hours, hour, hr, hrs, h; days, day,
// d; months, month (360_day only); common_years, common_year (noleap only).
// udunits' us, usec and years are not among them: cftime, and so xarray,
// refuses those files too.
type Unit int64

const (
	Microsecond Unit = 1
	Millisecond Unit = 1000 * Microsecond
	Second      Unit = 1000 * Millisecond
	Minute      Unit = 60 * Second
	Hour        Unit = 60 * Minute
	Day         Unit = 24 * Hour
	// Month is cftime's "months": 30 days, accepted with the 360_day
	// calendar only, where it is a calendar month.
	Month Unit = 30 * Day
	// CommonYear is cftime's "common_years": 365 days, accepted with the
	// noleap/365_day calendar only, where it is a calendar year.
	CommonYear Unit = 365 * Day
)

// unitNames are cftime's microsec_units ... day_units lists plus
// "month(s)" and "common_year(s)", matched after ASCII lowering.
var unitNames = map[string]Unit{
	"microseconds": Microsecond, "microsecond": Microsecond, "microsec": Microsecond, "microsecs": Microsecond,
	"milliseconds": Millisecond, "millisecond": Millisecond, "millisec": Millisecond, "millisecs": Millisecond,
	"msec": Millisecond, "msecs": Millisecond, "ms": Millisecond,
	"seconds": Second, "second": Second, "sec": Second, "secs": Second, "s": Second,
	"minutes": Minute, "minute": Minute, "min": Minute, "mins": Minute,
	"hours": Hour, "hour": Hour, "hr": Hour, "hrs": Hour, "h": Hour,
	"days": Day, "day": Day, "d": Day,
	"months": Month, "month": Month,
	"common_years": CommonYear, "common_year": CommonYear,
}

// String returns the unit's canonical (plural) name, "" for a length that
// is not one of the named units.
func (u Unit) String() string {
	switch u {
	case Microsecond:
		return "microseconds"
	case Millisecond:
		return "milliseconds"
	case Second:
		return "seconds"
	case Minute:
		return "minutes"
	case Hour:
		return "hours"
	case Day:
		return "days"
	case Month:
		return "months"
	case CommonYear:
		return "common_years"
	}
	return ""
}

// Microseconds is the unit's exact length.
func (u Unit) Microseconds() int64 { return int64(u) }

// Seconds is the unit's length in seconds.
func (u Unit) Seconds() float64 { return float64(u) / float64(Second) }

// allowedIn reports whether cftime accepts the unit with the calendar.
func (u Unit) allowedIn(c Calendar) error {
	switch {
	case u == Month && c != Day360:
		return fmt.Errorf("%q is only a fixed length in the 360_day calendar (cftime accepts it there only), not in %s", "months", c)
	case u == CommonYear && c != NoLeap:
		return fmt.Errorf("%q is only a fixed length in the noleap/365_day calendar (cftime accepts it there only), not in %s", "common_years", c)
	case u.String() == "":
		return fmt.Errorf("unit of %d microseconds has no name", int64(u))
	}
	return nil
}

// Units is a parsed CF time units attribute, "<unit> since <reference
// time>" (CF conventions section 4.4), with its calendar (section 4.4.1).
// The reference time (the epoch) is held in UTC: a time zone offset in the
// attribute has been subtracted, as cftime does. Units values are
// comparable with ==, which is Equal.
type Units struct {
	unit  Unit
	cal   Calendar
	epoch DateTime
	at    instant // epoch on cal's time line
}

// ParseUnits reads a time units attribute and a calendar attribute the way
// cftime 1.6.2's num2date does:
//
//   - the attribute splits at whitespace into the unit, "since" (any case)
//     and the reference time; the unit is one of cftime's spellings (see
//     Unit); "months" only with 360_day, "common_years" only with
//     noleap/365_day;
//   - the reference time is read with cftime's ISO 8601 pattern,
//     year-month-day[<any char>h:m[:s[.fraction]]][[<any char>]zone] with
//     the zone Z, ±hh, ±hhmm or ±hh:mm, so "2000-1-1", "2000-01-01T06:00:00Z",
//     "1900-01-01 00:00:0.0", "2000-01-01 00:00:00 +05:30" and
//     "1850-01-01 00:00:00 UTC" all work, and text after what the pattern
//     matches is ignored;
//   - the date must exist in the calendar: no year 0 in standard/julian,
//     no 29 February in noleap, 30 days in every 360_day month, nothing
//     in 1582-10-05..14 in standard;
//   - the calendar is ParseCalendar's: empty means standard.
//
// It differs from cftime in the fraction of a second, which it reads
// exactly (truncated to microseconds) where cftime goes through a float and
// sometimes loses a microsecond ("00:00:00.262024" is 262023 µs there).
func ParseUnits(units, calendar string) (Units, error) {
	fail := func(format string, args ...any) (Units, error) {
		return Units{}, &UnitsError{Units: units, Calendar: calendar, Msg: fmt.Sprintf(format, args...)}
	}
	cal, err := ParseCalendar(calendar)
	if err != nil {
		return fail("%s", strings.TrimPrefix(err.Error(), "cftime: "))
	}
	// Python's units.split(None, 2): the remainder keeps inner text.
	unitWord, rest := splitWord(units)
	sinceWord, rest := splitWord(rest)
	rest = strings.TrimLeftFunc(rest, pyIsSpace)
	if unitWord == "" || sinceWord == "" || rest == "" {
		return fail(`want "<unit> since <reference time>"`)
	}
	if asciiLower(sinceWord) != "since" {
		return fail(`want "<unit> since <reference time>", found %q where "since" belongs`, sinceWord)
	}
	unit, ok := unitNames[asciiLower(unitWord)]
	if !ok {
		return fail("unknown time unit %q (cftime accepts microseconds, milliseconds, seconds, minutes, hours, days and their abbreviations; months with 360_day; common_years with noleap)", unitWord)
	}
	if err := unit.allowedIn(cal); err != nil {
		return fail("%s", err)
	}
	ref, err := parseRefTime(strings.TrimFunc(rest, pyIsSpace))
	if err != nil {
		return fail("%s", err)
	}
	if err := cal.check(ref.DateTime); err != nil {
		return fail("reference time: %s", err)
	}
	at := cal.instant(ref.DateTime).add(-ref.offsetMinutes * 60 * usPerSecond)
	epoch, err := cal.dateTime(at)
	if err != nil {
		return fail("reference time with its time zone: %s", err)
	}
	return Units{unit: unit, cal: cal, epoch: epoch, at: at}, nil
}

// NewUnits builds the units "<unit> since <epoch>" of a calendar, the epoch
// in UTC.
func NewUnits(unit Unit, epoch DateTime, cal Calendar) (Units, error) {
	if !cal.valid() {
		return Units{}, fmt.Errorf("cftime: invalid calendar %d", uint8(cal))
	}
	if err := unit.allowedIn(cal); err != nil {
		return Units{}, fmt.Errorf("cftime: %w", err)
	}
	if err := cal.check(epoch); err != nil {
		return Units{}, fmt.Errorf("cftime: epoch %s in the %s calendar: %w", epoch, cal, err)
	}
	return Units{unit: unit, cal: cal, epoch: epoch, at: cal.instant(epoch)}, nil
}

// Unit is the units' time unit.
func (u Units) Unit() Unit { return u.unit }

// Calendar is the units' calendar.
func (u Units) Calendar() Calendar { return u.cal }

// Epoch is the reference time in UTC.
func (u Units) Epoch() DateTime { return u.epoch }

// String is the canonical units attribute, "days since 2000-01-01
// 00:00:00": the canonical unit name and the UTC reference time as
// DateTime.String writes it, which ParseUnits reads back to the same Units
// (with the same calendar).
func (u Units) String() string {
	if u.unit == 0 {
		return ""
	}
	return u.unit.String() + " since " + u.epoch.String()
}

// Equal reports whether u and o are the same unit, calendar (aliases are
// the same calendar) and reference instant, so that values in one mean the
// same times in the other.
func (u Units) Equal(o Units) bool { return u == o }

// SameCalendar reports whether values in u can be converted to o.
func (u Units) SameCalendar(o Units) bool { return u.cal == o.cal }

// splitWord returns the first whitespace-delimited word of s and what
// follows it, as one step of Python's str.split(None, n).
func splitWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, pyIsSpace)
	i := strings.IndexFunc(s, pyIsSpace)
	if i < 0 {
		return s, ""
	}
	_, n := utf8.DecodeRuneInString(s[i:])
	return s[:i], s[i+n:]
}

// pyIsSpace is Python's str.isspace for one character: Unicode White_Space
// plus the ASCII separators U+001C..U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }
