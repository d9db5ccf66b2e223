package hdf5scan

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/format"
	"gokerchunk/zarr"
)

const fixtureDir = "../testdata/fixtures/"

// walkFixture opens a fixture and walks its groups, for tests that look at
// object headers.
func walkFixture(t testing.TB, path string) (*scanner, []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, sb, err := open(bytes.NewReader(data), int64(len(data)), path)
	if err != nil {
		t.Fatal(err)
	}
	s := &scanner{f: f, ctx: context.Background(), gh: &globalHeap{}, byAddr: map[uint64]*object{},
		phony: map[string][]phonyDim{}, res: &format.Result{}}
	if err := s.walk(sb.rootHeader); err != nil {
		t.Fatal(err)
	}
	return s, data
}

func (s *scanner) objectAt(t testing.TB, path string) *object {
	t.Helper()
	for _, o := range s.objects {
		if o.path == path {
			return o
		}
	}
	t.Fatalf("no object %s", path)
	return nil
}

// h5pyDump prints, for every dataset of a file, its raw values as h5py
// (libhdf5) reads them and its attributes as JSON, so that a test can
// compare what the references read back with an independent reader.
// Attributes are normalised the way the scanner presents them: one element
// becomes a scalar, fixed strings are decoded. libhdf5 resolves external
// file names against the file's directory (HDF5_EXTFILE_PREFIX=${ORIGIN}).
const h5pyDump = `import base64, json, sys
import h5py, numpy as np

def attr(v):
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, np.ndarray):
        if v.size == 1:
            return attr(v.reshape(())[()])
        return [attr(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return attr(v.item())
    return v

out = {}
only = set(sys.argv[2:])
def visit(name, obj):
    if not isinstance(obj, h5py.Dataset) or only and name not in only:
        return
    attrs = {}
    for k in obj.attrs:
        if k in ("DIMENSION_LIST", "REFERENCE_LIST", "CLASS", "NAME") or k.startswith("_Netcdf4"):
            continue
        attrs[k] = attr(obj.attrs[k])
    name_attr = obj.attrs.get("NAME", b"")
    out[name] = {
        "dtype": obj.dtype.str,
        "shape": list(obj.shape),
        "data": base64.b64encode(np.ascontiguousarray(obj[()]).tobytes()).decode(),
        "attrs": attrs,
        "placeholder": isinstance(name_attr, bytes) and name_attr.startswith(b"This is a netCDF dimension"),
    }
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
json.dump(out, sys.stdout)
`

// h5pyDataset is one dataset as h5pyDump reports it.
type h5pyDataset struct {
	DType       string          `json:"dtype"`
	Shape       []int64         `json:"shape"`
	Data        string          `json:"data"` // base64 of the C-order values
	Attrs       json.RawMessage `json:"attrs"`
	Placeholder bool            `json:"placeholder"`
}

// h5pyDatasets runs h5pyDump on path, on the named datasets only if any
// are named; the test is skipped without Debian's h5py.
func h5pyDatasets(t *testing.T, path string, names ...string) map[string]h5pyDataset {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		skipWithoutH5py(t, "no "+debianPython)
	}
	cmd := exec.Command(debianPython, append([]string{"-c", h5pyDump, path}, names...)...)
	cmd.Env = append(os.Environ(), "HDF5_EXTFILE_PREFIX=${ORIGIN}")
	b, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(ee.Stderr), "No module named") {
			skipWithoutH5py(t, "h5py is not installed")
		}
		t.Fatalf("h5py: %v", err)
	}
	var out map[string]h5pyDataset
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// compareWithH5pyValues scans path and checks every dataset h5py lists
// (those named, if any are): present in the set (netCDF dimension
// placeholders excepted), with the same dtype and shape, values read back
// through the references (zarr package, external files included) equal to
// h5py's bytes, and the same attributes.
func compareWithH5pyValues(t *testing.T, path string, names ...string) *format.Result {
	t.Helper()
	want := h5pyDatasets(t, path, names...)
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	res := scanFixture(t, abs, 0)
	o := blob.NewOpener()
	defer o.Close()
	store := zarr.Open(res.Set, o)
	if len(want) == 0 {
		t.Fatal("h5py lists no dataset: not a useful case")
	}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			key := zarrPath(name)
			if w.Placeholder {
				if _, ok := res.Set.Arrays[key]; ok {
					t.Fatal("a netCDF dimension placeholder became an array")
				}
				return
			}
			a, err := store.Array(key)
			if err != nil {
				t.Fatal(err)
			}
			var dt string
			if err := json.Unmarshal(a.Meta.DType, &dt); err != nil || dt != w.DType {
				t.Errorf("dtype %s, h5py %s", a.Meta.DType, w.DType)
			}
			if !reflect.DeepEqual(a.Meta.Shape, w.Shape) && !(len(a.Meta.Shape) == 0 && len(w.Shape) == 0) {
				t.Fatalf("shape %v, h5py %v", a.Meta.Shape, w.Shape)
			}
			got, err := a.Read(context.Background(), make([]int64, len(w.Shape)), w.Shape)
			if err != nil {
				t.Fatal(err)
			}
			data, _ := base64.StdEncoding.DecodeString(w.Data)
			if !bytes.Equal(got, data) {
				t.Errorf("values read through the references differ from h5py's:\n got %x\nwant %x", got, data)
			}
			var attrs map[string]any
			if err := json.Unmarshal(res.Set.Attrs(key).Marshal(), &attrs); err != nil {
				t.Fatal(err)
			}
			delete(attrs, "_ARRAY_DIMENSIONS")
			if fill, ok := attrs["_FillValue"]; ok {
				t.Errorf("_FillValue %v left in .zattrs", fill)
			}
			var wantAttrs map[string]any
			if err := json.Unmarshal(w.Attrs, &wantAttrs); err != nil {
				t.Fatal(err)
			}
			delete(wantAttrs, "_FillValue") // moved into the Zarr fill value
			if !reflect.DeepEqual(attrs, wantAttrs) {
				t.Errorf("attributes %v, h5py %v", attrs, wantAttrs)
			}
		})
	}
	return res
}
