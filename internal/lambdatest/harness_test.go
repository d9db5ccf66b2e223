package lambdatest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// TestRIEBehindFront runs the real bootstrap in two RIEs: a scan succeeds
// and writes its sidecar, a crash comes back as an Unhandled function
// error naming the input, and the instance serves the next call.
func TestRIEBehindFront(t *testing.T) {
	front := Start(t, Options{N: 2, Env: []string{"GOKERCHUNK_TEST_CRASH_ON=crashme"}})
	in, err := filepath.Abs(filepath.Join("..", "..", "testdata", "fixtures", "nc4_groups.nc"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.json")
	event := func(input, output string) string {
		b, _ := json.Marshal(map[string]string{"input": input, "output": output})
		return string(b)
	}
	for i := range 2 { // the second call reuses a warm runtime
		resp, body := post(t, front.URL, "gokerchunk", event(in, out))
		if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" || !strings.Contains(body, `"statusCode":200`) {
			t.Fatalf("call %d: %d %q %s", i, resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
		}
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatalf("no sidecar: %v", err)
	}
	crash := "/data/crashme.nc"
	resp, body := post(t, front.URL, "gokerchunk", event(crash, out+".crash"))
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "Unhandled" || !strings.Contains(body, crash+": internal error") {
		t.Fatalf("crash: %d %q %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"), body)
	}
	for range 2 {
		if resp, body := post(t, front.URL, "gokerchunk", event(in, out)); resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" {
			t.Fatalf("after the crash: %d %s", resp.StatusCode, body)
		}
	}
}
