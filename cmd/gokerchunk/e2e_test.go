package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// debianPython is the interpreter with Debian's h5py, netCDF4, fsspec, zarr
// and xarray (what our users open the output with).
const debianPython = "/usr/bin/python3"

// expectedSkips lists, per fixture, the variables that scan reports as
// unsupported and leaves out with --on-unsupported=skip.
var expectedSkips = map[string][]string{
	"h5_vlen_sequence.h5":    {"ragged"},
	"h5_region_reference.h5": {"regions"},
	"h5_virtual.h5":          {"stacked"},
	// A compound with a variable-length string member.
	"h5_compound_vlen_string.h5": {"stations"},
	// A slot of its external data files ends inside a row.
	"h5_storage_external_split.h5": {"split"},
	// Region references, sequences of int32, and compounds with an array
	// member (zarr 3 refuses sub-array fields).
	"h5_datatypes.h5":         {"region_refs", "vlen_i4", "compound_array_member"},
	"h5_datatypes_latest.h5":  {"region_refs", "vlen_i4", "compound_array_member"},
	"cmpd_array_member.h5":    {"rec_chunked", "rec_contiguous", "obs/rec_chunked", "obs/rec_contiguous"},
	"cmpd_v1_array_member.h5": {"rec", "rec_chunked"},
	"h5_links.h5":             {"vds/combined", "vds/interleaved"},
	"nc4_usertypes.nc":        {"ragged", "stations"},
	"pytables_writer.h5":      {"arrays/ragged", "table"}, // a VLArray; a Table with an array column
	"nc4_usertypes_ncgen.nc":  {"seqs"},
	"h5_nbit_float.h5":        {"wide_exp_f4"}, // a 9-bit exponent no float32 holds
}

// expectedNotes lists variables that are not arrays at all (a null
// dataspace has no shape): scan says so in a note and lists nothing.
var expectedNotes = map[string][]string{
	"h5_links.h5": {"null_f4"},
}

// requireTool fails under CI (where .ci/run installs everything) and skips
// elsewhere when a tool is missing.
func requireTool(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing under CI: %v", what, err)
	}
	t.Skipf("%s is missing: %v", what, err)
}

// TestEndToEnd scans every fixture with the CLI and checks the references
// against libnetcdf with `gokerchunk check`; then (TestEndToEnd/python/...)
// reads them with today's Python stack (testdata/sid/run.sh) and with
// Debian 12's: testdata/pycompat.py compares the stored values through
// fsspec + zarr with netCDF4-python / h5py raw reads (in both stacks; the
// older one reports what it lacks as SKIP), and testdata/xrview.py compares
// what xarray shows of the references with what it shows of the source
// (today's stack).
func TestEndToEnd(t *testing.T) {
	// External data files (h5_storage_external*.h5) are named relative to
	// the HDF5 file, as the scanner resolves them; libhdf5 (under libnetcdf
	// and h5py) resolves them against its current directory unless told
	// to use the file's.
	t.Setenv("HDF5_EXTFILE_PREFIX", "${ORIGIN}")
	root := filepath.Join("..", "..", "testdata")
	var inputs []string
	for _, pat := range []string{"fixtures/*.nc", "fixtures/*.h5", "fixtures/unsupported/*.nc", "fixtures/unsupported/*.h5",
		"fixtures/features/*.nc", "fixtures/features/*.h5", "sample/*.nc"} {
		m, _ := filepath.Glob(filepath.Join(root, pat))
		inputs = append(inputs, m...)
	}
	if len(inputs) < 15 {
		t.Fatalf("only %d fixtures found", len(inputs))
	}
	dir := t.TempDir()
	type scanned struct {
		name, in, out string
		absent        []string
	}
	var done []scanned
	for _, in := range inputs {
		name := filepath.Base(in)
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name+".json")
			// Not -q: it leaves out the notes this test expects.
			args := []string{"scan", "-o", out}
			if expectedSkips[name] != nil {
				args = append(args, "--on-unsupported", "skip")
			}
			code, _, errOut := runCLI(t, append(args, in)...)
			if code != exitOK {
				t.Fatalf("scan: exit %d\n%s", code, errOut)
			}
			for _, v := range expectedSkips[name] {
				if !strings.Contains(errOut, "skipped: ") || !strings.Contains(errOut, v) {
					t.Errorf("scan did not report %s as skipped:\n%s", v, errOut)
				}
			}

			for _, v := range expectedNotes[name] {
				if !strings.Contains(errOut, "note: ") || !strings.Contains(errOut, "/"+v+" ") {
					t.Errorf("scan did not note %s:\n%s", v, errOut)
				}
			}
			absent := append(append([]string(nil), expectedSkips[name]...), expectedNotes[name]...)

			// check: every variable ok or unchecked; the skipped ones
			// unchecked with scan's reason, the noted ones (not arrays at
			// all) unchecked as hidden by scan.
			code, stdout, errOut := runCLI(t, "check", out, "--source", in)
			if code != exitOK {
				t.Errorf("check: exit %d, want %d\n%s%s", code, exitOK, stdout, errOut)
			}
			for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
				f := strings.Fields(line)
				switch {
				case len(f) < 2 || f[0] == "ok" || f[0] == "checked":
				case slices.Contains(expectedSkips[name], f[1]):
					if f[0] != "unchecked" || !strings.Contains(line, "scan leaves it out (--on-unsupported=skip): unsupported: ") {
						t.Errorf("check, want unchecked as skipped by scan: %s", line)
					}
				case slices.Contains(expectedNotes[name], f[1]):
					if f[0] != "unchecked" || !strings.Contains(line, "scan hides it: a null dataspace") {
						t.Errorf("check, want unchecked as hidden by scan: %s", line)
					}
				case f[0] != "unchecked":
					t.Errorf("check: %s", line)
				}
			}
			want := " 0 mismatch, 0 missing, 0 extra, 0 error"
			if !strings.Contains(stdout, want) {
				t.Errorf("check summary, want %q:\n%s", want, stdout)
			}
			done = append(done, scanned{name, in, out, absent})
		})
	}

	// The Python checks run in parallel (each in its own processes), after
	// the scans, which share os.Stdout through runCLI.
	t.Run("python", func(t *testing.T) {
		for _, s := range done {
			t.Run(s.name, func(t *testing.T) {
				t.Parallel()
				var missing []string
				for _, v := range s.absent {
					missing = append(missing, "--expect-missing", v)
				}
				script := func(name string) []string {
					return append(append([]string{filepath.Join(root, name)}, missing...), s.out, s.in)
				}
				t.Run("pycompat-sid", func(t *testing.T) {
					requireSid(t)
					if b, err := sidPython(script("pycompat.py")...).CombinedOutput(); err != nil {
						t.Errorf("pycompat.py in today's stack: %v\n%s", err, b)
					}
				})
				t.Run("xrview-sid", func(t *testing.T) {
					requireSid(t)
					if b, err := sidPython(script("xrview.py")...).CombinedOutput(); err != nil {
						t.Errorf("xrview.py in today's stack: %v\n%s", err, b)
					}
				})
				t.Run("pycompat-debian12", func(t *testing.T) {
					requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
					if b, err := exec.Command(debianPython, script("pycompat.py")...).CombinedOutput(); err != nil {
						t.Errorf("pycompat.py in Debian 12's stack: %v\n%s", err, b)
					}
				})
			})
		}
	})
}

// TestPyTablesLZO scans the fixture of PyTables' LZO filter (305), which
// no HDF5 plugin decodes: check must leave its datasets unchecked, saying
// why, and testdata/pycompat.py, in Debian 12's stack where PyTables
// reads them, must find every dataset read through the references (fsspec
// + zarr) equal to PyTables' values. It is their only independent check
// (TestEndToEnd's pycompat-sid reports them SKIP: today's stack has no
// PyTables).
func TestPyTablesLZO(t *testing.T) {
	requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
	requireTool(t, exec.Command(debianPython, "-c", "import tables; assert tables.which_lib_version('lzo')").Run(),
		"PyTables with LZO (python3-tables)")
	in := fixture(t, "fixtures/features/h5_lzo.h5")
	out := filepath.Join(t.TempDir(), "h5_lzo.h5.json")
	if code, _, errOut := runCLI(t, "scan", "-o", out, in); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	lzo := []string{"carray_f8", "carray_f8_shuf", "earray_i4", "earray_i4_shuf", "table"}
	// random_u1's chunks are random bytes, which PyTables stored without
	// the filter (filter mask 1): libhdf5 reads those.
	all := append([]string{"group/random_u1"}, lzo...)

	code, stdout, errOut := runCLI(t, "check", out, "--source", in)
	if code != exitOK {
		t.Fatalf("check: exit %d\n%s%s", code, stdout, errOut)
	}
	for _, v := range lzo {
		if !strings.Contains(stdout, "unchecked "+v+" ") || !strings.Contains(stdout, "dataset /"+v+": libhdf5 has no plugin for filter 305") {
			t.Errorf("check, want %s unchecked for want of a plugin for filter 305:\n%s", v, stdout)
		}
	}
	if !strings.Contains(stdout, "ok       group/random_u1 ") {
		t.Errorf("check, want group/random_u1 ok:\n%s", stdout)
	}

	b, err := exec.Command(debianPython, filepath.Join("..", "..", "testdata", "pycompat.py"), out, in).CombinedOutput()
	if err != nil {
		t.Fatalf("pycompat.py: %v\n%s", err, b)
	}
	for _, v := range all {
		if !strings.Contains(string(b), "\nOK   "+v+": ") {
			t.Errorf("pycompat.py did not compare %s with PyTables' values:\n%s", v, b)
		}
	}
}
