package convert

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"
)

// Type is the type of a column's values in the Parquet output.
type Type uint8

// The column types. Every column is OPTIONAL in Parquet: an empty CSV field
// is a null.
const (
	String  Type = iota + 1 // BYTE_ARRAY, logical type STRING
	Int32                   // INT32
	Int64                   // INT64
	Float32                 // FLOAT
	Float64                 // DOUBLE
	Bool                    // BOOLEAN
	Date                    // INT32, logical type DATE: days since 1970-01-01
)

var typeNames = [...]string{String: "string", Int32: "int32", Int64: "int64", Float32: "float32", Float64: "float64", Bool: "bool", Date: "date"}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType reads a type name as --schema writes it.
func ParseType(s string) (Type, error) {
	for t, name := range typeNames {
		if name != "" && strings.EqualFold(s, name) {
			return Type(t), nil
		}
	}
	return 0, fmt.Errorf("unknown type %q (want one of string, int32, int64, float32, float64, bool, date)", s)
}

// ColumnType names one column's type, as given on the command line.
type ColumnType struct {
	Name string
	Type Type
}

// ParseSchema reads "COL:TYPE,COL:TYPE,...". Names are matched exactly;
// type names in any case. A column may appear once.
func ParseSchema(spec string) ([]ColumnType, error) {
	var out []ColumnType
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		i := strings.LastIndexByte(item, ':')
		if i <= 0 {
			return nil, fmt.Errorf("schema item %q: want COLUMN:TYPE", item)
		}
		name := strings.TrimSpace(item[:i])
		t, err := ParseType(strings.TrimSpace(item[i+1:]))
		if err != nil {
			return nil, fmt.Errorf("schema item %q: %w", item, err)
		}
		if seen[name] {
			return nil, fmt.Errorf("schema names column %q twice", name)
		}
		seen[name] = true
		out = append(out, ColumnType{Name: name, Type: t})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty schema %q", spec)
	}
	return out, nil
}

// FormatSchema writes columns the way ParseSchema reads them.
func FormatSchema(cols []ColumnType) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(c.Name)
		b.WriteByte(':')
		b.WriteString(c.Type.String())
	}
	return b.String()
}

// value is one parsed field: integers, booleans (0/1) and dates (days) in
// i, floats in f, strings left in the record. null marks an empty field.
type value struct {
	i    int64
	f    float64
	null bool
}

// parseValue parses a non-empty field as t; the error says why it does not
// fit, without naming the column (the caller does).
func parseValue(t Type, b []byte) (value, error) {
	switch t {
	case String:
		return value{}, nil
	case Int32:
		v, ok := parseInt(b)
		if !ok || v < -1<<31 || v > 1<<31-1 {
			return value{}, errNotA(b, t)
		}
		return value{i: v}, nil
	case Int64:
		v, ok := parseInt(b)
		if !ok {
			return value{}, errNotA(b, t)
		}
		return value{i: v}, nil
	case Float32, Float64:
		bits := 64
		if t == Float32 {
			bits = 32
		}
		// The string shares b's memory only for the call: ParseFloat
		// keeps nothing of it, and errors are built from a copy.
		f, err := strconv.ParseFloat(unsafe.String(unsafe.SliceData(b), len(b)), bits)
		if err != nil {
			return value{}, errNotA(b, t)
		}
		return value{f: f}, nil
	case Bool:
		v, ok := parseBool(b)
		if !ok {
			return value{}, errNotA(b, t)
		}
		return value{i: v}, nil
	case Date:
		d, ok := parseDate(b)
		if !ok {
			return value{}, errNotA(b, t)
		}
		return value{i: int64(d)}, nil
	}
	return value{}, fmt.Errorf("column type %v has no parser", t)
}

// maxShownField bounds how much of a bad field an error quotes.
const maxShownField = 40

func errNotA(b []byte, t Type) error {
	s := string(b[:min(len(b), maxShownField)])
	if len(b) > maxShownField {
		s += "..."
	}
	return fmt.Errorf("%q is not %s", s, typeArticle[t])
}

var typeArticle = [...]string{String: "a string", Int32: "an int32", Int64: "an int64", Float32: "a float32", Float64: "a float64",
	Bool: "a bool (true, false, 1 or 0)", Date: "a date (YYYYMMDD or YYYY-MM-DD)"}

// parseInt reads an optional sign and decimal digits, refusing overflow.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		d := c - '0'
		if d > 9 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	// 19 digits cannot overflow uint64; the int64 range is checked here.
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// parseBool accepts true/false in any case, and 1/0.
func parseBool(b []byte) (int64, bool) {
	switch len(b) {
	case 1:
		switch b[0] {
		case '1':
			return 1, true
		case '0':
			return 0, true
		}
	case 4:
		if equalFoldASCII(b, "true") {
			return 1, true
		}
	case 5:
		if equalFoldASCII(b, "false") {
			return 0, true
		}
	}
	return 0, false
}

// equalFoldASCII compares b with the lower-case ASCII word s, ignoring case.
func equalFoldASCII(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if c|0x20 != s[i] {
			return false
		}
	}
	return true
}

// parseDate reads YYYYMMDD (GHCN's form) or YYYY-MM-DD (ISO 8601) as days
// since 1970-01-01 in the proleptic Gregorian calendar, Parquet's DATE.
func parseDate(b []byte) (int32, bool) {
	var y, m, d int
	var ok1, ok2, ok3 bool
	switch {
	case len(b) == 8:
		y, ok1 = digits(b[0:4])
		m, ok2 = digits(b[4:6])
		d, ok3 = digits(b[6:8])
	case len(b) == 10 && b[4] == '-' && b[7] == '-':
		y, ok1 = digits(b[0:4])
		m, ok2 = digits(b[5:7])
		d, ok3 = digits(b[8:10])
	default:
		return 0, false
	}
	if !ok1 || !ok2 || !ok3 || y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is Howard Hinnant's days_from_civil: days since 1970-01-01
// of a proleptic Gregorian date, without going through time.Time.
func daysFromCivil(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

// civilFromDays inverts daysFromCivil; it formats date partition values.
func civilFromDays(z int32) (y, m, d int) {
	zz := int(z) + 719468
	era := zz / 146097
	if zz < 0 && zz%146097 != 0 {
		era--
	}
	doe := zz - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	m = mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// formatValue writes a parsed value as the text a partition directory
// holds: integers in decimal, dates as YYYY-MM-DD, floats in the shortest
// form that reads back equal, booleans as true/false, strings as they are.
func formatValue(dst []byte, t Type, raw []byte, v value) []byte {
	switch t {
	case Int32, Int64:
		return strconv.AppendInt(dst, v.i, 10)
	case Float32:
		return strconv.AppendFloat(dst, v.f, 'g', -1, 32)
	case Float64:
		return strconv.AppendFloat(dst, v.f, 'g', -1, 64)
	case Bool:
		return strconv.AppendBool(dst, v.i != 0)
	case Date:
		y, m, d := civilFromDays(int32(v.i))
		return fmt.Appendf(dst, "%04d-%02d-%02d", y, m, d)
	}
	return append(dst, raw...)
}
