// Package zarr reads Zarr v2 arrays through a refs.Set: it resolves chunk
// references with the set's manifests, fetches the bytes with blob, runs
// the numcodecs pipeline, applies fill values, and assembles regions.
package zarr

import (
	"fmt"
	"sync"

	"gokerchunk/blob"
	"gokerchunk/refs"
)

// Store is a read-only view of the arrays of one reference set. It is safe
// for concurrent use.
type Store struct {
	set    *refs.Set
	opener *blob.Opener

	mu     sync.Mutex
	arrays map[string]*Array // parsed metadata only; no chunk data
}

// Open returns a Store over set that fetches chunk targets through o. o may
// be nil when every chunk is inline.
func Open(set *refs.Set, o *blob.Opener) *Store {
	return &Store{set: set, opener: o, arrays: map[string]*Array{}}
}

// Arrays returns the paths of the set's arrays, sorted; an array without
// a manifest has all its chunks missing, so it reads as fill values.
func (s *Store) Arrays() []string {
	return s.set.ArrayPaths()
}

// Array returns the array at path, parsing its .zarray on first use.
func (s *Store) Array(path string) (*Array, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.arrays[path]; ok {
		return a, nil
	}
	a, err := newArray(s.set, path, s.opener)
	if err != nil {
		return nil, fmt.Errorf("array %q: %w", path, err)
	}
	s.arrays[path] = a
	return a, nil
}
