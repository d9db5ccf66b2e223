package fanout_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/convert"
	"gokerchunk/fanout"
)

const convertCSV = "k,n\na,1\nb,2\na,3\n"

// TestHandleCSV2Parquet runs the csv2parquet job through the handler: the
// files equal those convert.Convert writes for the same input, the
// response counts them; a bad row beyond max_bad_rows is an InputError
// that leaves nothing.
func TestHandleCSV2Parquet(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(in, []byte(convertCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(dir, "want")
	opts := convert.Options{PartitionBy: []string{"k"}, Header: true, Schema: []convert.ColumnType{{Name: "n", Type: convert.Int32}}, Compression: "zstd"}
	if _, err := convert.Convert(context.Background(), strings.NewReader(convertCSV), "x.parquet", blob.NewDirTree(want), opts); err != nil {
		t.Fatal(err)
	}

	h, logs := testHandler("")
	out := filepath.Join(dir, "out")
	event, _ := json.Marshal(map[string]any{"job": "csv2parquet", "input_path": in, "output_path": out,
		"partition_cols": []string{"k"}, "header": true, "schema": "n:int32"})
	resp, err := h.Handle(context.Background(), "req-1", event)
	if err != nil {
		t.Fatal(err)
	}
	s := resp.Stats
	if resp.StatusCode != 200 || s.Rows != 3 || s.Partitions != 2 || s.Files != 2 || s.BadRows != 0 || s.OutputBytes == 0 || s.Bytes != int64(len(convertCSV)) {
		t.Errorf("response %+v", resp)
	}
	for _, name := range []string{"k=a/x.parquet", "k=b/x.parquet"} {
		w, err := os.ReadFile(filepath.Join(want, name))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(out, name)); err != nil || string(got) != string(w) {
			t.Errorf("%s differs from convert.Convert's (%v)", name, err)
		}
	}
	if !strings.Contains(logs.String(), `"msg":"csv2parquet done"`) {
		t.Errorf("log: %s", logs)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(convertCSV+"c,zz\n"), 0o644)
	badOut := filepath.Join(dir, "badout")
	event, _ = json.Marshal(map[string]any{"job": "csv2parquet", "input": bad, "output": badOut,
		"partition_cols": []string{"k"}, "header": true, "schema": "n:int32"})
	_, err = h.Handle(context.Background(), "req-2", event)
	var ie *fanout.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("bad row: %v, want an InputError naming line 5", err)
	}
	if _, err := os.Stat(badOut); !os.IsNotExist(err) {
		t.Errorf("a failed conversion left %s", badOut)
	}
	// With max_bad_rows it converts, and the response lists the row.
	event, _ = json.Marshal(map[string]any{"job": "csv2parquet", "input": bad, "output": badOut,
		"partition_cols": []string{"k"}, "header": true, "schema": "n:int32", "max_bad_rows": 1})
	resp, err = h.Handle(context.Background(), "req-3", event)
	if err != nil || resp.Stats.BadRows != 1 || len(resp.BadRows) != 1 || !strings.HasPrefix(resp.BadRows[0], "line 5:") {
		t.Errorf("max_bad_rows 1: %+v, %v", resp, err)
	}

	// A missing input is the input's fault too.
	event, _ = json.Marshal(map[string]any{"job": "csv2parquet", "input": filepath.Join(dir, "none.csv"), "output": badOut,
		"partition_cols": []string{"k"}, "header": true})
	if _, err := h.Handle(context.Background(), "req-4", event); !errors.As(err, &ie) {
		t.Errorf("missing input: %v, want an InputError", err)
	}
}
