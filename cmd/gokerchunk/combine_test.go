package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// scanSet scans a fixture set of testdata/fixtures/combine into sidecars
// that reference every chunk by byte range (no inline chunks), so that
// combine moves real references.
func scanSet(t *testing.T, set string) (sources []string, sidecars string) {
	t.Helper()
	dir := fixture(t, filepath.Join("fixtures", "combine", set))
	sources, err := filepath.Glob(filepath.Join(dir, "*.nc"))
	if err != nil || len(sources) < 2 {
		t.Fatalf("fixture set %s: %v %v", set, sources, err)
	}
	sidecars = t.TempDir()
	if code, _, errOut := runCLI(t, "scan", "-q", "--inline-threshold", "0", "-o", sidecars, dir); code != exitOK {
		t.Fatalf("scan %s: exit %d\n%s", set, code, errOut)
	}
	return sources, sidecars
}

// combinecompat runs testdata/combinecompat.py: xarray opens the combined
// JSON and compares it with the sources combined by xarray, in today's
// Python stack (testdata/sid/run.sh) and in Debian 12's.
func combinecompat(t *testing.T, combined string, args ...string) {
	t.Helper()
	script := fixture(t, "combinecompat.py")
	t.Run("combinecompat-sid", func(t *testing.T) {
		requireSid(t)
		if out, err := sidPython(append([]string{script, combined}, args...)...).CombinedOutput(); err != nil {
			t.Errorf("combinecompat.py %s in today's stack: %v\n%s", combined, err, out)
		}
	})
	t.Run("combinecompat-debian12", func(t *testing.T) {
		requireTool(t, debianPythonReady(), "Debian's Python stack (python3-fsspec python3-zarr python3-xarray python3-netcdf4)")
		if out, err := exec.Command(debianPython, append([]string{script, combined}, args...)...).CombinedOutput(); err != nil {
			t.Errorf("combinecompat.py %s in Debian 12's stack: %v\n%s", combined, err, out)
		}
	})
}

func TestCombineSets(t *testing.T) {
	for _, tc := range []struct {
		set  string
		args []string // extra combine flags
		py   []string // extra combinecompat flags
	}{
		{set: "monthly"},
		{set: "daily"},
		{set: "filename/regex", args: []string{"--coord", `time=regex:obs_(\d{8})`}, py: []string{"--expect-coord", "2001-01-01,2001-01-02,2001-01-03"}},
		// Two netCDF-3 months and two netCDF-4 ones: netCDF-4's layout
		// holds one day more, so the netCDF-3 months are rewritten
		// (TestCombineMixedFormats has them the other way round).
		{set: "mixed", args: []string{"--rewrite-mismatched"}},
	} {
		t.Run(tc.set, func(t *testing.T) {
			sources, sidecars := scanSet(t, tc.set)
			out := filepath.Join(t.TempDir(), "combined.json")
			// Sidecars given in reverse name order: combine orders them.
			args := append([]string{"combine", "-o", out}, tc.args...)
			entries, _ := filepath.Glob(filepath.Join(sidecars, "*.json"))
			for i := len(entries) - 1; i >= 0; i-- {
				args = append(args, entries[i])
			}
			code, _, errOut := runCLI(t, args...)
			if code != exitOK {
				t.Fatalf("combine: exit %d\n%s", code, errOut)
			}
			if !strings.Contains(errOut, "combined "+plural(len(sources), "input")) {
				t.Errorf("no summary:\n%s", errOut)
			}
			combinecompat(t, out, append(tc.py, sources...)...)
			checkArgs := []string{"check", out}
			for _, src := range sources {
				checkArgs = append(checkArgs, "--source", src)
			}
			if code, stdout, errOut := runCLI(t, checkArgs...); code != exitOK {
				t.Errorf("check against the sources: exit %d\n%s%s", code, stdout, errOut)
			}

			// The same inputs as source files scanned on the fly, and as
			// Parquet: the same references.
			direct := filepath.Join(t.TempDir(), "direct.json")
			if code, _, errOut := runCLI(t, append([]string{"combine", "-q", "-o", direct}, append(tc.args, sources...)...)...); code != exitOK {
				t.Fatalf("combine sources: exit %d\n%s", code, errOut)
			}
			pq := filepath.Join(t.TempDir(), "combined.parq")
			if code, _, errOut := runCLI(t, append([]string{"combine", "-q", "--record-size", "7", "-o", pq}, append(tc.args, sidecars)...)...); code != exitOK {
				t.Fatalf("combine to parquet: exit %d\n%s", code, errOut)
			}
			want := jsonOf(t, out)
			if got := jsonOf(t, pq); got != want {
				t.Errorf("Parquet output read back differs from the JSON output")
			}
			// The Parquet output as users open it: fsspec's
			// LazyReferenceMapper (pyarrow) in today's stack (Debian 12's
			// fsspec 2022.11 has no Parquet references).
			t.Run("combinecompat-parquet-sid", func(t *testing.T) {
				requireSid(t)
				args := append([]string{fixture(t, "combinecompat.py"), pq, "--mode", "decoded"}, append(tc.py, sources...)...)
				if b, err := sidPython(args...).CombinedOutput(); err != nil {
					t.Errorf("combinecompat.py %s in today's stack: %v\n%s", pq, err, b)
				}
			})
			// Scanned with the default inline threshold, so small chunks
			// are inline: other references, the same values.
			combinecompat(t, direct, append(tc.py, sources...)...)
		})
	}
}

// jsonOf reads a reference set (JSON or Parquet) and writes it as JSON.
func jsonOf(t *testing.T, path string) string {
	t.Helper()
	s, err := refs.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := refs.WriteJSON(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestCombineRefuses(t *testing.T) {
	for _, tc := range []struct {
		set  string
		want []string // in the error, besides the two inputs' names
	}{
		{"duplicate", []string{"duplicate coordinate 2001-01-08 00:00:00", "tas_day_20010105-20010108.nc", "tas_day_20010108-20010111.nc"}},
		{"scale", []string{"pr: attribute scale_factor differs (0.01 and 0.02)"}},
		{"misaligned/length", []string{"tas: 5 steps along time are not a whole number of chunks of 2", "Zarr v2"}},
		{"misaligned/chunks", []string{"tas: .zarray chunks"}},
		{"mixed", []string{"different byte orders", "--rewrite-mismatched"}},
	} {
		t.Run(tc.set, func(t *testing.T) {
			_, sidecars := scanSet(t, tc.set)
			out := filepath.Join(t.TempDir(), "combined.json")
			code, _, errOut := runCLI(t, "combine", "-o", out, sidecars)
			if code != exitFailures {
				t.Fatalf("exit %d, want %d\n%s", code, exitFailures, errOut)
			}
			for _, w := range tc.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("error lacks %q:\n%s", w, errOut)
				}
			}
			if strings.Count(errOut, sidecars) < 2 {
				t.Errorf("error does not name both inputs:\n%s", errOut)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("output written despite the error: %v", err)
			}
		})
	}
}

// TestCombineAppend: combining two months, then appending the third, gives
// byte for byte what combining all three does, in JSON and in Parquet; a
// month already there is refused and changes nothing.
func TestCombineAppend(t *testing.T) {
	_, sidecars := scanSet(t, "monthly")
	files, _ := filepath.Glob(filepath.Join(sidecars, "*.nc.json"))
	dir := t.TempDir()
	for _, ext := range []string{".json", ".parq"} {
		all := filepath.Join(dir, "all"+ext)
		if code, _, errOut := runCLI(t, "combine", "-q", "-o", all, sidecars); code != exitOK {
			t.Fatalf("combine: exit %d\n%s", code, errOut)
		}
		grown := filepath.Join(dir, "grown"+ext)
		if code, _, errOut := runCLI(t, "combine", "-q", "-o", grown, files[0], files[1]); code != exitOK {
			t.Fatalf("combine: exit %d\n%s", code, errOut)
		}
		if code, _, errOut := runCLI(t, "combine", "-q", "--append", "-o", grown, files[2]); code != exitOK {
			t.Fatalf("combine --append: exit %d\n%s", code, errOut)
		}
		if jsonOf(t, all) != jsonOf(t, grown) {
			t.Errorf("%s: appending the missing month differs from combining all three", ext)
		}
		before := jsonOf(t, grown)
		code, _, errOut := runCLI(t, "combine", "-q", "--append", "-o", grown, files[2])
		if code != exitFailures || !strings.Contains(errOut, "duplicate coordinate 2000-03-01 00:00:00") {
			t.Errorf("%s: appending twice: exit %d\n%s", ext, code, errOut)
		}
		code, _, errOut = runCLI(t, "combine", "-q", "--append", "-o", grown, files[1])
		if code != exitFailures || !strings.Contains(errOut, "duplicate coordinate 2000-02-01 00:00:00") {
			t.Errorf("%s: appending a month inside: exit %d\n%s", ext, code, errOut)
		}
		if jsonOf(t, grown) != before {
			t.Errorf("%s: a refused append changed the output", ext)
		}
	}
}

func TestCombineUsage(t *testing.T) {
	for _, args := range [][]string{
		{"combine", "x.json"},
		{"combine", "-o", "out.json"},
		{"combine", "-o", "out.json", "--concat-dim", "time,time", "x.json"},
		{"combine", "-o", "out.json", "--new-dim", "member", "x.json"},
		{"combine", "-o", "out.json", "--new-dim", "member=cf", "x.json"},
		{"combine", "-o", "out.json", "--new-dim", "member=index", "--new-dim", "member=regex:_m(\\d+)", "x.json"},
		{"combine", "-o", "out.json", "--new-dim", "member=index", "--coord", "member=index", "x.json"},
		{"combine", "-o", "out.json", "--coord", "lat=index", "x.json"},
		{"combine", "-o", "out.json", "--coord", "time=regex:(", "x.json"},
		{"combine", "-o", "out.json", "--format", "csv", "x.json"},
	} {
		code, _, errOut := runCLI(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s", args, code, exitUsage, errOut)
		}
		// Refused for the flags, before looking for x.json.
		if strings.Contains(errOut, "x.json") {
			t.Errorf("%v: %s", args, errOut)
		}
	}
}

// TestCheckCombinedFindsSwappedChunks: check against the sources notices
// two time steps whose references were swapped in a combined set.
func TestCheckCombinedFindsSwappedChunks(t *testing.T) {
	sources, sidecars := scanSet(t, "daily")
	out := filepath.Join(t.TempDir(), "combined.json")
	if code, _, errOut := runCLI(t, "combine", "-q", "-o", out, sidecars); code != exitOK {
		t.Fatalf("combine: exit %d\n%s", code, errOut)
	}
	set, err := refs.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	m := set.Arrays["tas"]
	first, last := 0, m.Len()-1
	m.Target[first], m.Target[last] = m.Target[last], m.Target[first]
	m.Offset[first], m.Offset[last] = m.Offset[last], m.Offset[first]
	m.Length[first], m.Length[last] = m.Length[last], m.Length[first]
	var b bytes.Buffer
	if err := refs.WriteJSON(&b, set); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"check", out}
	for _, src := range sources {
		args = append(args, "--source", src)
	}
	code, stdout, errOut := runCLI(t, args...)
	if code != exitFailures || !strings.Contains(stdout, "tas") || !strings.Contains(stdout, "1 mismatch") {
		t.Errorf("exit %d, want %d and a tas mismatch\n%s%s", code, exitFailures, stdout, errOut)
	}
}

// TestCombineAppendParquetLinks: appending to a Parquet set links the
// record files the new inputs leave as they were (the same file, not
// written again) and writes the rest; the set equals one combined afresh,
// file by file.
func TestCombineAppendParquetLinks(t *testing.T) {
	_, sidecars := scanSet(t, "monthly")
	files, _ := filepath.Glob(filepath.Join(sidecars, "*.nc.json"))
	dir := t.TempDir()
	all, grown := filepath.Join(dir, "all.parq"), filepath.Join(dir, "grown.parq")
	if code, _, errOut := runCLI(t, "combine", "-q", "--record-size", "2", "-o", all, sidecars); code != exitOK {
		t.Fatalf("combine: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "combine", "-q", "--record-size", "2", "-o", grown, files[0], files[1]); code != exitOK {
		t.Fatalf("combine: exit %d\n%s", code, errOut)
	}
	before := map[string]os.FileInfo{}
	filepath.WalkDir(grown, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(grown, p)
			before[rel], _ = os.Stat(p)
		}
		return err
	})
	// No --record-size: the set's own is kept.
	code, _, errOut := runCLI(t, "combine", "--append", "-o", grown, files[2])
	if code != exitOK {
		t.Fatalf("combine --append: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "references not counted") {
		t.Errorf("the summary does not say the references were not counted:\n%s", errOut)
	}
	linked, written := 0, 0
	err := filepath.WalkDir(all, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(all, p)
		want, _ := os.ReadFile(p)
		got, err := os.ReadFile(filepath.Join(grown, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh combine of the three months (%v)", rel, err)
		}
		if st, err := os.Stat(filepath.Join(grown, rel)); err == nil && strings.HasPrefix(filepath.Base(rel), "refs.") {
			if old, ok := before[rel]; ok && os.SameFile(old, st) {
				linked++
			} else {
				written++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if linked == 0 || written == 0 {
		t.Errorf("%d record files linked from the set appended to, %d written; want some of each", linked, written)
	}
	t.Logf("%d record files linked, %d written", linked, written)
}

// TestCombineMixedFormats: two netCDF-3 months and a netCDF-4 one, where
// the netCDF-3 layout holds more values and the netCDF-4 month is
// rewritten; appending that month to the two gives what combining the
// three does.
func TestCombineMixedFormats(t *testing.T) {
	sources, sidecars := scanSet(t, "mixed")
	sources = sources[:3]
	var inputs []string
	for _, src := range sources {
		inputs = append(inputs, filepath.Join(sidecars, filepath.Base(src)+".json"))
	}
	dir := t.TempDir()
	all := filepath.Join(dir, "all.json")
	code, _, errOut := runCLI(t, append([]string{"combine", "--rewrite-mismatched", "-o", all}, inputs...)...)
	if code != exitOK {
		t.Fatalf("combine: exit %d\n%s", code, errOut)
	}
	for _, v := range []string{"tas", "pr", "time_bnds"} {
		if want := "note: " + v + ": 1 of 3 inputs store it otherwise"; !strings.Contains(errOut, want) {
			t.Errorf("no %q in\n%s", want, errOut)
		}
	}
	combinecompat(t, all, sources...)
	checkArgs := []string{"check", all}
	for _, src := range sources {
		checkArgs = append(checkArgs, "--source", src)
	}
	if code, stdout, errOut := runCLI(t, checkArgs...); code != exitOK {
		t.Errorf("check against the sources: exit %d\n%s%s", code, stdout, errOut)
	}

	grown := filepath.Join(dir, "grown.json")
	if code, _, errOut := runCLI(t, "combine", "-q", "-o", grown, inputs[0], inputs[1]); code != exitOK {
		t.Fatalf("combine the netCDF-3 months: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "combine", "-q", "--append", "-o", grown, inputs[2]); code != exitFailures || !strings.Contains(errOut, "--rewrite-mismatched") {
		t.Errorf("append the netCDF-4 month without --rewrite-mismatched: exit %d\n%s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "combine", "-q", "--append", "--rewrite-mismatched", "-o", grown, inputs[2]); code != exitOK {
		t.Fatalf("append the netCDF-4 month: exit %d\n%s", code, errOut)
	}
	if jsonOf(t, grown) != jsonOf(t, all) {
		t.Errorf("appending the netCDF-4 month differs from combining all three")
	}
}
