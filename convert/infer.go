package convert

// Type inference from a sample of the first rows.
//
// Each column starts out able to be any of int64, float64, bool and date;
// every non-empty sample value rules out the types it is not written as:
//
//   - int64: an optional "-", then "0" or digits without a leading zero,
//     within the int64 range. Leading zeros ("0700", an observation time)
//     and a "+" keep a column text, because a number would not give the
//     text back.
//   - float64: an int64 as above, or such an integer part (or none) with a
//     fraction, and an optional exponent: "-1.5", ".5", "2e10", within the
//     float64 range. No NaN or Inf words, no leading zeros.
//   - bool: true or false, in any case (not 1 and 0: those are integers).
//   - date: YYYY-MM-DD, a valid date. YYYYMMDD reads as an int64: an
//     eight-digit number is not necessarily a date; --schema COL:date says
//     it is.
//
// The first type left in the order int64, float64, bool, date wins; a
// column with no type left, or with no non-empty value in the sample, is a
// string. Narrower types (int32, float32) are never inferred: they come
// from --schema.
//
// A later row whose value does not fit the inferred type is a bad row, not
// a reason to widen the column: rows already written into Parquet pages
// cannot change type, and a dataset whose files disagree on a column's
// type would be worse. The bad-row report names the inferred type, so the
// fix (--schema, or a larger sample) is evident.

const (
	canInt = 1 << iota
	canFloat
	canBool
	canDate
	canAny = canInt | canFloat | canBool | canDate
)

// inferer narrows the candidate types of each column as sample values arrive.
type inferer struct {
	can    []uint8
	sample []bool // whether the column had a non-empty value
}

func newInferer(columns int) *inferer {
	in := &inferer{can: make([]uint8, columns), sample: make([]bool, columns)}
	for i := range in.can {
		in.can[i] = canAny
	}
	return in
}

func (in *inferer) add(col int, b []byte) {
	if len(b) == 0 || in.can[col] == 0 {
		return
	}
	in.sample[col] = true
	c := in.can[col]
	if c&(canInt|canFloat) != 0 {
		isInt, isFloat := classifyNumber(b)
		if !isInt {
			c &^= canInt
		}
		if !isFloat {
			c &^= canFloat
		}
	}
	if c&canBool != 0 && !equalFoldASCII(b, "true") && !equalFoldASCII(b, "false") {
		c &^= canBool
	}
	if c&canDate != 0 {
		if _, ok := parseDate(b); !ok || len(b) != 10 {
			c &^= canDate
		}
	}
	in.can[col] = c
}

// typeOf is the inferred type of a column.
func (in *inferer) typeOf(col int) Type {
	c := in.can[col]
	switch {
	case !in.sample[col]:
		return String
	case c&canInt != 0:
		return Int64
	case c&canFloat != 0:
		return Float64
	case c&canBool != 0:
		return Bool
	case c&canDate != 0:
		return Date
	}
	return String
}

// classifyNumber tells whether b is written as an int64 and as a float64
// under the rules above.
func classifyNumber(b []byte) (isInt, isFloat bool) {
	i := 0
	if len(b) > 0 && b[0] == '-' {
		i++
	}
	intStart := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	intDigits := i - intStart
	if intDigits > 1 && b[intStart] == '0' {
		return false, false
	}
	if i == len(b) {
		if intDigits == 0 {
			return false, false
		}
		_, fits := parseInt(b)
		return fits, true
	}
	fracDigits := 0
	if b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			fracDigits++
		}
	}
	if intDigits+fracDigits == 0 {
		return false, false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '-' || b[i] == '+') {
			i++
		}
		expStart := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == expStart {
			return false, false
		}
	}
	if i != len(b) {
		return false, false
	}
	// 1e999 is float syntax but out of range: ParseFloat refuses it.
	_, err := parseValue(Float64, b)
	return false, err == nil
}
