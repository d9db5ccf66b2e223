package cftime

import (
	"errors"
	"math"
	"testing"
)

func TestConvert(t *testing.T) {
	for _, tc := range []struct {
		calendar, from, to string
		v, want            float64
	}{
		// The epoch difference is whole days of the calendar: February has
		// 28 days in noleap, 29 in 2000 of standard.
		{"noleap", "days since 2000-02-01", "days since 2000-01-01", 31, 62},
		{"standard", "days since 2000-02-01", "days since 2000-01-01", 31, 62},
		{"noleap", "days since 2000-03-01", "days since 2000-01-01", 0, 59},
		{"standard", "days since 2000-03-01", "days since 2000-01-01", 0, 60},
		{"360_day", "days since 2000-03-01", "days since 2000-01-01", 0, 60},
		{"360_day", "months since 2000-01-01", "days since 2000-01-01", 1.5, 45},
		{"noleap", "common_years since 1900-01-01", "days since 2000-01-01", 100.5, 182.5},
		{"standard", "days since 1582-10-04", "days since 1582-10-15", 1, 0},
		{"julian", "days since 1582-10-04", "days since 1582-10-15", 1, -10},
		{"standard", "hours since 2000-01-01", "days since 2000-01-01", 36, 1.5},
		{"standard", "hours since 2000-01-01", "days since 2000-01-01", 1, 1.0 / 24},
		{"standard", "days since 2000-01-01", "hours since 2000-01-01 00:00:00 +01:00", 0.5, 13},
		{"standard", "days since 2000-01-01", "seconds since 1970-01-01", 0, 946684800},
		{"standard", "days since 2000-01-01", "days since 2000-01-01", 0.1, 0.1},
		{"standard", "days since 2000-01-01", "days since 1999-12-31", 0.1, 1.1},
		{"standard", "days since 2000-01-01", "hours since 2000-01-01", 0.1, 2.4000000000000004}, // exact: 0.1 (float) · 24 is nearest 2.4000000000000004
		// Exact where an epoch difference is beyond int64 microseconds.
		{"noleap", "days since -2000000000-01-01", "days since 2000000000-01-01", 1, -1459999999999},
		{"noleap", "days since -2000000000-01-01", "microseconds since 2000000000-01-01", 0, -1.26144e23},
	} {
		from := mustUnits(t, tc.from, tc.calendar)
		to := mustUnits(t, tc.to, tc.calendar)
		got, err := from.Convert(tc.v, to)
		if err != nil || got != tc.want {
			t.Errorf("%v %q -> %q (%s) = %v, %v; want %v", tc.v, tc.from, tc.to, tc.calendar, got, err, tc.want)
		}
	}
}

func TestConvertErrors(t *testing.T) {
	std := mustUnits(t, "days since 2000-01-01", "standard")
	for _, tc := range []struct {
		to     Units
		v      float64
		target error
	}{
		{mustUnits(t, "days since 2000-01-01", "noleap"), 1, ErrCalendarMismatch},
		{mustUnits(t, "days since 2000-01-01", "proleptic_gregorian"), 1, ErrCalendarMismatch},
		{mustUnits(t, "days since 2000-01-01", "julian"), 1, ErrCalendarMismatch},
		{std, math.NaN(), ErrRange},
		{std, math.Inf(-1), ErrRange},
		{mustUnits(t, "microseconds since 2000-01-01", "standard"), math.MaxFloat64, ErrRange},
		{Units{}, 1, errZeroUnits},
	} {
		if got, err := std.Convert(tc.v, tc.to); !errors.Is(err, tc.target) {
			t.Errorf("Convert(%v, %q %s) = %v, %v; want %v", tc.v, tc.to, tc.to.Calendar(), got, err, tc.target)
		}
	}
	// Aliases are the same calendar.
	greg := mustUnits(t, "hours since 2000-01-01", "gregorian")
	if got, err := std.Convert(1, greg); err != nil || got != 24 {
		t.Errorf("standard -> gregorian: %v, %v", got, err)
	}
}

func TestConvertInt(t *testing.T) {
	for _, tc := range []struct {
		calendar, from, to string
		v, want            int64
		whole              bool
	}{
		{"noleap", "days since 2000-02-01", "days since 2000-01-01", 31, 62, true},
		{"standard", "hours since 2000-01-01", "days since 2000-01-01", 48, 2, true},
		{"standard", "hours since 2000-01-01", "days since 2000-01-01", 36, 0, false},
		{"standard", "days since 1970-01-01", "milliseconds since 2000-01-01", 0, -946684800000, true},
		{"360_day", "days since 2000-01-01", "months since 2000-01-01", 90, 3, true},
		{"standard", "seconds since 2000-01-01 00:00:00 +00:01", "minutes since 2000-01-01", 120, 1, true},
		{"noleap", "days since -2000000000-01-01", "days since 2000000000-01-01", 1, -1459999999999, true},
		{"noleap", "microseconds since -2000000000-01-01", "days since 2000000000-01-01", 1, 0, false},
		{"standard", "microseconds since 2000-01-01", "microseconds since 2000-01-01", math.MinInt64, math.MinInt64, true},
		{"standard", "microseconds since 2000-01-01", "microseconds since 2000-01-02", math.MinInt64 + usPerDay, math.MinInt64, true},
	} {
		from := mustUnits(t, tc.from, tc.calendar)
		to := mustUnits(t, tc.to, tc.calendar)
		got, whole, err := from.ConvertInt(tc.v, to)
		if err != nil || got != tc.want || whole != tc.whole {
			t.Errorf("%d %q -> %q (%s) = %d, %v, %v; want %d, %v", tc.v, tc.from, tc.to, tc.calendar, got, whole, err, tc.want, tc.whole)
		}
	}
	for _, tc := range []struct {
		calendar, from, to string
		v                  int64
		target             error
	}{
		{"noleap", "days since -2000000000-01-01", "microseconds since 2000000000-01-01", 0, ErrRange},
		{"standard", "days since 2000-01-01", "microseconds since 2000-01-01", math.MaxInt64 / 1000, ErrRange},
		{"standard", "microseconds since 2000-01-01", "microseconds since 2000-01-02", math.MinInt64, ErrRange},
		{"standard", "days since 2000-01-01", "", 1, ErrCalendarMismatch},
	} {
		from := mustUnits(t, tc.from, tc.calendar)
		to := mustUnits(t, "days since 2000-01-01", "noleap")
		if tc.to != "" {
			to = mustUnits(t, tc.to, tc.calendar)
		}
		if got, whole, err := from.ConvertInt(tc.v, to); !errors.Is(err, tc.target) {
			t.Errorf("%d %q -> %q = %d, %v, %v; want %v", tc.v, tc.from, to, got, whole, err, tc.target)
		}
	}
}

func TestDateErrors(t *testing.T) {
	u := mustUnits(t, "days since 2000-01-01", "standard")
	for _, v := range []float64{math.NaN(), math.Inf(1), 1.1e8, -1.1e8} {
		if d, err := u.Date(v); !errors.Is(err, ErrRange) {
			t.Errorf("Date(%v) = %s, %v; want ErrRange", v, d, err)
		}
	}
	if _, err := (Units{}).Date(0); err == nil {
		t.Error("zero Units decoded a date")
	}
}

func TestValue(t *testing.T) {
	u := mustUnits(t, "hours since 2000-01-01 00:00:00 +01:00", "standard")
	for _, tc := range []struct {
		d    DateTime
		want float64
	}{
		{DateTime{Year: 2000, Month: 1, Day: 1}, 1},
		{DateTime{Year: 1999, Month: 12, Day: 31, Hour: 23}, 0},
		{DateTime{Year: 2000, Month: 1, Day: 1, Minute: 30}, 1.5},
		{DateTime{Year: 2000, Month: 1, Day: 1, Second: 1}, 1 + 1.0/3600},
	} {
		if got, err := u.Value(tc.d); err != nil || got != tc.want {
			t.Errorf("Value(%s) = %v, %v; want %v", tc.d, got, err, tc.want)
		}
	}
	if v, err := u.Value(DateTime{Year: 1582, Month: 10, Day: 10}); err == nil {
		t.Errorf("Value of a date in the reform gap = %v", v)
	}
}

func BenchmarkConvert(b *testing.B) {
	for _, tc := range []struct {
		name, from, to string
		v              float64
	}{
		{"hours-to-days-whole", "hours since 2000-01-01", "days since 1970-01-01", 36},
		{"days-to-hours-frac", "days since 2000-01-01", "hours since 1970-01-01", 0.25},
		{"hours-to-days-frac", "hours since 2000-01-01", "days since 1970-01-01", 0.25},
	} {
		from := mustUnits(b, tc.from, "standard")
		to := mustUnits(b, tc.to, "standard")
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := from.Convert(tc.v, to); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
