package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Two concat dimensions: the ensemble sets of testdata/fixtures/combine
// (README.md there), 3 members x 4 months. new_dim/ens_mMM_YYYYMM.nc have
// no member dimension (combine --new-dim makes it, from the file name or
// the member_id attribute); member_dim/ensdim_mMM_YYYYMM.nc have a length-1
// member dimension with a coordinate variable on tas and pr. Either way the
// combined set must be what xarray's nested combine of the sources gives
// (testdata/combinenested.py, in today's Python stack, and in Debian 12's
// for JSON).

// twoDims are the combine flags every case starts with: outer dim first.
var twoDims = []string{"--concat-dim", "member", "--concat-dim", "time"}

// combinenested runs testdata/combinenested.py on a combined set (JSON or
// Parquet) against the sources, given in nested order (member-major, the
// name order of the fixtures), in today's Python stack.
func combinenested(t *testing.T, combined string, sources []string, args ...string) {
	t.Helper()
	requireSid(t)
	py := append([]string{fixture(t, "combinenested.py"), combined}, twoDims...)
	py = append(append(append(py, "--shape", "3x4"), args...), sources...)
	if out, err := sidPython(py...).CombinedOutput(); err != nil {
		t.Errorf("combinenested.py %s in today's stack: %v\n%s", filepath.Base(combined), err, out)
	}
	// Debian 12's stack as a second check, of JSON: its fsspec (2022.11)
	// predates the Parquet reference layout.
	if strings.HasSuffix(combined, ".json") {
		requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4 python3-h5py)")
		if out, err := exec.Command(debianPython, py...).CombinedOutput(); err != nil {
			t.Errorf("combinenested.py %s in Debian 12's stack: %v\n%s", filepath.Base(combined), err, out)
		}
	}
}

func TestCombineTwoDims(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  string
		args []string // combine flags besides twoDims
		py   []string // combinenested.py flags: the member coordinate combine must make
	}{
		{"new-dim-regex", "ensemble/new_dim", []string{"--new-dim", `member=regex:_m(\d+)_`}, []string{"--new-coord", "member=1,2,3"}},
		{"new-dim-attr", "ensemble/new_dim", []string{"--new-dim", "member=attr:member_id"}, []string{"--new-coord", "member=101,102,103"}},
		{"member-dim", "ensemble/member_dim", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sources, sidecars := scanSet(t, tc.set)
			if len(sources) != 12 {
				t.Fatalf("%s: %d files, want 3 members x 4 months", tc.set, len(sources))
			}
			flags := append(append([]string{}, twoDims...), tc.args...)

			// JSON from the 12 sidecars, named in reverse order: combine
			// orders them along both dimensions.
			jsonOut := filepath.Join(t.TempDir(), "combined.json")
			entries, _ := filepath.Glob(filepath.Join(sidecars, "*.nc.json"))
			if len(entries) != 12 {
				t.Fatalf("%d sidecars in %s, want 12", len(entries), sidecars)
			}
			args := append([]string{"combine", "-o", jsonOut}, flags...)
			for i := len(entries) - 1; i >= 0; i-- {
				args = append(args, entries[i])
			}
			code, _, errOut := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("combine -o %s %s (12 sidecars, reverse order): exit %d\n%s", jsonOut, strings.Join(flags, " "), code, errOut)
			}
			if !strings.Contains(errOut, "combined "+plural(12, "input")) {
				t.Errorf("no summary:\n%s", errOut)
			}

			// Parquet from the .nc files scanned on the fly, without inline
			// chunks: the same references as the JSON.
			pq := filepath.Join(t.TempDir(), "combined.parq")
			args = append(append([]string{"combine", "-q", "--record-size", "7", "--inline-threshold", "0", "-o", pq}, flags...), sources...)
			if code, _, errOut := runCLI(t, args...); code != exitOK {
				t.Fatalf("combine -o %s %s (12 .nc files): exit %d\n%s", pq, strings.Join(flags, " "), code, errOut)
			}
			if jsonOf(t, pq) != jsonOf(t, jsonOut) {
				t.Errorf("Parquet output (from the .nc files) read back differs from the JSON output (from the sidecars)")
			}

			t.Run("combinenested-json-sid", func(t *testing.T) { combinenested(t, jsonOut, sources, tc.py...) })
			t.Run("combinenested-parquet-sid", func(t *testing.T) { combinenested(t, pq, sources, tc.py...) })
		})
	}
}

// TestCombineTwoDimsRefusesMissing: with one member-month missing, the
// inputs do not fill the members x months grid; combine refuses (exit 1),
// naming the dimension and inputs, and writes nothing.
func TestCombineTwoDimsRefusesMissing(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  string
		args []string
	}{
		{"new-dim-regex", "ensemble/new_dim", []string{"--new-dim", `member=regex:_m(\d+)_`}},
		{"new-dim-attr", "ensemble/new_dim", []string{"--new-dim", "member=attr:member_id"}},
		{"member-dim", "ensemble/member_dim", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, sidecars := scanSet(t, tc.set)
			entries, _ := filepath.Glob(filepath.Join(sidecars, "*.nc.json"))
			var kept []string
			for _, e := range entries {
				if !strings.Contains(filepath.Base(e), "_m02_200003.") { // member 2, March
					kept = append(kept, e)
				}
			}
			if len(kept) != 11 {
				t.Fatalf("%d sidecars left, want 11 of 12", len(kept))
			}
			out := filepath.Join(t.TempDir(), "combined.json")
			args := append(append(append([]string{"combine", "-o", out}, twoDims...), tc.args...), kept...)
			code, _, errOut := runCLI(t, args...)
			if code != exitFailures {
				t.Fatalf("combine without member 2's March: exit %d, want %d\n%s", code, exitFailures, errOut)
			}
			// Directories in the paths (the set is member_dim/, temp
			// directories carry the test's name) must not pass for the
			// dimension's name.
			msg := errOut
			for _, dir := range []string{sidecars, filepath.Dir(out), fixture(t, filepath.Join("fixtures", "combine", tc.set))} {
				msg = strings.ReplaceAll(msg, dir, "DIR")
			}
			if !strings.Contains(msg, "member") && !strings.Contains(msg, "time") {
				t.Errorf("error names neither dimension (member, time):\n%s", errOut)
			}
			if !strings.Contains(msg, "_m0") || !strings.Contains(msg, ".nc") {
				t.Errorf("error names no input:\n%s", errOut)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output written despite the error: %v", err)
			}
		})
	}
}

// TestCombineNestedPython runs testdata/combinenested_test.py on sidecars
// of the ensemble sets: the cross-check must pass correct two-dimension
// sets (a stand-in nesting of the sidecars, JSON and Parquet) and fail
// wrong ones, in today's Python stack.
func TestCombineNestedPython(t *testing.T) {
	requireSid(t)
	sidecars := t.TempDir()
	dir := fixture(t, filepath.Join("fixtures", "combine", "ensemble"))
	if code, _, errOut := runCLI(t, "scan", "-q", "--inline-threshold", "0", "-o", sidecars, dir); code != exitOK {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	if b, err := sidPython(fixture(t, "combinenested_test.py"), "--sidecars", sidecars).CombinedOutput(); err != nil {
		t.Errorf("combinenested_test.py in today's stack: %v\n%s", err, b)
	}
}

// TestCombineTwoDimsAppend: a member appended (--append, with the same
// --new-dim) gives the set combined from all members at once, in JSON and
// in Parquet.
func TestCombineTwoDimsAppend(t *testing.T) {
	_, sidecars := scanSet(t, "ensemble/new_dim")
	entries, _ := filepath.Glob(filepath.Join(sidecars, "*.nc.json"))
	if len(entries) != 12 {
		t.Fatalf("%d sidecars, want 12", len(entries))
	}
	flags := append(append([]string{}, twoDims...), "--new-dim", `member=regex:_m(\d+)_`)
	dir := t.TempDir()
	for _, ext := range []string{".json", ".parq"} {
		all, grown := filepath.Join(dir, "all"+ext), filepath.Join(dir, "grown"+ext)
		if code, _, errOut := runCLI(t, append(append([]string{"combine", "-q", "-o", all}, flags...), entries...)...); code != exitOK {
			t.Fatalf("combine: exit %d\n%s", code, errOut)
		}
		var first, third []string
		for _, e := range entries {
			if strings.Contains(filepath.Base(e), "_m03_") {
				third = append(third, e)
			} else {
				first = append(first, e)
			}
		}
		if code, _, errOut := runCLI(t, append(append([]string{"combine", "-q", "-o", grown}, flags...), first...)...); code != exitOK {
			t.Fatalf("combine of two members: exit %d\n%s", code, errOut)
		}
		args := append(append([]string{"combine", "-q", "--append", "-o", grown}, flags...), third...)
		if code, _, errOut := runCLI(t, args...); code != exitOK {
			t.Fatalf("combine --append of the third member: exit %d\n%s", code, errOut)
		}
		if jsonOf(t, all) != jsonOf(t, grown) {
			t.Errorf("%s: appending the third member differs from combining all three", ext)
		}
	}
}
