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
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := ReadJSON(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
