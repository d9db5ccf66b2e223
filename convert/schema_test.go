package convert

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseSchema(t *testing.T) {
	got, err := ParseSchema("ID:string, DATE:date,DATA_VALUE:INT32,x:y:float64")
	want := []ColumnType{{"ID", String}, {"DATE", Date}, {"DATA_VALUE", Int32}, {"x:y", Float64}}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v; want %v", got, err, want)
	}
	if s := FormatSchema(want); s != "ID:string,DATE:date,DATA_VALUE:int32,x:y:float64" {
		t.Errorf("FormatSchema: %s", s)
	}
	for _, bad := range []string{"", ",", "ID", "ID:", ":int32", "ID:text", "a:int32,a:int64"} {
		if _, err := ParseSchema(bad); err == nil {
			t.Errorf("ParseSchema(%q) accepted", bad)
		}
	}
}

func TestParseValue(t *testing.T) {
	for _, tc := range []struct {
		typ  Type
		in   string
		want value
		ok   bool
	}{
		{Int32, "0", value{}, true},
		{Int32, "-2147483648", value{i: math.MinInt32}, true},
		{Int32, "2147483647", value{i: math.MaxInt32}, true},
		{Int32, "2147483648", value{}, false},
		{Int32, "+12", value{i: 12}, true},
		{Int32, "007", value{i: 7}, true},
		{Int32, "1.0", value{}, false},
		{Int32, " 1", value{}, false},
		{Int32, "-", value{}, false},
		{Int64, "-9223372036854775808", value{i: math.MinInt64}, true},
		{Int64, "9223372036854775807", value{i: math.MaxInt64}, true},
		{Int64, "9223372036854775808", value{}, false},
		{Int64, "-9223372036854775809", value{}, false},
		{Int64, "99999999999999999999", value{}, false},
		{Float64, "1e300", value{f: 1e300}, true},
		{Float64, "1e999", value{}, false},
		{Float64, "-0.5", value{f: -0.5}, true},
		{Float64, "abc", value{}, false},
		{Float32, "3.4e38", value{f: float64(float32(3.4e38))}, true},
		{Float32, "1e39", value{}, false},
		{Bool, "true", value{i: 1}, true},
		{Bool, "FALSE", value{}, true},
		{Bool, "1", value{i: 1}, true},
		{Bool, "0", value{}, true},
		{Bool, "yes", value{}, false},
		{Bool, "tru", value{}, false},
		{Date, "19700101", value{}, true},
		{Date, "1970-01-02", value{i: 1}, true},
		{Date, "20000229", value{i: 11016}, true},
		{Date, "19000229", value{}, false},
		{Date, "20201301", value{}, false},
		{Date, "20200431", value{}, false},
		{Date, "2020-1-01", value{}, false},
		{Date, "2020/01/01", value{}, false},
		{Date, "00000101", value{}, false},
	} {
		got, err := parseValue(tc.typ, []byte(tc.in))
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("parseValue(%v, %q) = %+v, %v; want %+v ok=%v", tc.typ, tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), strconv.Quote(tc.in)) {
			t.Errorf("error %q does not quote the field", err)
		}
	}
}

// TestDays compares the date arithmetic with the time package over every
// day from year 1 to 9999.
func TestDays(t *testing.T) {
	for d := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 10000; d = d.AddDate(0, 0, 1) {
		// Unix seconds of midnight UTC are whole days.
		want := int32(d.Unix() / 86400)
		text := d.Format("20060102")
		got, ok := parseDate([]byte(text))
		if !ok || got != want {
			t.Fatalf("parseDate(%s) = %d, %v; want %d", text, got, ok, want)
		}
		y, m, dd := civilFromDays(got)
		if y != d.Year() || m != int(d.Month()) || dd != d.Day() {
			t.Fatalf("civilFromDays(%d) = %d-%d-%d, want %s", got, y, m, dd, d.Format("2006-01-02"))
		}
		if d.Day() == 1 && d.Month() == 1 && d.Year()%97 == 0 {
			iso, _ := parseDate([]byte(d.Format("2006-01-02")))
			if iso != got {
				t.Fatalf("ISO %s reads %d, YYYYMMDD %d", d.Format("2006-01-02"), iso, got)
			}
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		typ  Type
		v    value
		want string
	}{
		{Int32, value{i: -7}, "-7"},
		{Date, value{i: 18262}, "2020-01-01"},
		{Date, value{i: -719162}, "0001-01-01"},
		{Float64, value{f: 0.1}, "0.1"},
		{Float32, value{f: float64(float32(0.1))}, "0.1"},
		{Bool, value{i: 1}, "true"},
		{String, value{}, "raw"},
	} {
		if got := string(formatValue(nil, tc.typ, []byte("raw"), tc.v)); got != tc.want {
			t.Errorf("formatValue(%v, %+v) = %q, want %q", tc.typ, tc.v, got, tc.want)
		}
	}
}
