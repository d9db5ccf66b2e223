package codec

import (
	"bytes"
	"runtime"
	"testing"
)

// TestReadAllGrows checks that a large limit (the bound of an object
// array's chunk) is not allocated up front, and that output past the first
// allocation is read whole.
func TestReadAllGrows(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), (20<<20)/16) // beyond the first 16 MiB
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, err := readAll("test", nil, bytes.NewReader(want), 1<<30)
	runtime.ReadMemStats(&after)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(want))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 128<<20 {
		t.Errorf("allocated %d MiB for 20 MiB of output under a 1 GiB limit", alloc>>20)
	}
	if _, err := readAll("test", nil, bytes.NewReader(want), len(want)-1); err == nil {
		t.Error("output past the limit accepted")
	}
}
