package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestValueLayout fails when parquet-go's Value is no longer laid out as
// valueMaker assumes: conversions then still work, through the API, at
// two thirds of the speed.
func TestValueLayout(t *testing.T) {
	if !valueLayoutOK {
		t.Error("parquet.Value's layout differs from valueWords: Values are made through the API (see parquetvalue.go)")
	}
}

// TestValuesThroughAPI converts the same input with Values made in place
// and through the API: the files are byte for byte the same.
func TestValuesThroughAPI(t *testing.T) {
	csv := "k,s,i32,i64,f32,f64,b,d\n" +
		"x,héllo,1,-9000000000000,1.5,-2.25,true,1969-12-31\n" +
		"x,,,,,,,\n" +
		"y,\"a,b\"\"c\",-2147483648,9223372036854775807,3.4e38,1e-300,false,2000-02-29\n"
	schema := []ColumnType{{"i32", Int32}, {"i64", Int64}, {"f32", Float32}, {"f64", Float64}, {"b", Bool}, {"d", Date}}
	opts := Options{Header: true, Schema: schema, PartitionBy: []string{"k"}}
	fast := t.TempDir()
	if _, err := convertString(t, csv, fast, "v.parquet", opts); err != nil {
		t.Fatal(err)
	}
	defer func(ok bool) { valueLayoutOK = ok }(valueLayoutOK)
	valueLayoutOK = false
	slow := t.TempDir()
	if _, err := convertString(t, csv, slow, "v.parquet", opts); err != nil {
		t.Fatal(err)
	}
	files := datasetFiles(t, fast)
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	for _, f := range files {
		a, _ := os.ReadFile(filepath.Join(fast, f))
		b, err := os.ReadFile(filepath.Join(slow, f))
		if err != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs (%v)", f, err)
		}
	}
}
