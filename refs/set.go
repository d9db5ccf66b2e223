// Package refs holds the reference-set model shared by every stage of
// gokerchunk: the groups and arrays of a virtual Zarr v2 store with their
// typed metadata (ZArray) and attributes (Attrs), parsed and checked once
// by the readers, and for each array a dense manifest of where its chunks
// live. Metadata documents exist only in the readers and writers.
//
// A manifest is a chunk grid in C order with parallel slices (target index,
// offset, length) instead of a map of string keys, so that millions of
// references cost a few bytes each and keys such as "tas/3.0.0" exist only
// while a writer emits them.
package refs

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Chunk target markers stored in Manifest.Target in place of a URL index.
const (
	// NoChunk marks a chunk that was never written: readers use the fill value.
	NoChunk int32 = -1
	// InlineChunk marks a chunk whose bytes are held in Manifest.Inline.
	InlineChunk int32 = -2
)

// Set is one virtual Zarr v2 store: typed metadata, parsed and checked
// once by the readers, and written out as documents only by the writers.
type Set struct {
	// Groups maps a group's path ("" for the root, "grp") to the group.
	Groups map[string]*Group
	// Arrays maps an array's path ("var", "grp/var") to its metadata and
	// chunk manifest.
	Arrays map[string]*Array
	// Extra holds keys that are neither metadata the model holds nor
	// chunks of a known array (.zmetadata, keys of foreign reference
	// files), kept as they are so that nothing is lost.
	Extra map[string]Ref
}

// NewSet returns an empty set with its maps allocated.
func NewSet() *Set {
	return &Set{Groups: map[string]*Group{}, Arrays: map[string]*Array{}, Extra: map[string]Ref{}}
}

// Ref is the value of one key: inline bytes, or a byte range of a target.
// Length < 0 means "the whole target" (kerchunk's one-element form [url]).
type Ref struct {
	Data   []byte // inline content when URL is empty
	URL    string
	Offset int64
	Length int64
}

// Manifest locates every chunk of one array.
type Manifest struct {
	// Grid is the number of chunks along each dimension; a scalar array has
	// an empty grid and exactly one chunk.
	Grid []int
	// URLs is the table of distinct targets referenced by Target.
	URLs []string
	// Target, Offset and Length are indexed by the chunk's linear (C order)
	// position in Grid. Target is an index into URLs, NoChunk or InlineChunk.
	Target []int32
	Offset []int64
	Length []int64
	// Inline holds the bytes of chunks whose Target is InlineChunk.
	Inline map[int][]byte
}

// NewManifest returns a manifest for grid with every chunk missing. The
// caller has bounded the grid's size (GridSize): it allocates about 20
// bytes a position.
func NewManifest(grid []int) *Manifest {
	n, ok := GridSize(grid, math.MaxInt)
	if !ok {
		panic(fmt.Sprintf("refs: NewManifest of grid %v: more positions than an int holds", grid))
	}
	m := &Manifest{
		Grid:   append([]int(nil), grid...),
		Target: make([]int32, n),
		Offset: make([]int64, n),
		Length: make([]int64, n),
		Inline: map[int][]byte{},
	}
	for i := range m.Target {
		m.Target[i] = NoChunk
	}
	return m
}

// Len is the number of chunk positions in the grid.
func (m *Manifest) Len() int { return len(m.Target) }

// URLIndex returns the index of url in the table, adding it if new.
func (m *Manifest) URLIndex(url string) int32 {
	for i, u := range m.URLs {
		if u == url {
			return int32(i)
		}
	}
	m.URLs = append(m.URLs, url)
	return int32(len(m.URLs) - 1)
}

// SetRange points chunk i at a byte range of url.
func (m *Manifest) SetRange(i int, url string, offset, length int64) {
	m.Target[i] = m.URLIndex(url)
	m.Offset[i] = offset
	m.Length[i] = length
	delete(m.Inline, i)
}

// SetInline stores the bytes of chunk i in the manifest.
func (m *Manifest) SetInline(i int, data []byte) {
	m.Target[i] = InlineChunk
	m.Offset[i] = 0
	m.Length[i] = int64(len(data))
	m.Inline[i] = data
}

// Chunk returns the reference of chunk i and whether the chunk exists.
func (m *Manifest) Chunk(i int) (Ref, bool) {
	switch t := m.Target[i]; t {
	case NoChunk:
		return Ref{}, false
	case InlineChunk:
		return Ref{Data: m.Inline[i]}, true
	default:
		return Ref{URL: m.URLs[t], Offset: m.Offset[i], Length: m.Length[i]}, true
	}
}

// Stored counts the chunks that exist (referenced or inline).
func (m *Manifest) Stored() int {
	n := 0
	for _, t := range m.Target {
		if t != NoChunk {
			n++
		}
	}
	return n
}

// Linear returns the C-order position of the chunk at grid coordinates idx.
func (m *Manifest) Linear(idx []int) int { return Linear(m.Grid, idx) }

// Linear returns the C-order position in grid of the chunk at grid
// coordinates idx.
func Linear(grid, idx []int) int {
	n := 0
	for d, g := range grid {
		n = n*g + idx[d]
	}
	return n
}

// Coords returns the grid coordinates of chunk i.
func (m *Manifest) Coords(i int) []int {
	idx := make([]int, len(m.Grid))
	coordsOf(m.Grid, i, idx)
	return idx
}

// coordsOf sets idx to the coordinates in grid of C-order position i.
func coordsOf(grid []int, i int, idx []int) {
	for d := len(grid) - 1; d >= 0; d-- {
		idx[d] = i % grid[d]
		i /= grid[d]
	}
}

// ChunkKey is the Zarr v2 key of chunk i under array path, with sep as the
// dimension separator ("." by default). A scalar's only chunk is "0".
func (m *Manifest) ChunkKey(path string, i int, sep string) string {
	return string(appendChunkKey(nil, path, m.Coords(i), sep))
}

// appendChunkKey appends the key of the chunk at grid coordinates coords.
func appendChunkKey(b []byte, path string, coords []int, sep string) []byte {
	b = append(b, path...)
	b = append(b, '/')
	if len(coords) == 0 {
		return append(b, '0')
	}
	for d, c := range coords {
		if d > 0 {
			b = append(b, sep...)
		}
		b = strconv.AppendInt(b, int64(c), 10)
	}
	return b
}

// advance steps coordinates in grid to the next chunk in C order.
func advance(grid, coords []int) {
	for d := len(coords) - 1; d >= 0; d-- {
		coords[d]++
		if coords[d] < grid[d] {
			return
		}
		coords[d] = 0
	}
}

// ParseChunkKey parses the part of a key after the array path ("3.0.1") into
// grid coordinates, checking them against grid.
func ParseChunkKey(s string, grid []int, sep string) ([]int, error) {
	return parseChunkIndex(make([]int, 0, len(grid)), s, grid, sep)
}

// parseChunkIndex is ParseChunkKey appending to idx, without allocating
// when idx has room.
func parseChunkIndex(idx []int, s string, grid []int, sep string) ([]int, error) {
	if len(grid) == 0 {
		if s != "0" {
			return nil, fmt.Errorf("chunk key %q of a scalar array is not \"0\"", s)
		}
		return idx, nil
	}
	rest := s
	for d := range grid {
		part := rest
		if d < len(grid)-1 {
			i := strings.Index(rest, sep)
			if i < 0 {
				return nil, fmt.Errorf("chunk key %q has %d indices, array has %d dimensions", s, d+1, len(grid))
			}
			part, rest = rest[:i], rest[i+len(sep):]
		} else if strings.Contains(rest, sep) {
			return nil, fmt.Errorf("chunk key %q has more than %d indices", s, len(grid))
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 || v >= grid[d] || (len(part) > 1 && part[0] == '0') || part[0] == '+' {
			return nil, fmt.Errorf("chunk key %q: index %q outside the chunk grid %v", s, part, grid)
		}
		idx = append(idx, v)
	}
	return idx, nil
}

// ArrayPaths returns the array paths in sorted order.
func (s *Set) ArrayPaths() []string {
	out := make([]string, 0, len(s.Arrays))
	for p := range s.Arrays {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ZArray returns the .zarray metadata of the array at path.
func (s *Set) ZArray(path string) (*ZArray, error) {
	a, ok := s.Arrays[path]
	if !ok || a.ZArray == nil {
		return nil, fmt.Errorf("no %s", MetaKey(path, ".zarray"))
	}
	return a.ZArray, nil
}

// MetaKey joins a node path and a metadata file name; the root's documents
// have no prefix.
func MetaKey(path, name string) string {
	if path == "" {
		return name
	}
	return path + "/" + name
}
