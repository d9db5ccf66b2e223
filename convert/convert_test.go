package convert

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gokerchunk/blob"
)

func convertFile(t testing.TB, in, outDir string, opts Options) (*Result, error) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Convert(context.Background(), f, FileName(in), blob.NewDirTree(outDir), opts)
}

func convertString(t testing.TB, csv, outDir, fileName string, opts Options) (*Result, error) {
	t.Helper()
	return Convert(context.Background(), strings.NewReader(csv), fileName, blob.NewDirTree(outDir), opts)
}

func typeMap(cols []ColumnType) map[string]Type {
	m := map[string]Type{}
	for _, c := range cols {
		m[c.Name] = c.Type
	}
	return m
}

func dataColumns(names []string, partitionBy ...string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(partitionBy, n) {
			out = append(out, n)
		}
	}
	return out
}

// TestGHCNRoundTrip converts a generated GHCN year with NOAA's types and
// reads every file back with parquet-go: one directory per distinct
// ELEMENT, every value of every row in input order, nulls where the CSV
// is empty, the declared Parquet types.
func TestGHCNRoundTrip(t *testing.T) {
	in := ghcnFile(t, "3MB", 1)
	out := t.TempDir()
	res, err := convertFile(t, in, out, ghcnOptions())
	if err != nil {
		t.Fatal(err)
	}
	want := expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"})
	checkDataset(t, out, "2021.parquet", want, dataColumns(ghcnColumns, "ELEMENT"))

	total := 0
	for _, rows := range want {
		total += len(rows)
	}
	if res.Rows != int64(total) || res.BadRows != 0 || len(res.Partitions) != len(want) {
		t.Errorf("result: %d rows, %d bad, %d partitions; want %d rows, 0 bad, %d partitions", res.Rows, res.BadRows, len(res.Partitions), total, len(want))
	}
	if len(want) < 20 {
		t.Errorf("the generated file has %d elements; the test wants the rare ones too", len(want))
	}
	pf := readParquet(t, filepath.Join(out, "ELEMENT=TMAX", "2021.parquet"))
	wantTypes := []string{"BYTE_ARRAY(string)", "INT32(date)", "INT32(int(32,true))", "BYTE_ARRAY(string)", "BYTE_ARRAY(string)", "BYTE_ARRAY(string)", "BYTE_ARRAY(string)"}
	if !slices.Equal(pf.types, wantTypes) {
		t.Errorf("column types %v, want %v", pf.types, wantTypes)
	}
	for i, opt := range pf.optional {
		if !opt {
			t.Errorf("column %s is not optional", pf.columns[i])
		}
	}
	if pf.createdBy != "gokerchunk" {
		t.Errorf("created_by %q", pf.createdBy)
	}
	nulls := 0
	for _, rows := range want {
		for _, row := range rows {
			for _, v := range row {
				if v == nil {
					nulls++
				}
			}
		}
	}
	if nulls == 0 {
		t.Error("no nulls in the data: the test does not check them")
	}
	// Nothing but the partition files: no staging directory left.
	for _, f := range datasetFiles(t, out) {
		if !strings.HasPrefix(f, "ELEMENT=") || !strings.HasSuffix(f, "/2021.parquet") {
			t.Errorf("unexpected file %s", f)
		}
	}
}

// TestInferredTypes converts GHCN without a schema: integers without
// leading zeros become int64, "0700" keeps OBS_TIME a string, flags stay
// strings; every value still round-trips.
func TestInferredTypes(t *testing.T) {
	in := ghcnFile(t, "1MB", 2)
	out := t.TempDir()
	opts := ghcnOptions()
	opts.Schema = nil
	opts.InferRows = 5000
	res, err := convertFile(t, in, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []ColumnType{{"ID", String}, {"DATE", Int64}, {"ELEMENT", String}, {"DATA_VALUE", Int64},
		{"M_FLAG", String}, {"Q_FLAG", String}, {"S_FLAG", String}, {"OBS_TIME", String}}
	if !slices.Equal(res.Columns, want) {
		t.Errorf("columns %v, want %v", res.Columns, want)
	}
	if len(res.Inferred) != len(ghcnColumns) {
		t.Errorf("inferred %v, want all columns", res.Inferred)
	}
	checkDataset(t, out, "2022.parquet", expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"}), dataColumns(ghcnColumns, "ELEMENT"))
}

// TestHeaderAndTypes covers a header row, every type, quoted fields with
// commas, quotes and line ends, CRLF, a byte order mark, nulls, and two
// partition columns, one of them a date.
func TestHeaderAndTypes(t *testing.T) {
	csv := "\xef\xbb\xbfname,day,n32,n64,f32,f64,ok,note\r\n" +
		"a,2020-01-02,1,-9000000000,1.5,2.25,true,plain\r\n" +
		"b,2020-01-02,,7,,,false,\"with, comma\"\r\n" +
		"a,2020-01-03,-2147483648,9223372036854775807,-0.125,1e300,TRUE,\"quote \"\" and\nnew line\"\r\n" +
		",2020-01-03,2147483647,0,3,-4.5,0,\r\n" +
		"b,,5,5,5,5,1,last line without end"
	schema := []ColumnType{{"day", Date}, {"n32", Int32}, {"n64", Int64}, {"f32", Float32}, {"f64", Float64}, {"ok", Bool}}
	out := t.TempDir()
	res, err := convertString(t, csv, out, "t.parquet", Options{Header: true, Schema: schema, PartitionBy: []string{"name", "day"}})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"name", "day", "n32", "n64", "f32", "f64", "ok", "note"}
	in := filepath.Join(t.TempDir(), "in.csv")
	// encoding/csv does not take the byte order mark or a CR inside the
	// data; it gets the same text without them.
	os.WriteFile(in, []byte(strings.TrimPrefix(csv, "\xef\xbb\xbf")), 0o644)
	types := typeMap(schema)
	types["ok"] = Bool
	want := expectedRows(t, in, true, types, nil, []string{"name", "day"})
	// Booleans "0" and "1" are not strconv.ParseBool's only words; both
	// read them the same.
	checkDataset(t, out, "t.parquet", want, dataColumns(names, "name", "day"))
	dirs := []string{"name=__HIVE_DEFAULT_PARTITION__/day=2020-01-03", "name=a/day=2020-01-02", "name=a/day=2020-01-03", "name=b/day=2020-01-02", "name=b/day=__HIVE_DEFAULT_PARTITION__"}
	var got []string
	for _, p := range res.Partitions {
		got = append(got, p.Dir)
	}
	if !slices.Equal(got, dirs) {
		t.Errorf("partitions %v, want %v", got, dirs)
	}
}

// TestPartitionEscaping: values that are not plain names go into
// directories escaped as Hive escapes them, and distinct values stay
// distinct.
func TestPartitionEscaping(t *testing.T) {
	values := []string{"a/b", "x=y", "50%", "c:d", "q?", "tab\there", "brace{", "ünï", "..", ".", "[x]", "star*", "hash#", "caret^", "back\\slash", "it's"}
	var b strings.Builder
	b.WriteString("k,v\n")
	for i, v := range values {
		fmt.Fprintf(&b, "\"%s\",%d\n", strings.ReplaceAll(v, `"`, `""`), i)
	}
	out := t.TempDir()
	res, err := convertString(t, b.String(), out, "e.parquet", Options{Header: true, PartitionBy: []string{"k"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Partitions) != len(values) {
		t.Fatalf("%d partitions, want %d", len(res.Partitions), len(values))
	}
	for i, v := range values {
		dir := filepath.Join(out, "k="+hiveEscapeForTest(v))
		pf := readParquet(t, filepath.Join(dir, "e.parquet"))
		if len(pf.rows) != 1 || pf.rows[0][0] != int64(i) {
			t.Errorf("%q: rows %v in %s, want [[%d]]", v, pf.rows, dir, i)
		}
	}
	if got := hiveEscapeForTest("a/b=c%"); got != "a%2Fb%3Dc%25" {
		t.Errorf("the test's own escaping gives %q", got)
	}
}

// TestBadRows: rows with the wrong number of fields or a value that does
// not parse are dropped and listed with their line numbers; MaxBadRows
// decides when the conversion fails, and a failed one leaves nothing.
func TestBadRows(t *testing.T) {
	csv := "id,n\n" + // line 1
		"a,1\n" + // 2
		"b,2,extra\n" + // 3: three fields
		"c,x\n" + // 4: not an int
		"\n" + // 5: empty, skipped
		"\"d\"x,4\n" + // 6: text after a closing quote
		"e\n" + // 7: one field
		"f,9999999999\n" + // 8: not an int32
		"g,7\n" // 9
	opts := Options{Header: true, PartitionBy: []string{"id"}, Schema: []ColumnType{{"n", Int32}}}
	wantBad := []BadRow{
		{3, "3 fields, want 2"},
		{4, `column n: "x" is not an int32`},
		{6, "text after the closing quote of field 1"},
		{7, "1 fields, want 2"},
		{8, `column n: "9999999999" is not an int32`},
	}

	for _, max := range []int64{0, 1, 4} {
		out := t.TempDir()
		opts.MaxBadRows = max
		res, err := convertString(t, csv, out, "b.parquet", opts)
		var be *BadRowsError
		if !errors.As(err, &be) {
			t.Fatalf("max %d: error %v, want a BadRowsError", max, err)
		}
		if res.BadRows != max+1 || !slices.Equal(res.FirstBadRows, wantBad[:max+1]) || be.Max != max {
			t.Errorf("max %d: %d bad rows %v", max, res.BadRows, res.FirstBadRows)
		}
		if files := datasetFiles(t, out); len(files) != 0 {
			t.Errorf("max %d: a failed conversion left %v", max, files)
		}
	}
	for _, max := range []int64{5, -1} {
		out := t.TempDir()
		opts.MaxBadRows = max
		res, err := convertString(t, csv, out, "b.parquet", opts)
		if err != nil {
			t.Fatalf("max %d: %v", max, err)
		}
		if res.BadRows != 5 || !slices.Equal(res.FirstBadRows, wantBad) || res.Rows != 2 {
			t.Errorf("max %d: %d rows, %d bad %v", max, res.Rows, res.BadRows, res.FirstBadRows)
		}
		if files := datasetFiles(t, out); !slices.Equal(files, []string{"id=a/b.parquet", "id=g/b.parquet"}) {
			t.Errorf("max %d: files %v", max, files)
		}
	}
	// ListBadRows bounds the list, not the count.
	opts.MaxBadRows, opts.ListBadRows = -1, 2
	res, _ := convertString(t, csv, t.TempDir(), "b.parquet", opts)
	if res.BadRows != 5 || len(res.FirstBadRows) != 2 {
		t.Errorf("ListBadRows 2: %d bad, %d listed", res.BadRows, len(res.FirstBadRows))
	}
}

// TestInferredTypeMismatch: a value after the sample that does not fit the
// inferred type is a bad row, and says the type was inferred.
func TestInferredTypeMismatch(t *testing.T) {
	csv := "k,n\na,1\na,2\nb,3.5\n"
	res, err := convertString(t, csv, t.TempDir(), "m.parquet", Options{Header: true, PartitionBy: []string{"k"}, InferRows: 2})
	if err == nil || res.BadRows != 1 || res.FirstBadRows[0].Line != 4 || !strings.Contains(res.FirstBadRows[0].Reason, "inferred") {
		t.Errorf("err %v, bad rows %v", err, res.FirstBadRows)
	}
	// Within the sample, 3.5 makes the column float64.
	res, err = convertString(t, csv, t.TempDir(), "m.parquet", Options{Header: true, PartitionBy: []string{"k"}})
	if err != nil || res.Columns[1].Type != Float64 {
		t.Errorf("err %v, columns %v", err, res.Columns)
	}
}

// TestRerunReplaces converts an input, then a changed version of it: the
// files keep their names, none is duplicated, a partition the input no
// longer has loses the input's file, and another input's files stay.
func TestRerunReplaces(t *testing.T) {
	out := t.TempDir()
	opts := Options{Header: true, PartitionBy: []string{"k"}}
	if _, err := convertString(t, "k,v\na,1\nb,2\nc,3\n", out, "one.parquet", opts); err != nil {
		t.Fatal(err)
	}
	if _, err := convertString(t, "k,v\na,10\nc,30\n", out, "two.parquet", opts); err != nil {
		t.Fatal(err)
	}
	res, err := convertString(t, "k,v\na,100\nc,300\nd,400\n", out, "one.parquet", opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"k=a/one.parquet", "k=a/two.parquet", "k=c/one.parquet", "k=c/two.parquet", "k=d/one.parquet"}
	if got := datasetFiles(t, out); !slices.Equal(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
	if !slices.Equal(res.Removed, []string{"k=b/one.parquet"}) {
		t.Errorf("removed %v", res.Removed)
	}
	if rows := readParquet(t, filepath.Join(out, "k=a", "one.parquet")).rows; len(rows) != 1 || rows[0][0] != int64(100) {
		t.Errorf("k=a/one.parquet holds %v, want the rerun's [[100]]", rows)
	}
	if rows := readParquet(t, filepath.Join(out, "k=a", "two.parquet")).rows; len(rows) != 1 || rows[0][0] != int64(10) {
		t.Errorf("k=a/two.parquet holds %v, want [[10]]", rows)
	}
}

// TestFailureKeepsEarlierRun: a rerun that fails leaves the earlier
// run's files as they were.
func TestFailureKeepsEarlierRun(t *testing.T) {
	out := t.TempDir()
	opts := Options{Header: true, PartitionBy: []string{"k"}, Schema: []ColumnType{{"v", Int64}}}
	if _, err := convertString(t, "k,v\na,1\nb,2\n", out, "x.parquet", opts); err != nil {
		t.Fatal(err)
	}
	before := map[string][]byte{}
	for _, f := range datasetFiles(t, out) {
		before[f], _ = os.ReadFile(filepath.Join(out, f))
	}
	if _, err := convertString(t, "k,v\na,5\nc,6\nb,oops\n", out, "x.parquet", opts); err == nil {
		t.Fatal("a bad row did not fail the conversion")
	}
	after := datasetFiles(t, out)
	if len(after) != len(before) {
		t.Fatalf("files %v after the failed run, want %v", after, before)
	}
	for _, f := range after {
		b, _ := os.ReadFile(filepath.Join(out, f))
		if !bytes.Equal(b, before[f]) {
			t.Errorf("%s changed", f)
		}
	}
}

// TestDeterministic: the same input gives byte-identical files, also when
// the memory limit cuts row groups early and rows go through the sample.
func TestDeterministic(t *testing.T) {
	in := ghcnFile(t, "2MB", 3)
	opts := ghcnOptions()
	opts.MemoryLimit = 256 << 10
	opts.RowGroupRows = 5000
	var first map[string][]byte
	for run := range 2 {
		out := t.TempDir()
		res, err := convertFile(t, in, out, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.EarlyRowGroups == 0 {
			t.Error("the memory limit cut no row group early")
		}
		files := map[string][]byte{}
		for _, f := range datasetFiles(t, out) {
			files[f], _ = os.ReadFile(filepath.Join(out, f))
		}
		if run == 0 {
			first = files
			continue
		}
		if len(files) != len(first) {
			t.Fatalf("%d files, then %d", len(first), len(files))
		}
		for f, b := range files {
			if !bytes.Equal(b, first[f]) {
				t.Errorf("%s differs between runs", f)
			}
		}
	}
}

// TestSmallRowGroupsAndMemory: many row groups, early ones cut by a tiny
// memory limit, snappy: the values still round-trip.
func TestSmallRowGroupsAndMemory(t *testing.T) {
	in := ghcnFile(t, "2MB", 4)
	out := t.TempDir()
	opts := ghcnOptions()
	opts.RowGroupRows = 3000
	opts.MemoryLimit = 64 << 10
	opts.Compression = "snappy"
	res, err := convertFile(t, in, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkDataset(t, out, "2024.parquet", expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"}), dataColumns(ghcnColumns, "ELEMENT"))
	groups := 0
	for _, p := range res.Partitions {
		groups += p.RowGroups
		if p.RowGroups != readParquet(t, filepath.Join(out, p.Dir, "2024.parquet")).rowGroups {
			t.Errorf("%s: result says %d row groups", p.Dir, p.RowGroups)
		}
	}
	if groups <= len(res.Partitions) || res.EarlyRowGroups == 0 {
		t.Errorf("%d row groups in %d partitions, %d early", groups, len(res.Partitions), res.EarlyRowGroups)
	}
}

// TestGzipInput reads a gzip-compressed input as its CSV.
func TestGzipInput(t *testing.T) {
	in := ghcnFile(t, "500KB", 5)
	raw, _ := os.ReadFile(in)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(raw)
	zw.Close()
	gz := in + ".gz"
	os.WriteFile(gz, z.Bytes(), 0o644)
	out := t.TempDir()
	opts := ghcnOptions()
	var progress []int64
	opts.Progress = func(n int64) { progress = append(progress, n) }
	res, err := convertFile(t, gz, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || progress[len(progress)-1] > int64(z.Len()) || progress[0] <= 0 {
		t.Errorf("progress %v, want input bytes up to %d", progress, z.Len())
	}
	if res.File != "2025.parquet" || res.CSVBytes != int64(len(raw)) || res.InputBytes != int64(z.Len()) {
		t.Errorf("file %s, %d CSV bytes of %d input bytes; want 2025.parquet, %d of %d", res.File, res.CSVBytes, res.InputBytes, len(raw), z.Len())
	}
	checkDataset(t, out, "2025.parquet", expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"}), dataColumns(ghcnColumns, "ELEMENT"))
}

// TestTooManyPartitions fails, leaving nothing.
func TestTooManyPartitions(t *testing.T) {
	out := t.TempDir()
	_, err := convertString(t, "k,v\na,1\nb,2\nc,3\n", out, "p.parquet", Options{Header: true, PartitionBy: []string{"k"}, MaxPartitions: 2})
	if err == nil || !strings.Contains(err.Error(), "more than 2 partitions") {
		t.Errorf("error %v", err)
	}
	if files := datasetFiles(t, out); len(files) != 0 {
		t.Errorf("left %v", files)
	}
}

// TestCancel: a cancelled context fails the conversion and leaves nothing.
func TestCancel(t *testing.T) {
	in := ghcnFile(t, "1MB", 6)
	f, _ := os.Open(in)
	defer f.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	_, err := Convert(ctx, f, "c.parquet", blob.NewDirTree(out), ghcnOptions())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if files := datasetFiles(t, out); len(files) != 0 {
		t.Errorf("left %v", files)
	}
}

// TestOptionErrors: what cannot be converted is refused before anything
// is written.
func TestOptionErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		csv  string
		opts Options
		want string
	}{
		"no names":          {"a,b\n", Options{PartitionBy: []string{"a"}}, "no column names"},
		"no partition":      {"a,b\n", Options{Header: true}, "no partition column"},
		"unknown partition": {"a,b\n1,2\n", Options{Header: true, PartitionBy: []string{"c"}}, `partition column "c"`},
		"unknown schema":    {"a,b\n1,2\n", Options{Header: true, PartitionBy: []string{"a"}, Schema: []ColumnType{{"z", Int32}}}, `schema names column "z"`},
		"all partitions":    {"a\n1\n", Options{Header: true, PartitionBy: []string{"a"}}, "no columns"},
		"duplicate names":   {"a,a\n1,2\n", Options{Header: true, PartitionBy: []string{"a"}}, "appears twice"},
		"empty name":        {"a,\n1,2\n", Options{Header: true, PartitionBy: []string{"a"}}, "no name"},
		"columns vs header": {"a,b\n1,2\n", Options{Header: true, Columns: []string{"x"}, PartitionBy: []string{"x"}}, "1 column names given"},
		"empty input":       {"", Options{Header: true, PartitionBy: []string{"a"}}, "empty"},
		"compression":       {"a,b\n", Options{Header: true, PartitionBy: []string{"a"}, Compression: "lz4"}, "compression"},
		"long record":       {"a,b\n" + strings.Repeat("x", 100) + ",1\n", Options{Header: true, PartitionBy: []string{"a"}, MaxRecordBytes: 64}, "longer than 64 bytes"},
	} {
		out := t.TempDir()
		_, err := convertString(t, tc.csv, out, "o.parquet", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", name, err, tc.want)
		}
		if files := datasetFiles(t, out); len(files) != 0 {
			t.Errorf("%s: left %v", name, files)
		}
	}
}

// TestEmptyInput writes nothing and succeeds.
func TestEmptyInput(t *testing.T) {
	out := t.TempDir()
	res, err := convertString(t, "a,b\n", out, "e.parquet", Options{Header: true, PartitionBy: []string{"a"}})
	if err != nil || res.Rows != 0 || len(res.Partitions) != 0 {
		t.Errorf("err %v, result %+v", err, res)
	}
	if files := datasetFiles(t, out); len(files) != 0 {
		t.Errorf("left %v", files)
	}
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"csv/by_year/1889.csv": "1889.parquet",
		"/x/2020.csv.gz":       "2020.parquet",
		"s3://bucket/a/B.CSV":  "B.parquet",
		"data.txt":             "data.parquet",
		"noext":                "noext.parquet",
		"weird.name.csv":       "weird.name.parquet",
		`C:\windows\style.csv`: "style.parquet",
		"only.gz":              "only.parquet",
		".csv":                 ".csv.parquet",
	} {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenPartitionsLimit: with fewer writers than partitions, partitions
// are closed and reopened into parts, merged at the end into one file
// each: every value round-trips, the output does not depend on the runs,
// and no part file is left.
func TestOpenPartitionsLimit(t *testing.T) {
	in := ghcnFile(t, "2MB", 8)
	tmp := t.TempDir()
	opts := ghcnOptions()
	opts.MaxOpenPartitions = 3
	opts.RowGroupRows = 4000
	opts.TempDir = tmp
	var first map[string][]byte
	for run := range 2 {
		out := t.TempDir()
		res, err := convertFile(t, in, out, opts)
		if err != nil {
			t.Fatal(err)
		}
		if res.ClosedEarly == 0 {
			t.Fatal("no partition was closed and reopened")
		}
		checkDataset(t, out, "2028.parquet", expectedRows(t, in, false, typeMap(res.Columns), ghcnColumns, []string{"ELEMENT"}), dataColumns(ghcnColumns, "ELEMENT"))
		for _, p := range res.Partitions {
			if got := readParquet(t, filepath.Join(out, p.Dir, "2028.parquet")).rowGroups; got != p.RowGroups {
				t.Errorf("%s: %d row groups, the result says %d", p.Dir, got, p.RowGroups)
			}
		}
		if left, _ := os.ReadDir(tmp); len(left) != 0 {
			t.Errorf("left in the temporary directory: %v", left)
		}
		files := map[string][]byte{}
		for _, f := range datasetFiles(t, out) {
			files[f], _ = os.ReadFile(filepath.Join(out, f))
		}
		if run == 0 {
			first = files
			continue
		}
		for f, b := range files {
			if !bytes.Equal(b, first[f]) {
				t.Errorf("%s differs between runs", f)
			}
		}
	}
	// A failure leaves nothing in the temporary directory either.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	raw, _ := os.ReadFile(in)
	os.WriteFile(bad, append(raw, "USC00000001,20201231,TMAX,oops,,,7,\n"...), 0o644)
	if _, err := convertFile(t, bad, t.TempDir(), opts); err == nil {
		t.Fatal("a bad row did not fail")
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("a failure left in the temporary directory: %v", left)
	}
}
