package convert

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// GHCN-Daily by_year files as the tests convert them, and what the tests
// expect of the result, worked out without the package's own parsers:
// encoding/csv splits, time.Parse reads dates and strconv numbers.

var ghcnColumns = []string{"ID", "DATE", "ELEMENT", "DATA_VALUE", "M_FLAG", "Q_FLAG", "S_FLAG", "OBS_TIME"}

// ghcnSchema types the columns as NOAA documents them; OBS_TIME stays text
// ("0700").
var ghcnSchema = []ColumnType{{"DATE", Date}, {"DATA_VALUE", Int32}, {"OBS_TIME", String}}

func ghcnOptions() Options {
	return Options{PartitionBy: []string{"ELEMENT"}, Columns: ghcnColumns, Schema: ghcnSchema}
}

var (
	generatorOnce sync.Once
	generatorPath string
	generatorErr  error
)

// ghcnFile writes a GHCN-shaped CSV of about size bytes with the committed
// generator (testdata/bench/ghcn), built once per test binary.
func ghcnFile(t testing.TB, size string, seed int) string {
	t.Helper()
	generatorOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ghcn-generator-")
		if err != nil {
			generatorErr = err
			return
		}
		generatorPath = filepath.Join(dir, "ghcn")
		out, err := exec.Command("go", "build", "-o", generatorPath, "../testdata/bench/ghcn").CombinedOutput()
		if err != nil {
			generatorErr = fmt.Errorf("building the generator: %v\n%s", err, out)
		}
	})
	if generatorErr != nil {
		t.Fatal(generatorErr)
	}
	name := filepath.Join(t.TempDir(), fmt.Sprintf("%d.csv", 2020+seed))
	out, err := exec.Command(generatorPath, "-size", size, "-seed", strconv.Itoa(seed), "-o", name).CombinedOutput()
	if err != nil {
		t.Fatalf("generator: %v\n%s", err, out)
	}
	return name
}

func TestMain(m *testing.M) {
	code := m.Run()
	if generatorPath != "" {
		os.RemoveAll(filepath.Dir(generatorPath))
	}
	os.Exit(code)
}

// expectedRows reads a CSV file with encoding/csv and returns its rows by
// partition directory, in input order, each value as the tests compare
// them: nil for null, string, int64, float64 or bool, dates as
// "YYYY-MM-DD". Partition columns are left out, as in the files.
func expectedRows(t testing.TB, path string, header bool, types map[string]Type, names []string, partitionBy []string) map[string][][]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	if header {
		h, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if names == nil {
			names = append([]string(nil), h...)
		}
	}
	part := map[int]bool{}
	var partIdx []int
	for _, p := range partitionBy {
		for i, n := range names {
			if n == p {
				part[i] = true
				partIdx = append(partIdx, i)
			}
		}
	}
	out := map[string][][]any{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != len(names) {
			t.Fatalf("expectedRows: a record of %d fields", len(rec))
		}
		dir := ""
		for k, i := range partIdx {
			if k > 0 {
				dir += "/"
			}
			v := expectedValue(t, types[names[i]], rec[i])
			text := DefaultPartitionValue
			if v != nil {
				text = hiveEscapeForTest(fmt.Sprint(v))
			}
			dir += hiveEscapeForTest(names[i]) + "=" + text
		}
		var row []any
		for i, field := range rec {
			if !part[i] {
				row = append(row, expectedValue(t, types[names[i]], field))
			}
		}
		out[dir] = append(out[dir], row)
	}
	return out
}

// expectedValue is a field's value as the tests compare it.
func expectedValue(t testing.TB, typ Type, field string) any {
	if field == "" {
		return nil
	}
	switch typ {
	case Int32, Int64:
		v, err := strconv.ParseInt(field, 10, 64)
		if err != nil {
			t.Fatalf("expectedValue: %v", err)
		}
		return v
	case Float32, Float64:
		v, err := strconv.ParseFloat(field, 64)
		if err != nil {
			t.Fatalf("expectedValue: %v", err)
		}
		if typ == Float32 {
			return float64(float32(v))
		}
		return v
	case Bool:
		v, err := strconv.ParseBool(field)
		if err != nil {
			t.Fatalf("expectedValue: %v", err)
		}
		return v
	case Date:
		layout := "20060102"
		if len(field) == 10 {
			layout = "2006-01-02"
		}
		d, err := time.Parse(layout, field)
		if err != nil {
			t.Fatalf("expectedValue: %v", err)
		}
		return d.Format("2006-01-02")
	}
	return field
}

// hiveEscapeForTest is Hive's FileUtils.escapePathName, written out from
// its character list: control characters, DEL and "#%'*/:=?\{[]^ as %XX.
func hiveEscapeForTest(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c < 0x20 || c == 0x7f || c == '"' || c == '#' || c == '%' || c == '\'' || c == '*' || c == '/' ||
			c == ':' || c == '=' || c == '?' || c == '\\' || c == '{' || c == '[' || c == ']' || c == '^':
			out = fmt.Appendf(out, "%%%02X", c)
		default:
			out = append(out, c)
		}
	}
	return string(out)
}
