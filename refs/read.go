package refs

import (
	"fmt"
	"os"
	"path/filepath"
)

// ReadFile reads a reference set from a local path: a directory holding
// .zmetadata is the fsspec Parquet layout (ReadParquet), anything else is
// read as kerchunk reference JSON (ReadJSON).
func ReadFile(path string) (*Set, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, ".zmetadata")); err != nil {
			return nil, fmt.Errorf("%s: a directory, but not a Parquet reference set: %w", path, err)
		}
		return ReadParquet(path)
	}
	// One read of the known size: io.ReadAll would grow its buffer to
	// twice a large combined document.
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := parseJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
