//go:build cgo

package zarrcheck

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// debianPython has h5py, netCDF4, numcodecs and zarr.
const debianPython = "/usr/bin/python3"

// genDataset is what testdata/gen_hdf5.py reports of one dataset: what h5py
// read from it, and how the scanner would describe it.
type genDataset struct {
	Path      string          `json:"path"`
	Shape     []int64         `json:"shape"` // with array-type dimensions
	ZarrDType json.RawMessage `json:"zarr_dtype"`
	Offset    *int64          `json:"offset"` // contiguous storage; nil otherwise
	NBytes    int64           `json:"nbytes"`
	// Values, by kind: numbers in host byte order; S, V and bool bytes as
	// stored; each member of a compound (r and i of a complex number) as
	// stored; variable-length strings, also encoded as vlen-utf8.
	Native   []byte            `json:"native"`
	Raw      []byte            `json:"raw"`
	Fields   map[string][]byte `json:"fields"`
	Strings  []string          `json:"strings"`
	VLenUTF8 []byte            `json:"vlen_utf8"`
}

// generateHDF5 runs the generator into a temporary directory and returns
// it with the description of plain.h5 and netcdf4.nc.
func generateHDF5(t *testing.T) (string, map[string][]genDataset) {
	t.Helper()
	err := exec.Command(debianPython, "-c", "import h5py, netCDF4, numcodecs, zarr").Run()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("Debian's Python stack is missing under CI: %v", err)
		}
		t.Skipf("Debian's Python with h5py, netCDF4, numcodecs and zarr is missing: %v", err)
	}
	dir := t.TempDir()
	cmd := exec.Command(debianPython, filepath.Join("testdata", "gen_hdf5.py"), dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gen_hdf5.py: %v\n%s", err, stderr.String())
	}
	var files map[string][]genDataset
	if err := json.Unmarshal(out, &files); err != nil {
		t.Fatal(err)
	}
	return dir, files
}

// referenceSet builds the reference set the scanner would make for file:
// one chunk per dataset, a byte range of the file, or inline for
// variable-length strings (vlen-utf8) and the numbers that are not
// contiguous (their values, in host byte order); other datasets that are
// not contiguous are left without chunks.
func referenceSet(t *testing.T, file string, datasets []genDataset) *refs.Set {
	t.Helper()
	set := refs.NewSet()
	for _, d := range datasets {
		z := &refs.ZArray{ZarrFormat: 2, Shape: d.Shape, Chunks: d.Shape, DType: d.ZarrDType, Order: "C", FillValue: json.RawMessage("null")}
		if d.VLenUTF8 != nil {
			z.Filters = []refs.Codec{{"id": "vlen-utf8"}}
		}
		doc, err := z.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		refstest.PutDoc(t, set, refs.MetaKey(d.Path, ".zarray"), doc)
		m := refs.NewManifest(z.Grid())
		set.Arrays[d.Path].Manifest = m
		switch {
		case d.VLenUTF8 != nil:
			m.SetInline(0, d.VLenUTF8)
		case d.Offset != nil:
			m.SetRange(0, file, *d.Offset, d.NBytes)
		case d.Native != nil:
			m.SetInline(0, d.Native)
		}
	}
	return set
}

// nameDims names the dimensions of every array of set as the scanner does:
// the source's names (libnetcdf's), then phony_dim_0, ... for the axes
// that have none.
func nameDims(t *testing.T, set *refs.Set, src Source) {
	t.Helper()
	vars, err := src.Variables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vars {
		z, err := set.ZArray(v.Path)
		if err != nil {
			continue
		}
		dims := slices.Clone(v.Dims)
		for len(dims) < len(z.Shape) {
			dims = append(dims, fmt.Sprintf("phony_dim_%d", len(dims)))
		}
		setDims(t, set, v.Path, dims[:len(z.Shape)])
	}
}

func findDataset(t *testing.T, datasets []genDataset, path string) genDataset {
	t.Helper()
	for _, d := range datasets {
		if d.Path == path {
			return d
		}
	}
	t.Fatalf("no dataset %s", path)
	return genDataset{}
}

func openSource(t *testing.T, path string) Source {
	t.Helper()
	src, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Error(err)
		}
	})
	return src
}

// TestHDF5Source compares what the libhdf5 source reads with what h5py
// read: numbers, raw bytes, strings, and every compound member cut out of
// the element at the offset the source reports for it.
func TestHDF5Source(t *testing.T) {
	dir, files := generateHDF5(t)
	src := openSource(t, filepath.Join(dir, "plain.h5"))
	if _, ok := src.(*hdf5Source); !ok {
		t.Fatalf("Open chose %T for a plain HDF5 file", src)
	}
	ctx := context.Background()
	vars, err := src.Variables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	byPath := map[string]Variable{}
	for _, v := range vars {
		paths = append(paths, v.Path)
		byPath[v.Path] = v
	}
	// A depth-first walk in name order, as the scanner lists objects.
	want := "array_type bool complex128_be complex64 compound_padded fixed_string grp/compound_nested half half_be opaque vlen_string"
	if got := strings.Join(paths, " "); got != want {
		t.Errorf("variables %s\nwant      %s", got, want)
	}
	// Types as the HDF5 file declares them (h5dump), in Zarr's words.
	i32, f64 := ElemType{Kind: 'i', Size: 4, Name: "int32"}, ElemType{Kind: 'f', Size: 8, Name: "float64"}
	wantTypes := map[string]ElemType{
		"array_type": {Kind: 'i', Size: 2, Name: "int16 big-endian"},
		"bool":       {Kind: 'b', Size: 1, Name: "bool enum"},
		"compound_padded": {Kind: 'V', Size: 24, Name: "compound", Fields: []Field{
			{Name: "a", Offset: 0, Type: i32}, {Name: "b", Offset: 8, Type: f64},
		}},
		"fixed_string": {Kind: 'S', Size: 5, Name: "string(5)", Pad: PadNullPad}, // h5py's numpy "S"
		"half_be":      {Kind: 'f', Size: 2, Name: "float16 big-endian"},
		"opaque":       {Kind: 'V', Size: 7, Name: "opaque(7)"},
		"vlen_string":  {Kind: 'T', Name: "vlen string"},
	}
	for p, w := range wantTypes {
		if got := byPath[p].Type; !reflect.DeepEqual(got, w) {
			t.Errorf("%s: type %+v, want %+v", p, got, w)
		}
	}
	if got := byPath["array_type"].Shape; !slices.Equal(got, []int64{3, 2}) {
		t.Errorf("array_type: shape %v, want the array's dimension appended: [3 2]", got)
	}
	nested := byPath["grp/compound_nested"].Type
	if len(nested.Fields) != 3 || !slices.Equal(nested.Fields[1].Shape, []int64{2, 3}) || nested.Fields[2].Offset != 31 ||
		!nested.Fields[2].Type.Fields[0].BigEndian || !slices.Equal(nested.Fields[0].Type.Fields[1].Shape, []int64{3}) {
		t.Errorf("grp/compound_nested: %+v", nested)
	}

	for _, d := range files["plain.h5"] {
		t.Run(d.Path, func(t *testing.T) {
			v := byPath[d.Path]
			if d.Strings != nil {
				got, err := src.ReadStrings(ctx, d.Path)
				if err != nil || !reflect.DeepEqual(got, d.Strings) {
					t.Errorf("ReadStrings = %q, %v; want %q", got, err, d.Strings)
				}
				return
			}
			got, err := src.Read(ctx, d.Path, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case d.Native != nil && !bytes.Equal(got, d.Native):
				t.Errorf("got % x, want % x", got, d.Native)
			case d.Raw != nil && !bytes.Equal(got, d.Raw):
				t.Errorf("got % x, want % x", got, d.Raw)
			}
			for name, want := range d.Fields {
				i := slices.IndexFunc(v.Type.Fields, func(f Field) bool { return f.Name == name })
				if i < 0 {
					t.Fatalf("no member %s in %+v", name, v.Type)
				}
				f := v.Type.Fields[i]
				size := f.Type.Size
				for _, n := range f.Shape {
					size *= int(n)
				}
				var member []byte
				for e := 0; e+v.Type.Size <= len(got); e += v.Type.Size {
					member = append(member, got[e+f.Offset:e+f.Offset+size]...)
				}
				if !bytes.Equal(member, want) {
					t.Errorf("member %s: got % x, want % x", name, member, want)
				}
			}
		})
	}
	if _, err := src.Read(ctx, "vlen_string", nil, nil); err == nil || !strings.Contains(err.Error(), ErrUnsupported.Error()) {
		t.Errorf("Read of vlen strings: %v", err)
	}
	if _, err := src.ReadStrings(ctx, "half"); err == nil {
		t.Error("ReadStrings of a float dataset succeeded")
	}
}

// TestOpenChoosesReader checks which reader Open picks for each kind of file.
func TestOpenChoosesReader(t *testing.T) {
	classic := filepath.Join(t.TempDir(), "classic.nc")
	if _, err := exec.LookPath("ncgen"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("ncgen is not installed; CI must install netcdf-bin")
		}
		t.Skip("ncgen is not installed")
	}
	cdl := filepath.Join(t.TempDir(), "c.cdl")
	if err := os.WriteFile(cdl, []byte("netcdf c { dimensions: x = 2 ; variables: int v(x) ; data: v = 1, 2 ; }"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ncgen", "-k", "nc3", "-o", classic, cdl).CombinedOutput(); err != nil {
		t.Fatalf("ncgen: %v\n%s", err, out)
	}
	fixtures := filepath.Join("..", "testdata", "fixtures")
	for _, tc := range []struct {
		path string
		want string
	}{
		{classic, "*zarrcheck.netcdfSource"},
		{filepath.Join(fixtures, "h5_earliest.h5"), "*zarrcheck.hdf5Source"},
		{filepath.Join(fixtures, "nc4_types.nc"), "*zarrcheck.netCDF4Source"},
		{filepath.Join(fixtures, "nc7_classic.nc"), "*zarrcheck.netCDF4Source"},   // netCDF-4 classic model: HDF5
		{filepath.Join(fixtures, "nc4_userblock.nc"), "*zarrcheck.netCDF4Source"}, // superblock at 512
	} {
		src := openSource(t, tc.path)
		if got := reflect.TypeOf(src).String(); got != tc.want {
			t.Errorf("%s: %s, want %s", filepath.Base(tc.path), got, tc.want)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "absent.nc")); err == nil {
		t.Error("Open of an absent file succeeded")
	}
}

// TestNetCDF4Routing checks which variables of a netCDF-4 file libhdf5
// reads instead of libnetcdf, and with which types.
func TestNetCDF4Routing(t *testing.T) {
	dir, _ := generateHDF5(t)
	src := openSource(t, filepath.Join(dir, "netcdf4.nc"))
	vars, err := src.Variables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range vars {
		got[v.Path] = string(v.Type.Kind) + " " + v.Type.Name
	}
	want := map[string]string{
		"records":       "V compound", // libnetcdf cannot read compounds
		"short_records": "V compound",
		"names":         "T string",    // libnetcdf, NC_STRING
		"temp":          "f float",     // libnetcdf
		"long":          "i short",     // libnetcdf
		"labels":        "S string(3)", // libnetcdf says string and misreads it
		"flags":         "b bool enum", // h5py's enum, which libnetcdf does not list
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("variables %v\nwant      %v", got, want)
	}
}

// TestCheckHDF5 runs the check end to end on references built by hand from
// h5py's offsets: correct ones pass, each wrong one is reported.
func TestCheckHDF5(t *testing.T) {
	dir, files := generateHDF5(t)
	plain, nc4 := filepath.Join(dir, "plain.h5"), filepath.Join(dir, "netcdf4.nc")
	fileBytes := func(t *testing.T, path string, d genDataset) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Clone(b[*d.Offset : *d.Offset+d.NBytes])
	}
	// inlineWith replaces the chunk of the dataset at path with its stored
	// bytes, changed by edit.
	inlineWith := func(file, path string, edit func(b []byte)) func(t *testing.T, set *refs.Set) {
		return func(t *testing.T, set *refs.Set) {
			datasets := files[filepath.Base(file)]
			b := fileBytes(t, file, findDataset(t, datasets, path))
			edit(b)
			set.Arrays[path].SetInline(0, b)
		}
	}
	setDType := func(path, dtype string) func(t *testing.T, set *refs.Set) {
		return func(t *testing.T, set *refs.Set) {
			z, err := set.ZArray(path)
			if err != nil {
				t.Fatal(err)
			}
			z.DType = json.RawMessage(dtype)
		}
	}
	for _, tc := range []struct {
		name   string
		file   string
		mutate func(t *testing.T, set *refs.Set)
		want   map[string]Entry // entries other than ok
	}{
		{name: "plain agrees", file: plain},
		{
			name: "netCDF-4 agrees", file: nc4,
			want: map[string]Entry{"short_records": {Status: StatusUnchecked, Detail: "has extent [2], the netCDF variable shape [4]: values not compared"}},
		},
		{
			name: "compound reference shifted", file: plain,
			mutate: func(t *testing.T, set *refs.Set) {
				d := findDataset(t, files["plain.h5"], "compound_padded")
				set.Arrays[d.Path].SetRange(0, plain, *d.Offset+24, d.NBytes)
			},
			want: map[string]Entry{"compound_padded": {Status: StatusMismatch, Detail: "first at [0] field a: reference -2, source 1"}},
		},
		{
			// Padding holds no value: whatever is there, the check agrees.
			name: "padding differs", file: plain,
			mutate: inlineWith(plain, "compound_padded", func(b []byte) { b[4], b[24+20] = 0xAA, 0xBB }),
		},
		{
			name: "compound member differs", file: plain,
			mutate: inlineWith(plain, "compound_padded", func(b []byte) { b[8+7] ^= 0x80 }),
			want:   map[string]Entry{"compound_padded": {Status: StatusMismatch, Detail: "1 of 3 elements differ; first at [0] field b: reference -0.5, source 0.5"}},
		},
		{
			name: "nested array member differs", file: plain,
			mutate: inlineWith(plain, "grp/compound_nested", func(b []byte) { b[39+1+2*2+1] ^= 1 }),
			want:   map[string]Entry{"grp/compound_nested": {Status: StatusMismatch, Detail: "first at [1] field n.y[2]: reference -32767, source -32768"}},
		},
		{
			name: "imaginary part differs", file: plain,
			mutate: inlineWith(plain, "complex64", func(b []byte) { binary.LittleEndian.PutUint32(b[4:], 0x40000000) }),
			want:   map[string]Entry{"complex64": {Status: StatusMismatch, Detail: "first at [0 0] field imag: reference 2, source 1"}},
		},
		{
			name: "array type read with the wrong byte order", file: plain,
			mutate: setDType("array_type", `"<i2"`),
			want:   map[string]Entry{"array_type": {Status: StatusMismatch, Detail: "5 of 6 elements differ; first at [0 0]: reference 256, source 1"}},
		},
		{
			name: "half floats differ", file: plain,
			mutate: inlineWith(plain, "half", func(b []byte) { b[0] ^= 1 }),
			want:   map[string]Entry{"half": {Status: StatusMismatch, Detail: "first at [0]: reference 1.5009766, source 1.5"}},
		},
		{
			name: "bool as int8", file: plain,
			mutate: setDType("bool", `"|i1"`),
			want:   map[string]Entry{"bool": {Status: StatusMismatch, Detail: "does not match source type bool enum"}},
		},
		{
			name: "opaque differs", file: plain,
			mutate: inlineWith(plain, "opaque", func(b []byte) { b[13] = 'x' }),
			want:   map[string]Entry{"opaque": {Status: StatusMismatch, Detail: "first at [1]: reference 00ff00ff00ff78, source 00ff00ff00ff00"}},
		},
		{
			name: "vlen string differs", file: plain,
			mutate: func(t *testing.T, set *refs.Set) {
				addStringArray(t, set, "vlen_string", []int64{4}, []int64{3}, []string{"a", "héllo", "", "日本!"})
			},
			want: map[string]Entry{"vlen_string": {Status: StatusMismatch, Detail: `first at [3]: reference "日本!", source "日本"`}},
		},
		{
			name: "netCDF-4 compound shifted", file: nc4,
			mutate: func(t *testing.T, set *refs.Set) {
				d := findDataset(t, files["netcdf4.nc"], "records")
				set.Arrays[d.Path].SetRange(0, nc4, *d.Offset+16, d.NBytes)
			},
			want: map[string]Entry{
				"records":       {Status: StatusMismatch, Detail: "first at [0] field id: reference 2, source 1"},
				"short_records": {Status: StatusUnchecked},
			},
		},
		{
			// libhdf5 reads the fixed-length strings that libnetcdf misreads.
			name: "netCDF-4 fixed-length string differs", file: nc4,
			mutate: inlineWith(nc4, "labels", func(b []byte) { b[1] = 'X' }),
			want: map[string]Entry{
				"labels":        {Status: StatusMismatch, Detail: `first at [0]: reference "aX", source "ab"`},
				"short_records": {Status: StatusUnchecked},
			},
		},
		{
			name: "netCDF-4 NC_STRING differs", file: nc4,
			mutate: func(t *testing.T, set *refs.Set) {
				addStringArray(t, set, "names", []int64{3}, []int64{3}, []string{"Oslo", "Zurich", ""})
			},
			want: map[string]Entry{
				"names":         {Status: StatusMismatch, Detail: `first at [1]: reference "Zurich", source "Zürich"`},
				"short_records": {Status: StatusUnchecked},
			},
		},
	} {
		t.Run(tc.name, withSlabs(func(t *testing.T) {
			datasets := files[filepath.Base(tc.file)]
			set := referenceSet(t, tc.file, datasets)
			// short_records: the netCDF shape, whatever the values.
			if _, ok := set.Arrays["short_records"]; ok {
				rec := genDataset{Path: "short_records", Shape: []int64{4}, ZarrDType: findDataset(t, datasets, "short_records").ZarrDType}
				recSet := referenceSet(t, tc.file, []genDataset{rec})
				set.Arrays["short_records"] = recSet.Arrays["short_records"]
				set.Arrays["short_records"].SetInline(0, make([]byte, 64))
			}
			if tc.mutate != nil {
				tc.mutate(t, set)
			}
			src := openSource(t, tc.file)
			nameDims(t, set, src)
			r, err := Check(context.Background(), set, newOpener(t), src, Options{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if err := r.Write(&b); err != nil {
				t.Fatal(err)
			}
			if len(r.Entries) != len(datasets) {
				t.Errorf("%d entries for %d datasets", len(r.Entries), len(datasets))
			}
			for _, e := range r.Entries {
				w, special := tc.want[e.Path]
				if !special {
					w = Entry{Status: StatusOK}
				}
				if e.Status != w.Status || !strings.Contains(e.Detail, w.Detail) {
					t.Errorf("%s: %s %q, want %s containing %q", e.Path, e.Status, e.Detail, w.Status, w.Detail)
				}
			}
			if t.Failed() {
				t.Log("report:\n" + b.String())
			}
		}))
	}
}

// TestHDF5SourceFixtures lists the datasets of the plain HDF5 fixtures and
// compares them with h5py's visititems (each object once), shapes and
// numpy dtype kinds included.
func TestHDF5SourceFixtures(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import h5py").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("h5py is missing under CI: %v", err)
		}
		t.Skipf("h5py is missing: %v", err)
	}
	const list = `import h5py, json, sys
out = {}
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        out[name] = [list(obj.shape or ()), obj.dtype.kind]
with h5py.File(sys.argv[1], "r") as f:
    f.visititems(visit)
json.dump(out, sys.stdout)`
	fixtures, _ := filepath.Glob(filepath.Join("..", "testdata", "fixtures", "h5_*.h5"))
	if len(fixtures) < 5 {
		t.Fatalf("only %d h5_*.h5 fixtures", len(fixtures))
	}
	for _, path := range fixtures {
		t.Run(filepath.Base(path), func(t *testing.T) {
			out, err := exec.Command(debianPython, "-c", list, path).Output()
			if err != nil {
				t.Fatal(err)
			}
			var want map[string][]any
			if err := json.Unmarshal(out, &want); err != nil {
				t.Fatal(err)
			}
			vars, err := openSource(t, path).Variables(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]any{}
			for _, v := range vars {
				shape := []any{}
				for _, d := range v.Shape {
					shape = append(shape, float64(d))
				}
				kind := string(v.Type.Kind)
				if kind == "T" { // h5py: object
					kind = "O"
				}
				got[v.Path] = []any{shape, kind}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

// TestCheckDamagedSourceObject: an object libhdf5 cannot read costs that
// object's comparison (unchecked, with the reason), not the whole check.
func TestCheckDamagedSourceObject(t *testing.T) {
	dir, files := generateHDF5(t)
	plain := filepath.Join(dir, "plain.h5")
	datasets := files["plain.h5"]
	set := referenceSet(t, plain, datasets)

	// A copy of the file whose dataset "opaque" has a damaged object
	// header (its first byte: the version, or the "OHDR" signature); the
	// references still point at the intact file.
	out, err := exec.Command(debianPython, "-c",
		`import h5py, sys; f = h5py.File(sys.argv[1], "r"); print(h5py.h5o.get_info(f["opaque"].id).addr)`, plain).Output()
	if err != nil {
		t.Fatal(err)
	}
	var addr int
	if _, err := fmt.Sscan(string(out), &addr); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	b[addr] = 0x7f
	damaged := filepath.Join(t.TempDir(), "damaged.h5")
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}

	src := openSource(t, damaged)
	nameDims(t, set, src)
	r, err := Check(context.Background(), set, newOpener(t), src, Options{Workers: 2})
	if err != nil {
		t.Fatalf("one damaged object stopped the check: %v", err)
	}
	if len(r.Entries) != len(datasets) {
		t.Errorf("%d entries for %d datasets", len(r.Entries), len(datasets))
	}
	for _, e := range r.Entries {
		switch {
		case e.Path == "opaque":
			if e.Status != StatusUnchecked || !strings.Contains(e.Detail, "opaque: libhdf5 cannot read the object") {
				t.Errorf("opaque: %s %q, want unchecked naming the object libhdf5 cannot read", e.Status, e.Detail)
			}
		case e.Status != StatusOK:
			t.Errorf("%s: %s %q, want ok", e.Path, e.Status, e.Detail)
		}
	}
	if r.Failed() {
		t.Error("the report fails: an unreadable source object is not the references' fault")
	}
}
