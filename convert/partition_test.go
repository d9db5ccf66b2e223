package convert

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"gokerchunk/blob"
)

func TestAppendEscaped(t *testing.T) {
	for in, want := range map[string]string{
		"TMAX":           "TMAX",
		"a b-c_d.e~!":    "a b-c_d.e~!",
		"a/b":            "a%2Fb",
		"x=y:z":          "x%3Dy%3Az",
		"100%":           "100%25",
		"\x01\n\x1f\x7f": "%01%0A%1F%7F",
		`"#'*?\{[]^`:     "%22%23%27%2A%3F%5C%7B%5B%5D%5E",
		"ünï":            "ünï",
		"}":              "}",
	} {
		if got := string(appendEscaped(nil, []byte(in))); got != want {
			t.Errorf("appendEscaped(%q) = %q, want %q", in, got, want)
		}
		if got := hiveEscapeForTest(in); got != want {
			t.Errorf("the tests' escaping of %q = %q, want %q", in, got, want)
		}
	}
}

func TestPartitionDir(t *testing.T) {
	cols := []partitionColumn{{index: 0, typ: String, escapedName: "k/1"}, {index: 1, typ: Date, escapedName: "d"}, {index: 2, typ: Int64, escapedName: "n"}}
	fields := [][]byte{[]byte("a=b"), []byte("20200102"), []byte("007")}
	vals := []value{{}, {i: 18263}, {i: 7}}
	if got := string(partitionDir(nil, cols, fields, vals)); got != "k/1=a%3Db/d=2020-01-02/n=7" {
		t.Errorf("got %s", got)
	}
	fields = [][]byte{{}, {}, []byte("1")}
	vals = []value{{null: true}, {null: true}, {i: 1}}
	if got := string(partitionDir(nil, cols, fields, vals)); got != "k/1=__HIVE_DEFAULT_PARTITION__/d=__HIVE_DEFAULT_PARTITION__/n=1" {
		t.Errorf("got %s", got)
	}
}

// TestRemoveStale removes only this input's file, only in directories
// shaped like this run's partitions, only where this run wrote nothing.
func TestRemoveStale(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"A=1/B=x/in.parquet", "A=1/B=y/in.parquet", "A=1/B=y/other.parquet", "A=2/B=x/in.parquet",
		"A=3/in.parquet", "C=1/B=x/in.parquet", "A=4/Z=x/in.parquet", "A=1/B=x/other.parquet",
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, nil, 0o644)
	}
	cols := []partitionColumn{{escapedName: "A"}, {escapedName: "B"}}
	removed, err := removeStale(context.Background(), blob.NewDirTree(root), cols, "in.parquet", map[string]bool{"A=1/B=x": true})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A=1/B=y/in.parquet", "A=2/B=x/in.parquet"}; !slices.Equal(removed, want) {
		t.Errorf("removed %v, want %v", removed, want)
	}
	want := []string{"A=1/B=x/in.parquet", "A=1/B=x/other.parquet", "A=1/B=y/other.parquet", "A=3/in.parquet", "A=4/Z=x/in.parquet", "C=1/B=x/in.parquet"}
	if got := datasetFiles(t, root); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
}
