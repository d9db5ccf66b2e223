package cftime

import (
	"errors"
	"math"
	"testing"
)

// FuzzParseUnits: no units string, calendar or value makes the package
// panic; whatever parses prints and reads back to the same Units; decoded
// dates exist in the calendar and encode back to the value within the
// microsecond Date rounds to; and a conversion to other units of the same
// calendar and back returns the value within 1e-9 of the magnitudes
// involved (v itself, or the intermediate value, which may hold a large
// epoch difference that swallows the low digits of v), with every fast
// path giving the exactly rounded result.
func FuzzParseUnits(f *testing.F) {
	for _, s := range []struct {
		a, b, cal string
		v         float64
	}{
		{"days since 2000-01-01", "hours since 1970-01-01 00:00:00", "standard", 1.5},
		{"days since 2000-02-01", "days since 2000-01-01", "noleap", 31},
		{"months since 2000-01-01", "days since 1999-12-30", "360_day", 0.1},
		{"common_years since 1-1-1", "seconds since 2000-01-01T00:00:00Z", "365_day", -3.25},
		{"hours since 1582-10-04 12:00:00", "days since 1582-10-15", "gregorian", 1e6},
		{"microseconds since -100-01-01 00:00:00.5 +05:30", "msecs since 0001-01-01", "julian", 9.2e18},
		{"d since 0-1-1", "h since 12345-6-7 8:9:10.111", "proleptic_gregorian", 1e-300},
		{"s since 2000-01-01 00:00:00 UTC", "s since 2000-01-01", "all_leap", math.MaxFloat64},
	} {
		f.Add(s.a, s.b, s.cal, s.v)
	}
	f.Fuzz(func(t *testing.T, unitsA, unitsB, calendar string, v float64) {
		a, err := ParseUnits(unitsA, calendar)
		if err != nil {
			return
		}
		if back, err := ParseUnits(a.String(), calendar); err != nil || back != a {
			t.Fatalf("%q (%q): String() %q reads back as %q, %v", unitsA, calendar, a, back, err)
		}
		fa := float64(a.Unit())
		if d, err := a.Date(v); err == nil {
			if err := a.Calendar().check(d); err != nil {
				t.Fatalf("Date(%v) in %q (%s) = %s: %v", v, a, a.Calendar(), d, err)
			}
			back, err := a.Value(d)
			if err != nil || math.Abs(back-v) > 1.5/fa+4*ulp(v) {
				t.Fatalf("Date(%v) in %q = %s, whose value is %v, %v", v, a, d, back, err)
			}
		} else if !errors.Is(err, ErrRange) {
			t.Fatalf("Date(%v) in %q: %v", v, a, err)
		}

		b, err := ParseUnits(unitsB, calendar)
		if err != nil {
			return
		}
		mid, err := a.Convert(v, b)
		if err != nil {
			if !errors.Is(err, ErrRange) {
				t.Fatalf("Convert(%v, %q -> %q): %v", v, a, b, err)
			}
			return
		}
		if exact, err := a.convertExact(v, b); err != nil || exact != mid {
			t.Fatalf("Convert(%v, %q -> %q) = %v, exactly %v (%v)", v, a, b, mid, exact, err)
		}
		back, err := b.Convert(mid, a)
		if err != nil && errors.Is(err, ErrRange) && math.Abs(v) > math.MaxFloat64/2 {
			return // mid rounded up past what float64 holds in a's unit
		}
		if err != nil {
			t.Fatalf("Convert(%v, %q -> %q) = %v, which does not convert back: %v", v, a, b, mid, err)
		}
		scale := math.Max(math.Abs(v), math.Abs(mid)*float64(b.Unit())/fa)
		if math.Abs(back-v) > 1e-9*scale {
			t.Fatalf("%v %q -> %v %q -> %v", v, a, mid, b, back)
		}
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			q, whole, err := a.ConvertInt(int64(v), b)
			if err == nil && whole && float64(q) != mid {
				t.Fatalf("ConvertInt(%d, %q -> %q) = %d, Convert %v", int64(v), a, b, q, mid)
			}
		}
	})
}
