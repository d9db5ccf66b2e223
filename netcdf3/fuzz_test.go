package netcdf3

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"

	"gokerchunk/format"
)

// FuzzHeader scans arbitrary bytes, seeded with the fixtures and a
// streaming copy of each: a scan gives a set whose documents encode, or a
// *format.Error or *format.UnsupportedError, never a panic; Inspect
// likewise. Crashers found are kept in testdata/fuzz/FuzzHeader.
//
//	go test -run XXX -fuzz FuzzHeader -fuzztime 150s ./netcdf3/
func FuzzHeader(f *testing.F) {
	for _, path := range fixtures(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(streaming(data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{}, {SkipUnsupported: true, InlineThreshold: 64}} {
			res, err := scanBytes(data, opts)
			var fe *format.Error
			var ue *format.UnsupportedError
			switch {
			case err != nil && !errors.As(err, &fe) && !errors.As(err, &ue):
				t.Fatalf("error %T: %v", err, err)
			case err == nil:
				if _, err := res.Set.Documents(); err != nil {
					t.Fatalf("documents: %v", err)
				}
			}
		}
		if _, err := Inspect(context.Background(), bytes.NewReader(data), int64(len(data)), "test.nc"); err != nil {
			var fe *format.Error
			if !errors.As(err, &fe) {
				t.Fatalf("inspect: error %T: %v", err, err)
			}
		}
	})
}
