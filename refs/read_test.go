package refs

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadFileDispatch(t *testing.T) {
	s := sampleSet(t)
	tmp := t.TempDir()
	var js bytes.Buffer
	if err := WriteJSON(&js, s); err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(tmp, "refs.json")
	if err := os.WriteFile(jsonPath, js.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	parqPath := filepath.Join(tmp, "refs.parq")
	if err := WriteParquet(parqPath, s, 3); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{jsonPath, parqPath} {
		got, err := ReadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		sameSet(t, s, got)
	}
	if _, err := ReadFile(tmp); err == nil || !strings.Contains(err.Error(), "not a Parquet reference set") {
		t.Errorf("a directory without .zmetadata: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "bad.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(filepath.Join(tmp, "bad.json")); err == nil || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad JSON: %v", err)
	}
}
