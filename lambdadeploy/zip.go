package lambdadeploy

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ZipPath is where `make lambda-zip` writes the function's package for
// arch (arm64 or amd64) in the checkout dir.
func ZipPath(dir, arch string) string {
	return filepath.Join(dir, "bin", "gokerchunk-lambda-"+arch+".zip")
}

// FindOrBuildZip returns the path of the function's package for arch:
// ZipPath(dir, arch) when it exists (what `make lambda-zip` built),
// else the package BuildZip builds there from the checkout dir; built
// says which.
func FindOrBuildZip(ctx context.Context, dir, arch string) (path string, built bool, err error) {
	path = ZipPath(dir, arch)
	if _, err := os.Stat(path); err == nil {
		return path, false, nil
	}
	if err := BuildZip(ctx, dir, arch, path); err != nil {
		return "", false, err
	}
	return path, true, nil
}

// BuildZip builds the function in the checkout dir as `make lambda-zip`
// does (CGO_ENABLED=0 GOOS=linux GOARCH=arch go build -tags lambda.norpc
// -trimpath -ldflags='-s -w' ./cmd/gokerchunk-lambda) and writes it to path
// as a zip holding the executable bootstrap. The zip's entry has a fixed
// time, so the same source gives the same package (and the same code
// SHA256 for Lambda).
func BuildZip(ctx context.Context, dir, arch, path string) error {
	if _, err := os.Stat(filepath.Join(dir, "cmd", "gokerchunk-lambda", "main.go")); err != nil {
		return fmt.Errorf("no %s, and %s is not the gokerchunk checkout to build it in: run `make lambda-zip` there, or pass --zip",
			path, dir)
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("no %s, and no go to build it: run `make lambda-zip`, or pass --zip: %w", path, err)
	}
	tmp, err := os.MkdirTemp("", "gokerchunk-lambda-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	exe := filepath.Join(tmp, "bootstrap")
	cmd := exec.CommandContext(ctx, goTool, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w",
		"-o", exe, "./cmd/gokerchunk-lambda")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the %s function (%s): %w\n%s", arch, strings.Join(cmd.Args, " "), err, out)
	}
	body, err := os.ReadFile(exe)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := w.Write(body); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	// Written beside and renamed, so a failed build leaves no package.
	part := path + ".part"
	if err := os.WriteFile(part, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(part, path)
}
