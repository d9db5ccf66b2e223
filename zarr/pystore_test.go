package zarr

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// pyStore is testdata/dtypes, written by zarr-python (testdata/gen_dtypes.py).
const pyStore = "testdata/dtypes"

// pyExpected is one entry of the store's expected.json: what zarr-python
// read back from the array.
type pyExpected struct {
	Bytes   []byte   `json:"bytes"`   // numpy's tobytes() of the whole array
	Strings []string `json:"strings"` // object arrays, C order
	// Fields are numpy's fields of a structured dtype:
	// [name, offset, base dtype, sub-array shape, base item size].
	Fields [][]any `json:"fields"`
}

// loadDirectoryStore turns a Zarr v2 DirectoryStore into a reference set
// whose chunks point at the chunk files, as a scan would point into a file.
func loadDirectoryStore(t *testing.T, dir string) *refs.Set {
	t.Helper()
	set := refs.NewSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		doc, err := os.ReadFile(filepath.Join(dir, name, ".zarray"))
		if err != nil {
			t.Fatal(err)
		}
		z, err := refs.ParseZArray(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		refstest.PutDoc(t, set, name+"/.zarray", doc)
		m := refs.NewManifest(z.Grid())
		set.Arrays[name].Manifest = m
		files, err := os.ReadDir(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				continue
			}
			idx, err := refs.ParseChunkKey(f.Name(), m.Grid, z.Separator())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			abs, err := filepath.Abs(filepath.Join(dir, name, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			m.SetRange(m.Linear(idx), abs, 0, -1)
		}
	}
	return set
}

// TestZarrPythonStore reads every array zarr-python wrote (structured with
// padding, nested and sub-array members, complex, opaque, bool, half
// floats, vlen-utf8 strings; most with missing chunks) and compares the
// result with what zarr-python itself read back.
func TestZarrPythonStore(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(pyStore, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var expected map[string]pyExpected
	if err := json.Unmarshal(raw, &expected); err != nil {
		t.Fatal(err)
	}
	set := loadDirectoryStore(t, pyStore)
	o := blob.NewOpener()
	t.Cleanup(func() { o.Close() })
	store := Open(set, o)
	if got := len(store.Arrays()); got != len(expected) || got < 10 {
		t.Fatalf("%d arrays in the store, %d in expected.json", got, len(expected))
	}
	ctx := context.Background()
	for _, name := range store.Arrays() {
		t.Run(name, func(t *testing.T) {
			want, ok := expected[name]
			if !ok {
				t.Fatalf("no expected values")
			}
			a, err := store.Array(name)
			if err != nil {
				t.Fatal(err)
			}
			if want.Strings != nil {
				got, err := a.ReadStrings(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want.Strings) {
					t.Errorf("got  %q\nwant %q", got, want.Strings)
				}
				if _, err := a.ReadAll(ctx); err == nil || !strings.Contains(err.Error(), "ReadStrings") {
					t.Errorf("ReadAll of an object array: %v", err)
				}
				return
			}
			got, err := a.ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want.Bytes) {
				t.Errorf("got  % x\nwant % x", got, want.Bytes)
			}
			if want.Fields != nil {
				checkFields(t, a.DType, want.Fields)
			}
		})
	}
}

// checkFields compares our parse of a structured dtype with numpy's.
func checkFields(t *testing.T, d DType, numpy [][]any) {
	t.Helper()
	if len(d.Fields) != len(numpy) {
		t.Fatalf("%d fields, numpy has %d", len(d.Fields), len(numpy))
	}
	for i, f := range d.Fields {
		name, offset, base, itemSize := numpy[i][0].(string), numpy[i][1].(float64), numpy[i][2].(string), numpy[i][4].(float64)
		var shape []int64
		for _, s := range numpy[i][3].([]any) {
			shape = append(shape, int64(s.(float64)))
		}
		if f.Name != "" && f.Name != name {
			t.Errorf("field %d: name %q, numpy %q", i, f.Name, name)
		}
		if f.Offset != int(offset) || f.DType.Size != int(itemSize) || !reflect.DeepEqual(f.Shape, shape) {
			t.Errorf("field %d (%s): offset %d, size %d, shape %v; numpy %v, %v, %v", i, name, f.Offset, f.DType.Size, f.Shape, offset, itemSize, shape)
		}
		if f.DType.Fields == nil && f.DType.Str != base {
			t.Errorf("field %d (%s): dtype %s, numpy %s", i, name, f.DType.Str, base)
		}
	}
}
