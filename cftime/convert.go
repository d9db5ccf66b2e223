package cftime

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
)

// Convert expresses the time v in u as a value in to: the same instant,
// counted in to's unit from to's reference time. Both must be of the same
// calendar (a day is not the same span of dates in noleap and standard).
//
// The result is the float64 nearest to the exact value
// (v·unit + (epoch_u − epoch_to)) / unit_to, the epoch difference counted in
// whole days and microseconds of the calendar, never through floating
// seconds: 31 days since 2000-02-01 in noleap is exactly 62 days since
// 2000-01-01. Where v is a whole number of microseconds this is what
// cftime.date2num(cftime.num2date(v, u), to) returns; cftime rounds other
// values to the microsecond first, Convert does not.
func (u Units) Convert(v float64, to Units) (float64, error) {
	if err := u.convertible(to); err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%w: %v %s", ErrRange, v, u)
	}
	from, into := int64(u.unit), int64(to.unit)
	if d, ok := u.offsetTo(to); ok {
		// A unit that divides both the source unit and the epoch
		// difference makes the result v·k + c with whole k and c, which one
		// fused multiply-add rounds once, exactly as the exact value would.
		if from%into == 0 && d%into == 0 {
			k, c := from/into, d/into
			if k <= 1<<53 && c >= -1<<53 && c <= 1<<53 {
				if r := math.FMA(v, float64(k), float64(c)); !math.IsInf(r, 0) {
					return r, nil
				}
			}
		}
		// v a whole number of microseconds (any integer time, and
		// fractions such as 0.25 hours): n = v·unit + d in int64, divided
		// once.
		if us, ok := wholeMicroseconds(v, from); ok {
			if n, ok := add(us, d); ok {
				if n%into == 0 {
					return float64(n / into), nil
				}
				if n >= -1<<53 && n <= 1<<53 {
					return float64(n) / float64(into), nil
				}
			}
		}
	}
	return u.convertExact(v, to)
}

// convertExact is Convert done in rational arithmetic.
func (u Units) convertExact(v float64, to Units) (float64, error) {
	r := new(big.Rat).SetFloat64(v)
	r.Mul(r, new(big.Rat).SetInt64(int64(u.unit)))
	r.Add(r, new(big.Rat).SetInt(u.offsetToBig(to)))
	r.Quo(r, new(big.Rat).SetInt64(int64(to.unit)))
	f, _ := r.Float64()
	if math.IsInf(f, 0) {
		return 0, fmt.Errorf("%w: %v %s is beyond float64 in %s", ErrRange, v, u, to)
	}
	return f, nil
}

// ConvertInt is Convert for integer times (the usual int32/int64 time
// coordinates): the value of v in to and true when it is a whole number of
// to's unit, 0 and false when it is not (hours that fall between days).
// A whole result beyond int64 is an ErrRange error.
func (u Units) ConvertInt(v int64, to Units) (int64, bool, error) {
	if err := u.convertible(to); err != nil {
		return 0, false, err
	}
	into := int64(to.unit)
	if d, ok := u.offsetTo(to); ok {
		if n, ok := mulAdd(v, int64(u.unit), d); ok {
			if n%into != 0 {
				return 0, false, nil
			}
			return n / into, true, nil
		}
	}
	n := new(big.Int).Mul(big.NewInt(v), big.NewInt(int64(u.unit)))
	n.Add(n, u.offsetToBig(to))
	q, m := new(big.Int).QuoRem(n, big.NewInt(into), new(big.Int))
	if m.Sign() != 0 {
		return 0, false, nil
	}
	if !q.IsInt64() {
		return 0, false, fmt.Errorf("%w: %d %s is %s %s, beyond int64", ErrRange, v, u, q, to)
	}
	return q.Int64(), true, nil
}

// Date decodes the time v to a date-time as cftime.num2date does: v·unit is
// rounded to a whole microsecond (half to even), and, for units of a second
// or longer, a result 1 µs either side of a whole second is pulled to the
// second when v was on that side of it (cftime issue #187), so float noise
// does not show as 23:59:59.999999. Like cftime it fails when v·unit is
// beyond ±2⁶³ µs (about 292,000 years).
func (u Units) Date(v float64) (DateTime, error) {
	if u.unit == 0 {
		return DateTime{}, errZeroUnits
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return DateTime{}, fmt.Errorf("%w: %v %s", ErrRange, v, u)
	}
	x := new(big.Rat).SetFloat64(v)
	x.Mul(x, new(big.Rat).SetInt64(int64(u.unit)))
	// floor(x) and whether x has a fraction, and how it compares to 1/2.
	num, den := x.Num(), x.Denom()
	fl, rem := new(big.Int).DivMod(num, den, new(big.Int)) // den > 0: Euclidean = floor
	if !fl.IsInt64() || fl.Int64() == math.MaxInt64 || fl.Int64() == math.MinInt64 {
		return DateTime{}, fmt.Errorf("%w: %v %s is more than 2^63 microseconds from the reference time", ErrRange, v, u)
	}
	floor := fl.Int64()
	ceil := floor
	if rem.Sign() != 0 {
		ceil++
	}
	rint := floor
	switch rem.Lsh(rem, 1).Cmp(den) { // 2·fraction against 1
	case 1:
		rint = ceil
	case 0:
		if floor%2 != 0 {
			rint = ceil
		}
	}
	if u.unit >= Second {
		switch floorMod(rint, usPerSecond) {
		case 1:
			rint = floor
		case usPerSecond - 1:
			rint = ceil
		}
	}
	return u.cal.dateTime(u.at.add(rint))
}

// Value encodes a date-time of u's calendar as a time in u, as
// cftime.date2num does: the exact span from the reference time divided by
// the unit, rounded once to float64 (a whole number when it divides).
func (u Units) Value(d DateTime) (float64, error) {
	if u.unit == 0 {
		return 0, errZeroUnits
	}
	if err := u.cal.check(d); err != nil {
		return 0, fmt.Errorf("cftime: %s is not a date of the %s calendar: %w", d, u.cal, err)
	}
	t := Units{unit: u.unit, cal: u.cal, epoch: d, at: u.cal.instant(d)}
	return t.Convert(0, u)
}

func (u Units) convertible(to Units) error {
	if u.unit == 0 || to.unit == 0 {
		return errZeroUnits
	}
	if u.cal != to.cal {
		return fmt.Errorf("%w: %q (%s) cannot be expressed in %q (%s)", ErrCalendarMismatch, u, u.cal, to, to.cal)
	}
	return nil
}

// offsetTo is u's epoch minus to's in microseconds, and false when that
// does not fit in int64.
func (u Units) offsetTo(to Units) (int64, bool) {
	days, ok := sub(u.at.day, to.at.day)
	if !ok {
		return 0, false
	}
	return mulAdd(days, usPerDay, u.at.us-to.at.us)
}

func (u Units) offsetToBig(to Units) *big.Int {
	n := big.NewInt(u.at.day)
	n.Sub(n, big.NewInt(to.at.day))
	n.Mul(n, big.NewInt(usPerDay))
	return n.Add(n, big.NewInt(u.at.us-to.at.us))
}

// wholeMicroseconds is v·unit when that is a whole number of microseconds
// in int64.
func wholeMicroseconds(v float64, unit int64) (int64, bool) {
	if v == math.Trunc(v) {
		if math.Abs(v) >= 1<<63 {
			return 0, false
		}
		return mul(int64(v), unit)
	}
	// The product is exact when the fused residual is 0.
	p := v * float64(unit)
	if math.FMA(v, float64(unit), -p) != 0 || p != math.Trunc(p) || math.Abs(p) >= 1<<63 {
		return 0, false
	}
	return int64(p), true
}

// mulAdd is a·b + c, and false when it overflows int64.
func mulAdd(a, b, c int64) (int64, bool) {
	p, ok := mul(a, b)
	if !ok {
		return 0, false
	}
	return add(p, c)
}

func add(a, b int64) (int64, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

func mul(a, b int64) (int64, bool) {
	neg := (a < 0) != (b < 0)
	hi, lo := bits.Mul64(absU(a), absU(b))
	if hi != 0 || lo > 1<<63 || (lo == 1<<63 && !neg) {
		return 0, false
	}
	if neg {
		return int64(-lo), true // -(1<<63) wraps to MinInt64, as it should
	}
	return int64(lo), true
}

func sub(a, b int64) (int64, bool) {
	s := a - b
	if (b < 0 && s < a) || (b > 0 && s > a) {
		return 0, false
	}
	return s, true
}

func absU(a int64) uint64 {
	if a < 0 {
		return uint64(-a) // MinInt64 gives 1<<63, its magnitude
	}
	return uint64(a)
}
