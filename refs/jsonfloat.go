package refs

import (
	"math"
	"slices"
	"strconv"
)

// AppendFloat writes a float as MarshalCanonical does, for the format
// parsers that write attribute values directly: the shortest 'g' form that
// reads back as the same float of its size (strconv.AppendFloat(b, f, 'g',
// -1, bits)), with ".0" when that form looks like an integer, and the bare
// words that Python's json module reads for non-finite values.
//
// The values attributes are mostly made of take a short cut: those whose
// shortest form has at most 9 decimals and is written without an exponent
// (1e-4 <= |f| < 1e6), such as 0.5, 273.15 or 1000. The shortest form is
// the decimal with the fewest significant digits that reads back as f,
// the nearest to f if there are several. Without an exponent the position
// of the leading digit is the same for all of them (unless a power of ten
// reads back as f, which then has the fewest digits and decimals of all),
// so fewer digits means fewer decimals.
func AppendFloat(b []byte, f float64, bits int) []byte {
	var m uint64 // |shortest form| * 1e9
	var ok bool
	if bits == 32 {
		m, ok = shortDecimal32(float32(f))
	} else {
		m, ok = shortDecimal64(f)
	}
	if ok {
		if f < 0 {
			b = append(b, '-')
		}
		return appendNanos(b, m)
	}
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0 && math.Signbit(f):
		return append(b, "-0.0"...)
	case f == 0:
		return append(b, "0.0"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, bits)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' {
			return b
		}
	}
	return append(b, ".0"...)
}

// Bounds of the short cut, in units of 1e-9: strconv writes a shortest
// form d without an exponent when 1e-4 <= d < 1e6.
const (
	minShortNanos = 1e5
	maxShortNanos = 1e15
)

// shortDecimal64 returns |f|'s shortest form times 1e9 if that is an
// integer and the form has no exponent: NaN, infinities and zero are not.
//
// If a decimal d with at most 9 decimals reads back as f, d is within half
// a unit in the last place of |f| < 1e6, so |f|*1e9 (< 1e15 < 2^50) is
// within 0.18 of the integer d*1e9 even after the product's own rounding:
// rounding it gives d*1e9 exactly. The one division checks it: float64
// holds d*1e9 and 1e9 exactly and IEEE division rounds correctly, as
// strconv.ParseFloat does. There is no other such decimal: 1e-9 is more
// than a unit in the last place of any float64 below 1e6.
func shortDecimal64(f float64) (uint64, bool) {
	x := math.Abs(f)
	if !(x >= 0.99e-4 && x < 1e6) {
		return 0, false
	}
	m := math.RoundToEven(x * 1e9) // an intrinsic, unlike math.Round; never a tie here
	if m/1e9 != x || m < minShortNanos || m >= maxShortNanos {
		return 0, false
	}
	return uint64(m), true
}

// pow10 holds 10^k for k up to maxShortDecimals, exactly.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

const maxShortDecimals = 9

// shortDecimal32 is shortDecimal64 for a float32, whose shortest form
// reads back as the same float32. It looks for the fewest decimals k with
// a multiple of 10^-k among the reals that round to f, and takes the one
// nearest f, in exact arithmetic: f's 24-bit significand, and the 25-bit
// bounds halfway to its neighbours, times 10^k (5^k < 2^21 and a power of
// two) fit float64's 53 bits. Exact ties are left to strconv.
func shortDecimal32(f float32) (uint64, bool) {
	x := math.Abs(float64(f))
	if !(x >= 0.99e-4 && x < 1e6) {
		return 0, false
	}
	u := math.Float32bits(float32(x))
	lo := (x + float64(math.Float32frombits(u-1))) / 2
	hi := (x + float64(math.Float32frombits(u+1))) / 2
	even := u&1 == 0 // reading back rounds ties to even: the bounds are f's
	in := func(n, l, h float64) bool {
		if even {
			return l <= n && n <= h
		}
		return l < n && n < h
	}
	for k, p := range pow10 {
		y, l, h := x*p, lo*p, hi*p
		below := math.Floor(y)
		above := below + 1
		var n float64
		switch inBelow, inAbove := in(below, l, h), in(above, l, h); {
		case below == y:
			n = y
		case inBelow && inAbove:
			switch db, da := y-below, above-y; {
			case db < da:
				n = below
			case da < db:
				n = above
			default:
				return 0, false
			}
		case inBelow:
			n = below
		case inAbove:
			n = above
		default:
			continue
		}
		m := uint64(n) * uint64(pow10[maxShortDecimals-k])
		return m, m >= minShortNanos && m < maxShortNanos
	}
	return 0, false
}

// appendNanos appends m*1e-9 in plain decimal notation as strconv's 'g'
// writes it, with ".0" after an integer. Its at most 17 bytes are stored
// right to left, two digits at a time: a copy through memmove costs more
// than making them.
func appendNanos(b []byte, m uint64) []byte {
	whole, frac := m/1e9, m%1e9
	n := 9 // decimals, once frac's trailing zeros are gone
	switch {
	case frac == 0:
		n = 1 // ".0"
	case frac%1e8 == 0:
		frac /= 1e8
		n = 1
	default:
		if frac%1e4 == 0 {
			frac /= 1e4
			n -= 4
		}
		if frac%1e2 == 0 {
			frac /= 1e2
			n -= 2
		}
		if frac%10 == 0 {
			frac /= 10
			n--
		}
	}
	w := 1 // digits of whole, < 1e6
	for w < 6 && whole >= wholeDigits[w] {
		w++
	}
	b = slices.Grow(b, w+1+n)
	i := len(b) + w + 1 + n
	b = b[:i]
	for ; n >= 2; n -= 2 {
		i -= 2
		p := frac % 100 * 2
		frac /= 100
		b[i], b[i+1] = digitPairs[p], digitPairs[p+1]
	}
	if n == 1 {
		i--
		b[i] = byte('0' + frac)
	}
	i--
	b[i] = '.'
	for ; w >= 2; w -= 2 {
		i -= 2
		p := whole % 100 * 2
		whole /= 100
		b[i], b[i+1] = digitPairs[p], digitPairs[p+1]
	}
	if w == 1 {
		b[i-1] = byte('0' + whole)
	}
	return b
}

// wholeDigits[w] is the least number of w+1 digits.
var wholeDigits = [...]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5}

const digitPairs = "00010203040506070809" +
	"10111213141516171819" +
	"20212223242526272829" +
	"30313233343536373839" +
	"40414243444546474849" +
	"50515253545556575859" +
	"60616263646566676869" +
	"70717273747576777879" +
	"80818283848586878889" +
	"90919293949596979899"

// AppendString writes a JSON string as MarshalCanonical does: one that
// needs no escaping as it is, the others through MarshalCanonical, which
// keeps the one set of escaping rules.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			doc, _ := MarshalCanonical(s) // a string always encodes
			return append(b, doc...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
