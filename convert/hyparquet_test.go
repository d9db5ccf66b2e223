package convert

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"

	"gokerchunk/internal/hyparquet"
)

type hyparquetLine struct {
	File    string   `json:"file"`
	Rows    *int     `json:"rows"`
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	Row     int      `json:"row"`
	Values  []any    `json:"values"`
}

// hyparquetFile is one file as hyparquet reads it.
type hyparquetFile struct {
	rows    int // in the metadata
	columns []string
	types   []string
	values  [][]any // rows read
}

// hyparquetRead reads files with hyparquet.
func hyparquetRead(t *testing.T, modules string, files []string) map[string]*hyparquetFile {
	t.Helper()
	cmd := exec.Command("node", append([]string{"testdata/hyparquet_rows.mjs"}, files...)...)
	cmd.Env = append(os.Environ(), "GOKERCHUNK_NODE_MODULES="+modules)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hyparquet: %v\n%s", err, stderr.String())
	}
	byFile := map[string]*hyparquetFile{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l hyparquetLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if l.Rows != nil {
			byFile[l.File] = &hyparquetFile{rows: *l.Rows, columns: l.Columns, types: l.Types}
			continue
		}
		f := byFile[l.File]
		if f == nil || l.Row != len(f.values) {
			t.Fatalf("%s: row %d out of order", l.File, l.Row)
		}
		f.values = append(f.values, l.Values)
	}
	return byFile
}

// sameValue compares a value as expectedValue makes it with one as the
// hyparquet script prints it (decoded by encoding/json).
func sameValue(want, got any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case int64:
		switch g := got.(type) {
		case float64: // INT32
			return g == float64(w)
		case string: // INT64, printed from a BigInt
			return g == strconv.FormatInt(w, 10)
		}
		return false
	}
	return want == got
}

// TestReadByHyparquet converts GHCN (with NOAA's types) and a small CSV
// of every type, and reads every file back with hyparquet: the same
// columns in CSV order, the logical types, every value and null.
func TestReadByHyparquet(t *testing.T) {
	modules := hyparquet.Need(t)
	in := ghcnFile(t, "2MB", 7)
	out := t.TempDir()
	res, err := convertFile(t, in, out, ghcnOptions())
	if err != nil {
		t.Fatal(err)
	}
	ghcnTypes := []string{"BYTE_ARRAY(STRING)", "INT32(DATE)", "INT32(INTEGER)", "BYTE_ARRAY(STRING)", "BYTE_ARRAY(STRING)", "BYTE_ARRAY(STRING)", "BYTE_ARRAY(STRING)"}
	want := expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"})
	checkHyparquet(t, modules, out, "2027.parquet", want, dataColumns(ghcnColumns, "ELEMENT"), ghcnTypes)

	// Files merged from parts (row groups copied as they are), and row
	// groups cut early.
	opts := ghcnOptions()
	opts.MaxOpenPartitions, opts.RowGroupRows, opts.MemoryLimit = 4, 3000, 128<<10
	merged := t.TempDir()
	res, err = convertFile(t, in, merged, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.ClosedEarly == 0 || res.EarlyRowGroups == 0 {
		t.Errorf("%d partitions reopened, %d row groups cut early: the test wants both", res.ClosedEarly, res.EarlyRowGroups)
	}
	checkHyparquet(t, modules, merged, "2027.parquet", want, dataColumns(ghcnColumns, "ELEMENT"), ghcnTypes)

	csv := "k,s,i32,i64,f32,f64,b,d\n" +
		"x,héllo,1,-9000000000000,1.5,-2.25,true,1969-12-31\n" +
		"x,,,,,,,\n" +
		"y,\"a,b\"\"c\",-2147483648,9223372036854775807,3.4e38,1e-300,false,2000-02-29\n"
	schema := []ColumnType{{"i32", Int32}, {"i64", Int64}, {"f32", Float32}, {"f64", Float64}, {"b", Bool}, {"d", Date}}
	for _, codec := range []string{"zstd", "snappy"} {
		out := t.TempDir()
		if _, err := convertString(t, csv, out, "all.parquet", Options{Header: true, Schema: schema, PartitionBy: []string{"k"}, Compression: codec}); err != nil {
			t.Fatal(err)
		}
		src := filepath.Join(t.TempDir(), "all.csv")
		os.WriteFile(src, []byte(csv), 0o644)
		checkHyparquet(t, modules, out, "all.parquet", expectedRows(t, src, true, typeMap(schema), nil, []string{"k"}),
			[]string{"s", "i32", "i64", "f32", "f64", "b", "d"},
			[]string{"BYTE_ARRAY(STRING)", "INT32(INTEGER)", "INT64(INTEGER)", "FLOAT", "DOUBLE", "BOOLEAN", "INT32(DATE)"})
	}
}

func checkHyparquet(t *testing.T, modules, dir, fileName string, want map[string][][]any, columns, types []string) {
	t.Helper()
	var files []string
	for d := range want {
		files = append(files, filepath.Join(dir, filepath.FromSlash(d), fileName))
	}
	sort.Strings(files)
	got := hyparquetRead(t, modules, files)
	for d, rows := range want {
		f := filepath.Join(dir, filepath.FromSlash(d), fileName)
		g := got[f]
		if g == nil {
			t.Fatalf("hyparquet did not read %s", f)
		}
		if !slices.Equal(g.columns, columns) || !slices.Equal(g.types, types) {
			t.Errorf("%s: columns %v %v, want %v %v", d, g.columns, g.types, columns, types)
		}
		if g.rows != len(rows) || len(g.values) != len(rows) {
			t.Fatalf("%s: hyparquet read %d rows (metadata %d), want %d", d, len(g.values), g.rows, len(rows))
		}
		for i, w := range rows {
			r := g.values[i]
			if len(r) != len(w) {
				t.Fatalf("%s row %d: %v, want %v", d, i, r, w)
			}
			for c := range w {
				if !sameValue(w[c], r[c]) {
					t.Fatalf("%s row %d column %s: hyparquet read %#v, want %#v", d, i, columns[c], r[c], w[c])
				}
			}
		}
	}
}
