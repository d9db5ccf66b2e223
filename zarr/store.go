// Package zarr reads Zarr v2 arrays through a refs.Set: it resolves chunk
// references with the set's manifests, fetches the bytes with blob, runs
// the numcodecs pipeline, applies fill values, and assembles regions.
package zarr

import (
	"fmt"
	"sort"
	"strings"
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

// Arrays returns the paths of the set's arrays, sorted: those with a
// manifest and those with only a .zarray document (whose chunks are all
// missing, so they read as fill values).
func (s *Store) Arrays() []string {
	seen := map[string]bool{}
	for p := range s.set.Arrays {
		seen[p] = true
	}
	for k := range s.set.Meta {
		if p, ok := strings.CutSuffix(k, ".zarray"); ok && (p == "" || strings.HasSuffix(p, "/")) {
			seen[strings.TrimSuffix(p, "/")] = true
		}
	}
	out := make([]string, 0, len(seen))
	for p := range seen {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
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
