package convert

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/fanout"
)

// TestClassify: what a retry would repeat (bad rows, CSV or options
// that do not fit) is an InputError; anything else may be retried.
func TestClassify(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(csv, []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A partition column the CSV does not have: a DataError.
	_, err := Convert(context.Background(), strings.NewReader("a,b\n1,2\n"), "x",
		blob.NewDirTree(dir), Options{Header: true, PartitionBy: []string{"c"}})
	var de *DataError
	if !errors.As(err, &de) {
		t.Fatalf("missing partition column: %v (%T), want a *DataError", err, err)
	}
	var ie *fanout.InputError
	if !errors.As(classify(csv, err), &ie) {
		t.Errorf("a DataError is classified %T, want *fanout.InputError", classify(csv, err))
	}
	var re *fanout.RetryableError
	if !errors.As(classify(csv, errors.New("connection reset")), &re) {
		t.Errorf("a plain error is not retryable")
	}
}
