package convert

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// parquetFile is one output file as parquet-go reads it back.
type parquetFile struct {
	columns   []string
	types     []string // physical type, with the logical type if any
	optional  []bool
	rows      [][]any // as expectedValue makes them
	rowGroups int
	createdBy string
}

// readParquet reads a whole file with parquet-go's row reader.
func readParquet(t testing.TB, path string) parquetFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out parquetFile
	out.rowGroups = len(pf.RowGroups())
	out.createdBy = pf.Metadata().CreatedBy
	var logical []string
	for _, field := range pf.Schema().Fields() {
		out.columns = append(out.columns, field.Name())
		typ := field.Type().Kind().String()
		lt := ""
		if l := field.Type().LogicalType(); l != nil {
			lt = strings.ToLower(l.String())
		}
		if lt != "" {
			typ += "(" + lt + ")"
		}
		logical = append(logical, lt)
		out.types = append(out.types, typ)
		out.optional = append(out.optional, field.Optional())
	}
	r := parquet.NewReader(f, pf.Schema())
	defer r.Close()
	buf := make([]parquet.Row, 256)
	for {
		n, err := r.ReadRows(buf)
		for _, row := range buf[:n] {
			vals := make([]any, len(out.columns))
			for _, v := range row {
				vals[v.Column()] = goValue(v, logical[v.Column()])
			}
			out.rows = append(out.rows, vals)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	return out
}

func goValue(v parquet.Value, logical string) any {
	if v.IsNull() {
		return nil
	}
	switch v.Kind() {
	case parquet.ByteArray:
		return string(v.ByteArray())
	case parquet.Int32:
		if logical == "date" {
			return time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02")
		}
		return int64(v.Int32())
	case parquet.Int64:
		return v.Int64()
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	case parquet.Boolean:
		return v.Boolean()
	}
	return v.String()
}

// datasetFiles lists the files below dir, relative and slash-separated,
// sorted; names starting with "." count too, so leftovers show.
func datasetFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && p == dir {
				return filepath.SkipDir
			}
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			if !d.IsDir() {
				out = append(out, filepath.ToSlash(rel))
			} else if strings.HasPrefix(d.Name(), ".") {
				out = append(out, filepath.ToSlash(rel)+"/")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// checkDataset reads every file of fileName below dir and compares it with
// want (rows by partition directory): the same directories, the same
// columns, every value.
func checkDataset(t testing.TB, dir, fileName string, want map[string][][]any, columns []string) {
	t.Helper()
	var dirs []string
	for d := range want {
		dirs = append(dirs, d+"/"+fileName)
	}
	sort.Strings(dirs)
	var got []string
	for _, f := range datasetFiles(t, dir) {
		if filepath.Base(f) == fileName {
			got = append(got, f)
		}
	}
	if !slices.Equal(got, dirs) {
		t.Fatalf("files %v, want one per partition %v", got, dirs)
	}
	for d, rows := range want {
		pf := readParquet(t, filepath.Join(dir, filepath.FromSlash(d), fileName))
		if !slices.Equal(pf.columns, columns) {
			t.Fatalf("%s: columns %v, want %v", d, pf.columns, columns)
		}
		if len(pf.rows) != len(rows) {
			t.Fatalf("%s: %d rows, want %d", d, len(pf.rows), len(rows))
		}
		for i := range rows {
			if !slices.Equal(pf.rows[i], rows[i]) {
				t.Fatalf("%s row %d: %v, want %v", d, i, pf.rows[i], rows[i])
			}
		}
	}
}
