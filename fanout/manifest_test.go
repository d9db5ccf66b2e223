package fanout

import (
	"encoding/json"
	"errors"
	"gokerchunk/blob"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestManifest(t *testing.T) {
	ok := func(in string, chunks int, skipped ...string) JobResult {
		return JobResult{Input: in, Output: in + ".json", Attempts: 1, Seconds: 0.5, Response: &Response{
			StatusCode: 200, Input: in, Output: in + ".json", Skipped: skipped,
			Stats: Stats{Arrays: 1, Chunks: chunks, Skipped: len(skipped), Counts: blob.Counts{Reads: 3, Bytes: 100}, Seconds: 0.25},
		}}
	}
	results := []JobResult{
		ok("/d/a.nc", 10),
		{Input: "/d/b.nc", Output: "/d/b.nc.json", Attempts: 3, Throttles: 2, Seconds: 2,
			Err: &JobError{Input: "/d/b.nc", Err: &FunctionError{Type: "Runtime.ExitError", Message: "Runtime exited with error: exit status 2"}}},
		{Input: "/d/c.nc", Output: "/d/c.nc.json", Attempts: 1, Seconds: 0.1,
			Err: &JobError{Input: "/d/c.nc", Err: &FunctionError{Type: "InputError", Message: "/d/c.nc: not an HDF5 file"}}},
		ok("/d/d.nc", 5, "/d/d.nc: /v: unsupported"),
		{Input: "/d/e.nc", Output: "/d/e.nc.json", Attempts: 1, Err: &InputError{Input: "/d/e.nc", Err: errors.New("truncated")}},
	}
	started := time.Now().Add(-3 * time.Second)
	m := NewManifest("lambda", "gokerchunk", started, results)
	if m.Inputs != 5 || m.Succeeded != 2 || m.Failed != 3 || m.Attempts != 7 || m.Throttles != 2 || m.Seconds < 3 {
		t.Errorf("counts: %+v", m)
	}
	if m.Totals.Chunks != 15 || m.Totals.Reads != 6 || m.Totals.Bytes != 200 || m.Totals.Skipped != 1 {
		t.Errorf("totals %+v", m.Totals)
	}
	if m.Outputs[0].Input != "/d/a.nc" || m.Outputs[1].Skipped[0] != "/d/d.nc: /v: unsupported" {
		t.Errorf("outputs %+v", m.Outputs)
	}
	want := []ManifestFailed{
		{Input: "/d/b.nc", Output: "/d/b.nc.json", Reason: "/d/b.nc: Runtime exited with error: exit status 2 (Runtime.ExitError)", ErrorType: "Runtime.ExitError", Attempts: 3, Throttles: 2, Seconds: 2},
		{Input: "/d/c.nc", Output: "/d/c.nc.json", Reason: "/d/c.nc: not an HDF5 file (InputError)", ErrorType: "InputError", Permanent: true, Attempts: 1, Seconds: 0.1},
		{Input: "/d/e.nc", Output: "/d/e.nc.json", Reason: "/d/e.nc: truncated", ErrorType: "InputError", Permanent: true, Attempts: 1},
	}
	for i, f := range m.Failures {
		if cause := results[[]int{1, 2, 4}[i]].Err; f.Err != cause {
			t.Errorf("failure %d: Err %v, want the job's own error %v", i, f.Err, cause)
		}
		f.Err = nil
		if f != want[i] {
			t.Errorf("failure %d:\n got %+v\nwant %+v", i, f, want[i])
		}
	}

	path := filepath.Join(t.TempDir(), ManifestName)
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(m)
	b, _ := json.Marshal(back)
	if string(a) != string(b) {
		t.Errorf("read back differs:\n%s\n%s", a, b)
	}
	raw, _ := os.ReadFile(path)
	for _, key := range []string{`"failures": [`, `"reason": "/d/b.nc: Runtime exited`, `"attempts": 3`, `"executor": "lambda"`, `"error_type": "InputError"`} {
		if !strings.Contains(string(raw), key) {
			t.Errorf("manifest lacks %s:\n%s", key, raw)
		}
	}
}

func TestManifestEmptyListsAndVersion(t *testing.T) {
	m := NewManifest("local", "", time.Now(), nil)
	b, _ := json.Marshal(m)
	if !strings.Contains(string(b), `"outputs":[]`) || !strings.Contains(string(b), `"failures":[]`) {
		t.Errorf("empty lists are not []: %s", b)
	}
	path := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(path, []byte(`{"version": 99}`), 0o644)
	if _, err := ReadManifest(path); err == nil || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("version 99: %v", err)
	}
}
