package blob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// writeTemp writes data to a file in a fresh temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpen(t *testing.T) {
	path := writeTemp(t, "a b%20.nc", []byte("0123456789"))
	ctx := context.Background()
	tests := []struct {
		name    string
		url     string
		scheme  string // want a *SchemeError for this scheme
		wantErr bool
	}{
		{name: "path", url: path},
		{name: "file URL", url: "file://" + path},
		{name: "file URL localhost", url: "file://localhost" + path},
		{name: "upper-case scheme", url: "FILE://" + path},
		{name: "gcs", url: "gs://b/x.nc", scheme: "gs"},
		{name: "missing", url: path + ".missing", wantErr: true},
		{name: "directory", url: filepath.Dir(path), wantErr: true},
		{name: "empty file URL", url: "file://", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Open(ctx, tt.url)
			if tt.scheme != "" {
				var se *SchemeError
				if !errors.As(err, &se) || se.Scheme != tt.scheme {
					t.Fatalf("Open(%q) error = %v, want a SchemeError for %s", tt.url, err, tt.scheme)
				}
				if want := tt.scheme + ":// is not supported (" + tt.url + ")"; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				return
			}
			if tt.wantErr {
				if err == nil {
					r.Close()
					t.Fatalf("Open(%q) succeeded, want an error", tt.url)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Size() != 10 {
				t.Errorf("Size() = %d, want 10", r.Size())
			}
			got, err := ReadRange(ctx, r, tt.url, 3, 4)
			if err != nil || string(got) != "3456" {
				t.Errorf("ReadRange = %q, %v; want \"3456\"", got, err)
			}
			if s := StatsOf(r); s == nil || s.Reads.Load() != 1 || s.Bytes.Load() != 4 {
				t.Errorf("stats after one 4-byte read: %+v", s)
			}
		})
	}
}

func TestOpenCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Open(ctx, writeTemp(t, "x", nil)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a canceled context: %v", err)
	}
}

func TestLocalPathKeepsPercentEscapes(t *testing.T) {
	// fsspec strips "file://" literally; "%20" stays part of the name.
	got, err := localPath("file:///data/a%20b.nc")
	if err != nil || got != "/data/a%20b.nc" {
		t.Fatalf("localPath = %q, %v", got, err)
	}
	// A path that contains "://" after something that is no scheme.
	got, err = localPath("/data/odd://name")
	if err != nil || got != "/data/odd://name" {
		t.Fatalf("localPath = %q, %v", got, err)
	}
}
