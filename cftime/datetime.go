package cftime

import (
	"fmt"
	"strconv"
)

// DateTime is a date and time of day in some Calendar, without a time zone
// (CF times are UTC once the reference time's offset is applied). Year is
// numbered as the calendar numbers it: in Standard and Julian 1 BC is -1
// and there is no year 0; the other calendars have a year 0.
type DateTime struct {
	Year                 int64
	Month, Day           int
	Hour, Minute, Second int
	Microsecond          int
}

// String formats d as cftime's datetime does with str():
// "2000-01-31 00:00:00", the year zero-padded to 4 digits after its sign
// ("-0100-01-01 00:00:00"), and ".ffffff" only when Microsecond is not 0.
func (d DateTime) String() string {
	b := make([]byte, 0, 32)
	y := d.Year
	if y < 0 {
		b = append(b, '-')
		y = -y
	}
	b = appendPadded(b, y, 4)
	b = append(b, '-')
	b = appendPadded(b, int64(d.Month), 2)
	b = append(b, '-')
	b = appendPadded(b, int64(d.Day), 2)
	b = append(b, ' ')
	b = appendPadded(b, int64(d.Hour), 2)
	b = append(b, ':')
	b = appendPadded(b, int64(d.Minute), 2)
	b = append(b, ':')
	b = appendPadded(b, int64(d.Second), 2)
	if d.Microsecond != 0 {
		b = append(b, '.')
		b = appendPadded(b, int64(d.Microsecond), 6)
	}
	return string(b)
}

func appendPadded(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

const (
	usPerSecond = 1_000_000
	usPerDay    = 86_400 * usPerSecond
)

// instant is a point in time of one calendar: a day number (see
// Calendar.dayNumber) and the microseconds since that day's midnight, in
// [0, usPerDay).
type instant struct {
	day int64
	us  int64
}

// check reports why d is not a date-time of calendar c, with the ranges
// cftime's datetime constructor enforces.
func (c Calendar) check(d DateTime) error {
	if err := c.checkDate(d.Year, d.Month, d.Day); err != nil {
		return err
	}
	switch {
	case d.Hour < 0 || d.Hour > 23:
		return fmt.Errorf("hour %d is not in 0..23", d.Hour)
	case d.Minute < 0 || d.Minute > 59:
		return fmt.Errorf("minute %d is not in 0..59", d.Minute)
	case d.Second < 0 || d.Second > 59:
		return fmt.Errorf("second %d is not in 0..59 (cftime has no leap seconds)", d.Second)
	case d.Microsecond < 0 || d.Microsecond > 999_999:
		return fmt.Errorf("microsecond %d is not in 0..999999", d.Microsecond)
	}
	return nil
}

// instant places a checked date-time on the calendar's time line.
func (c Calendar) instant(d DateTime) instant {
	us := ((int64(d.Hour)*60+int64(d.Minute))*60+int64(d.Second))*usPerSecond + int64(d.Microsecond)
	return instant{day: c.dayNumber(d.Year, d.Month, d.Day), us: us}
}

// dateTime is the inverse of instant. It fails only when the year leaves
// cftime's range.
func (c Calendar) dateTime(t instant) (DateTime, error) {
	y, m, d := c.date(t.day)
	if y < minYear || y > maxYear {
		return DateTime{}, fmt.Errorf("%w: year %d is outside cftime's range [%d, %d]", ErrRange, y, minYear, maxYear)
	}
	s := t.us / usPerSecond
	return DateTime{
		Year: y, Month: m, Day: d,
		Hour: int(s / 3600), Minute: int(s / 60 % 60), Second: int(s % 60),
		Microsecond: int(t.us % usPerSecond),
	}, nil
}

// add moves t by us microseconds.
func (t instant) add(us int64) instant {
	t.day += floorDiv(us, usPerDay)
	t.us += floorMod(us, usPerDay)
	if t.us >= usPerDay {
		t.day++
		t.us -= usPerDay
	}
	return t
}
