//go:build cgo

package zarrcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// fillValuesCDL has variables with a _FillValue of each kind the check
// compares, and one without.
const fillValuesCDL = `netcdf t {
dimensions:
  x = 2 ;
  n = 3 ;
variables:
  short s(x) ;
    s:_FillValue = -999s ;
  float f(x) ;
    f:_FillValue = NaNf ;
  double d(x) ;
    d:_FillValue = 1.e+20 ;
  ubyte ub(x) ;
    ub:_FillValue = 255UB ;
  int64 i64(x) ;
    i64:_FillValue = -9223372036854775807LL ;
  string str(x) ;
    str:_FillValue = "N/A" ;
  char c(x, n) ;
    c:_FillValue = "-" ;
  int none(x) ;
data:
  s = 1, 2 ; f = 1, 2 ; d = 1, 2 ; ub = 1, 2 ; i64 = 1, 2 ;
  str = "a", "b" ; c = "abc", "de" ; none = 1, 2 ;
}
`

// TestNetCDFFillValue checks the _FillValue attributes and dimension names
// libnetcdf gives.
func TestNetCDFFillValue(t *testing.T) {
	vars, err := openNetCDF(t, ncgen(t, fillValuesCDL)).Variables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"s": "-999", "f": "NaN", "d": "1e+20", "ub": "255", "i64": "-9223372036854775807", "str": `"N/A"`, "c": `"-"`, "none": "(none)"}
	for _, v := range vars {
		got := "(none)"
		if v.FillValue != nil {
			got = formatAttr(v.FillValue)
		}
		if got != want[v.Path] {
			t.Errorf("%s: _FillValue %s, want %s", v.Path, got, want[v.Path])
		}
		wantDims := "x"
		if v.Path == "c" {
			wantDims = "x n"
		}
		if d := strings.Join(v.Dims, " "); d != wantDims {
			t.Errorf("%s: dims %q, want %q", v.Path, d, wantDims)
		}
	}
}

// TestCheckNetCDFMetadata runs the check on inline references to
// fillValuesCDL's values whose metadata are right, then wrong in each way
// the scanner could get them wrong.
func TestCheckNetCDFMetadata(t *testing.T) {
	ncPath := ncgen(t, fillValuesCDL)
	src := openNetCDF(t, ncPath)
	correct := func(t *testing.T) *refs.Set {
		set := refs.NewSet()
		x := []int64{2}
		addArray(t, set, "s", "<i2", x, x, encode(t, binary.LittleEndian, []int16{1, 2}))
		setFillValue(t, set, "s", "-999")
		addArray(t, set, "f", "<f4", x, x, encode(t, binary.LittleEndian, []float32{1, 2}))
		setFillValue(t, set, "f", `"NaN"`)
		addArray(t, set, "d", "<f8", x, x, encode(t, binary.LittleEndian, []float64{1, 2}))
		setFillValue(t, set, "d", "1e+20")
		addArray(t, set, "ub", "|u1", x, x, []byte{1, 2})
		setFillValue(t, set, "ub", "255")
		addArray(t, set, "i64", "<i8", x, x, encode(t, binary.LittleEndian, []int64{1, 2}))
		setFillValue(t, set, "i64", "-9223372036854775807")
		addStringArray(t, set, "str", x, x, []string{"a", "b"})
		setFillValue(t, set, "str", `"N/A"`)
		addArray(t, set, "c", "|S3", x, x, []byte("abcde-")) // ncgen fills "de" with the _FillValue
		setFillValue(t, set, "c", `"LQAA"`)                  // "-\0\0"
		addArray(t, set, "none", "<i4", x, x, encode(t, binary.LittleEndian, []int32{1, 2}))
		for _, p := range set.ArrayPaths() {
			setDims(t, set, p, []string{"x"})
		}
		return set
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, set *refs.Set)
		want   map[string]string // status and detail of the entries other than ok
	}{
		{name: "agree", mutate: func(*testing.T, *refs.Set) {}},
		{
			// Today's scanner: netCDF's default fill as fill_value.
			name:   "default fill of a variable without _FillValue",
			mutate: func(t *testing.T, set *refs.Set) { setFillValue(t, set, "none", "-2147483647") },
			want:   map[string]string{"none": "metadata fill_value -2147483647 is not the source's _FillValue (none): xarray would mask -2147483647"},
		},
		{
			name: "_FillValue lost",
			mutate: func(t *testing.T, set *refs.Set) {
				setFillValue(t, set, "s", "null")
				setFillValue(t, set, "str", "null")
			},
			want: map[string]string{
				"s":   "metadata fill_value null is not the source's _FillValue -999: xarray would not mask -999",
				"str": `metadata fill_value null is not the source's _FillValue "N/A": xarray would not mask "N/A"`,
			},
		},
		{
			name: "other fill values",
			mutate: func(t *testing.T, set *refs.Set) {
				setFillValue(t, set, "f", "9.969209968386869e+36")
				setFillValue(t, set, "d", "1e+21")
				setFillValue(t, set, "c", `"Kg=="`) // "*"
			},
			want: map[string]string{
				"f": "metadata fill_value 9.96921e+36 is not the source's _FillValue NaN: xarray would mask 9.96921e+36 instead of NaN",
				"d": "metadata fill_value 1e+21 is not the source's _FillValue 1e+20",
				"c": `metadata fill_value "*" is not the source's _FillValue "-"`,
			},
		},
		{
			name:   "dimension renamed",
			mutate: func(t *testing.T, set *refs.Set) { setDims(t, set, "d", []string{"phony_dim_0"}) },
			want:   map[string]string{"d": `metadata _ARRAY_DIMENSIONS ["phony_dim_0"], the source's dimensions ["x"]`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := correct(t)
			tc.mutate(t, set)
			r, err := Check(context.Background(), set, newOpener(t), src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Entries {
				want, special := tc.want[e.Path]
				if !special {
					want = "ok"
				}
				if got := strings.TrimSpace(string(e.Status) + " " + e.Detail); !strings.HasPrefix(got, want) {
					t.Errorf("%s: %q, want %q", e.Path, got, want)
				}
			}
		})
	}
}

// stringPadScript writes strpad.h5: fixed-length strings of each HDF5
// padding type, their bytes written as given (the memory type is the file
// type, so libhdf5 converts nothing), and numbers with and without a
// _FillValue attribute. It prints where each dataset's bytes lie.
const stringPadScript = `import h5py, json, sys, numpy as np
out = {}
with h5py.File(sys.argv[1], "w") as f:
    for name, pad, vals in [
        ("nullterm", h5py.h5t.STR_NULLTERM, [b"ab\0\0\0", b"xyz\0\0"]),
        ("nullterm_junk", h5py.h5t.STR_NULLTERM, [b"ab\0cd", b"xyz\0\0"]),
        ("nullpad", h5py.h5t.STR_NULLPAD, [b"ab\0\0\0", b"xyz\0\0"]),
        ("spacepad", h5py.h5t.STR_SPACEPAD, [b"ab   ", b"xyz  "]),
    ]:
        tid = h5py.h5t.C_S1.copy()
        tid.set_size(5)
        tid.set_strpad(pad)
        ds = h5py.h5d.create(f.id, name.encode(), tid, h5py.h5s.create_simple((2,)))
        ds.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(vals, dtype="S5"), mtype=tid)
    f.create_dataset("with_fill", data=np.array([1, 2], dtype="<i2")).attrs["_FillValue"] = np.int16(-1)
    f.create_dataset("float_fill", data=np.array([1, 2], dtype="<f4")).attrs["_FillValue"] = np.float64(np.nan)
    f.create_dataset("no_fill", data=np.array([1, 2], dtype="<i2"))
    for name, ds in f.items():
        out[name] = [ds.id.get_offset(), ds.id.get_storage_size(), ds.dtype.str]
json.dump(out, sys.stdout)`

// TestCheckHDF5StringsAndFill checks, on a file h5py writes, that HDF5
// fixed-length strings compare as libhdf5 presents them under each padding
// type, and that fill_value is compared with a plain HDF5 _FillValue
// attribute.
func TestCheckHDF5StringsAndFill(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import h5py").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("h5py is missing under CI: %v", err)
		}
		t.Skipf("h5py is missing: %v", err)
	}
	file := filepath.Join(t.TempDir(), "strpad.h5")
	out, err := exec.Command(debianPython, "-c", stringPadScript, file).Output()
	if err != nil {
		t.Fatalf("h5py: %v", err)
	}
	var layout map[string][3]json.RawMessage
	if err := json.Unmarshal(out, &layout); err != nil {
		t.Fatal(err)
	}
	var datasets []genDataset
	for path, l := range layout {
		d := genDataset{Path: path, Shape: []int64{2}, ZarrDType: l[2], Offset: new(int64)}
		if json.Unmarshal(l[0], d.Offset) != nil || json.Unmarshal(l[1], &d.NBytes) != nil {
			t.Fatalf("%s: %s", path, out)
		}
		datasets = append(datasets, d)
	}
	src := openSource(t, file)
	// applyPadding rewrites the strings as a scanner that applies the
	// padding writes them.
	applyPadding := func(set *refs.Set) {
		set.Arrays["nullterm_junk"].SetInline(0, []byte("ab\x00\x00\x00xyz\x00\x00"))
		set.Arrays["spacepad"].SetInline(0, []byte("ab\x00\x00\x00xyz\x00\x00"))
	}
	for _, tc := range []struct {
		name   string
		mutate func(t *testing.T, set *refs.Set)
		want   map[string]string
	}{
		{
			name: "as stored",
			mutate: func(t *testing.T, set *refs.Set) {
				setFillValue(t, set, "with_fill", "-1")
				setFillValue(t, set, "float_fill", `"NaN"`)
			},
			want: map[string]string{
				"nullterm_junk": `mismatch 1 of 2 elements differ; first at [0]: reference "ab\x00cd", source "ab"`,
				"spacepad":      `mismatch 2 of 2 elements differ; first at [0]: reference "ab   ", source "ab"`,
			},
		},
		{
			// What a scanner that applies the padding writes.
			name: "padding applied",
			mutate: func(t *testing.T, set *refs.Set) {
				setFillValue(t, set, "with_fill", "-1")
				setFillValue(t, set, "float_fill", `"NaN"`)
				applyPadding(set)
			},
		},
		{
			name: "fill values wrong",
			mutate: func(t *testing.T, set *refs.Set) {
				applyPadding(set)
				setFillValue(t, set, "no_fill", "0")
				setFillValue(t, set, "float_fill", "0")
			},
			want: map[string]string{
				"with_fill":  "metadata fill_value null is not the source's _FillValue -1: xarray would not mask -1",
				"float_fill": "metadata fill_value 0 is not the source's _FillValue NaN: xarray would mask 0 instead of NaN",
				"no_fill":    "metadata fill_value 0 is not the source's _FillValue (none): xarray would mask 0",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := referenceSet(t, file, datasets)
			nameDims(t, set, src)
			tc.mutate(t, set)
			r, err := Check(context.Background(), set, newOpener(t), src, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Entries) != len(layout) {
				t.Errorf("%d entries for %d datasets", len(r.Entries), len(layout))
			}
			var b bytes.Buffer
			for _, e := range r.Entries {
				want, special := tc.want[e.Path]
				if !special {
					want = "ok"
				}
				if got := strings.TrimSpace(string(e.Status) + " " + e.Detail); got != want {
					t.Errorf("%s: %q, want %q", e.Path, got, want)
				}
			}
			if t.Failed() {
				r.Write(&b)
				t.Log("report:\n" + b.String())
			}
		})
	}
}
