package lambdadeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindOrBuildZipPrefersMakesZip(t *testing.T) {
	dir := t.TempDir()
	want := ZipPath(dir, "arm64")
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, []byte("zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, built, err := FindOrBuildZip(context.Background(), dir, "arm64")
	if err != nil || got != want || built {
		t.Errorf("FindOrBuildZip with %s present: %s, built %v, %v", want, got, built, err)
	}
	// The other architecture's zip is missing, and dir is no checkout.
	_, _, err = FindOrBuildZip(context.Background(), dir, "amd64")
	if err == nil || !strings.Contains(err.Error(), "make lambda-zip") {
		t.Errorf("FindOrBuildZip outside a checkout: %v, want an error naming make lambda-zip", err)
	}
}

// TestBuildZip builds the real function as make lambda-zip does: a zip
// holding one static executable bootstrap, the same bytes each time (so
// a redeploy of unchanged source changes nothing). For linux/amd64: its
// compiled packages are those internal/lambdatest builds (same tags and
// flags), so it costs a link, where a cold arm64 cross-build takes minutes
// on a busy machine; the architecture is only GOARCH.
func TestBuildZip(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Lambda function")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var zips [2][]byte
	for i := range zips {
		p := filepath.Join(t.TempDir(), "bin", "fn.zip")
		if err := BuildZip(context.Background(), root, "amd64", p); err != nil {
			t.Fatal(err)
		}
		if zips[i], err = os.ReadFile(p); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Errorf("two builds of the same source differ (%d and %d bytes)", len(zips[0]), len(zips[1]))
	}
	zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip holds %d files, first %q mode %v; want bootstrap 0755", len(zr.File), zr.File[0].Name, zr.File[0].Mode())
	}
	f, err := zr.File[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := io.ReadAll(f)
	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatal(err)
	}
	if ef.Machine != elf.EM_X86_64 {
		t.Errorf("bootstrap is for %v, want EM_X86_64", ef.Machine)
	}
	if ef.Section(".interp") != nil {
		t.Error("bootstrap is dynamically linked; provided.al2023 wants a static executable (CGO_ENABLED=0)")
	}
}
