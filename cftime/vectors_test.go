package cftime

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"os"
	"strconv"
	"testing"
)

// vectors is testdata/vectors.json, written by testdata/gen_vectors.py with
// Debian's python3-cftime 1.6.2.
type vectors struct {
	Version string `json:"cftime_version"`
	Units   []struct {
		Units     string          `json:"units"`
		Calendar  string          `json:"calendar"`
		Epoch     json.RawMessage `json:"epoch"` // a string, or {"error": ...}
		CFDefault bool            `json:"cf_default"`
	} `json:"units"`
	Dates []struct {
		Units    string    `json:"units"`
		Calendar string    `json:"calendar"`
		Values   []string  `json:"values"`
		Dates    []*string `json:"dates"`
	} `json:"dates"`
	Conversions []struct {
		Calendar string    `json:"calendar"`
		From     string    `json:"from"`
		To       string    `json:"to"`
		Values   []string  `json:"values"`
		Results  []float64 `json:"results"`
		Whole    []bool    `json:"whole"`
	} `json:"conversions"`
}

func loadVectors(t *testing.T) *vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Version != "1.6.2" || len(v.Units) < 500 || len(v.Dates) < 100 || len(v.Conversions) < 100 {
		t.Fatalf("vectors.json looks truncated: cftime %q, %d units, %d dates, %d conversions",
			v.Version, len(v.Units), len(v.Dates), len(v.Conversions))
	}
	return &v
}

func parseValue(t *testing.T, s string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(s, 64) // Python's repr, incl. nan and inf
	if err != nil {
		t.Fatalf("value %q: %v", s, err)
	}
	return v
}

// TestVectorsUnits: every units string reads to the reference time cftime
// reads, and fails where cftime fails.
func TestVectorsUnits(t *testing.T) {
	vs := loadVectors(t)
	ok, failed := 0, 0
	for _, c := range vs.Units {
		var want string
		wantErr := json.Unmarshal(c.Epoch, &want) != nil
		u, err := ParseUnits(c.Units, c.Calendar)
		switch {
		case wantErr && err == nil:
			t.Errorf("ParseUnits(%q, %q) = %q, cftime fails with %s", c.Units, c.Calendar, u, c.Epoch)
		case !wantErr && err != nil:
			t.Errorf("ParseUnits(%q, %q): %v; cftime reads %s", c.Units, c.Calendar, err, want)
		case !wantErr && u.Epoch().String() != want:
			t.Errorf("ParseUnits(%q, %q) epoch %s, cftime %s", c.Units, c.Calendar, u.Epoch(), want)
		case wantErr:
			failed++
		default:
			ok++
			// The canonical string reads back to the same units.
			back, err := ParseUnits(u.String(), c.Calendar)
			if err != nil || back != u {
				t.Errorf("%q (%q): String() %q reads back as %q, %v", c.Units, c.Calendar, u, back, err)
			}
		}
	}
	t.Logf("%d units strings read as cftime reads them, %d refused as cftime refuses them", ok, failed)
	if ok < 300 || failed < 100 {
		t.Errorf("too few vectors of a kind: %d read, %d refused", ok, failed)
	}
}

// TestVectorsDates: Date gives cftime.num2date's date for every value, and
// fails where cftime does (beyond 2^63 µs, NaN, infinities).
func TestVectorsDates(t *testing.T) {
	vs := loadVectors(t)
	n, encoded := 0, 0
	for _, c := range vs.Dates {
		u, err := ParseUnits(c.Units, c.Calendar)
		if err != nil {
			t.Errorf("ParseUnits(%q, %q): %v", c.Units, c.Calendar, err)
			continue
		}
		for i, s := range c.Values {
			v := parseValue(t, s)
			d, err := u.Date(v)
			want := c.Dates[i]
			switch {
			case want != nil && errors.Is(err, ErrRange) && u.Epoch().Year > maxYear-1000:
				// cftime wraps years past its C int (2147483647 + 1 year
				// is -2147483648 there); we refuse instead.
			case want == nil && err == nil:
				t.Errorf("%s %q (%s): Date = %s, cftime fails", s, c.Units, c.Calendar, d)
			case want != nil && err != nil:
				t.Errorf("%s %q (%s): %v; cftime %s", s, c.Units, c.Calendar, err, *want)
			case want != nil && d.String() != *want:
				t.Errorf("%s %q (%s): Date = %s, cftime %s", s, c.Units, c.Calendar, d, *want)
			case want != nil && isWholeMicroseconds(v, u.Unit()):
				// cftime's date is exactly v from the epoch, so it encodes
				// back to v.
				if back, err := u.Value(d); err != nil || back != v {
					t.Errorf("%s %q (%s): Value(%s) = %v, %v", s, c.Units, c.Calendar, d, back, err)
				}
				encoded++
			}
			n++
		}
	}
	t.Logf("%d values decoded, %d of them encoded back", n, encoded)
}

// TestVectorsConversions: Convert agrees with
// cftime.date2num(cftime.num2date(v, from), to): exactly when v is a whole
// number of microseconds (both are then the float64 nearest the exact
// value), else within the microsecond cftime rounds v to. ConvertInt gives
// an integer exactly when cftime's date2num does.
func TestVectorsConversions(t *testing.T) {
	vs := loadVectors(t)
	exact, near, ints := 0, 0, 0
	for _, c := range vs.Conversions {
		from, err := ParseUnits(c.From, c.Calendar)
		if err != nil {
			t.Errorf("ParseUnits(%q, %q): %v", c.From, c.Calendar, err)
			continue
		}
		to, err := ParseUnits(c.To, c.Calendar)
		if err != nil {
			t.Errorf("ParseUnits(%q, %q): %v", c.To, c.Calendar, err)
			continue
		}
		for i, s := range c.Values {
			v := parseValue(t, s)
			want := c.Results[i]
			got, err := from.Convert(v, to)
			if err != nil {
				t.Errorf("%s %q -> %q (%s): %v", s, c.From, c.To, c.Calendar, err)
				continue
			}
			if isWholeMicroseconds(v, from.Unit()) {
				if got != want {
					t.Errorf("%s %q -> %q (%s) = %v, cftime %v", s, c.From, c.To, c.Calendar, got, want)
				}
				exact++
			} else {
				tol := 1/float64(to.Unit()) + 4*ulp(want)
				if math.Abs(got-want) > tol {
					t.Errorf("%s %q -> %q (%s) = %v, cftime %v (beyond the microsecond it rounds to)", s, c.From, c.To, c.Calendar, got, want)
				}
				near++
			}
			if v != math.Trunc(v) || math.Abs(v) >= 1<<63 {
				continue
			}
			q, whole, err := from.ConvertInt(int64(v), to)
			switch {
			case err != nil:
				t.Errorf("ConvertInt %s %q -> %q: %v", s, c.From, c.To, err)
			case whole != c.Whole[i]:
				t.Errorf("ConvertInt %s %q -> %q: whole %v, cftime %v (%v)", s, c.From, c.To, whole, c.Whole[i], want)
			case whole && float64(q) != want:
				t.Errorf("ConvertInt %s %q -> %q = %d, cftime %v", s, c.From, c.To, q, want)
			}
			ints++
		}
	}
	t.Logf("%d conversions exact, %d within a microsecond, %d through ConvertInt", exact, near, ints)
	if exact < 500 || near < 50 {
		t.Errorf("too few vectors of a kind: %d exact, %d near", exact, near)
	}
}

// isWholeMicroseconds reports whether v units is a whole number of µs.
func isWholeMicroseconds(v float64, u Unit) bool {
	r := new(big.Rat).SetFloat64(v)
	return r.Mul(r, new(big.Rat).SetInt64(int64(u))).IsInt()
}

func ulp(x float64) float64 {
	return math.Nextafter(math.Abs(x), math.Inf(1)) - math.Abs(x)
}
