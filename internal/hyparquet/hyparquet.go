// Package hyparquet finds the npm package hyparquet (and
// hyparquet-compressors, for zstd) that tests run under node as a Parquet
// reader independent of parquet-go: `make deps` installs both, pinned, in
// ~/.cache/gokerchunk-tools/node_modules, or GOKERCHUNK_NODE_MODULES names
// another folder.
package hyparquet

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Modules is the node_modules folder the tests load hyparquet from.
func Modules() string {
	if d := os.Getenv("GOKERCHUNK_NODE_MODULES"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "gokerchunk-tools", "node_modules")
}

// Need returns Modules, skipping the test when node or the packages are
// missing, except under CI, where their absence fails it.
func Need(t testing.TB) string {
	t.Helper()
	modules := Modules()
	_, errNode := exec.LookPath("node")
	_, errHy := os.Stat(filepath.Join(modules, "hyparquet", "package.json"))
	_, errCodecs := os.Stat(filepath.Join(modules, "hyparquet-compressors", "package.json"))
	if err := errors.Join(errNode, errHy, errCodecs); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node with hyparquet in %s is required under CI (make deps installs it): %v", modules, err)
		}
		t.Skipf("node with hyparquet in %s not found (make deps installs it): %v", modules, err)
	}
	return modules
}
