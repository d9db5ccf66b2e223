package hdf5scan

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"gokerchunk/format"
	"gokerchunk/refs"
)

// The v4 chunk index fixtures (testdata/gen/h5_latest_chunked.py).
const (
	chunkedFixture = "../testdata/fixtures/h5_latest_chunked.h5"
	pagedFixture   = "../testdata/fixtures/h5_latest_paged.h5"
)

// debianPython has h5py (a pyenv python3 on PATH does not).
const debianPython = "/usr/bin/python3"

// skipWithoutH5py skips a test that needs Debian's h5py, or fails it under
// CI, where make deps installs python3-h5py and a silent skip would hide a
// missing install step.
func skipWithoutH5py(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s under CI (make deps installs python3-h5py)", why)
	}
	t.Skip(why)
}

// h5pyChunk is one stored chunk as libhdf5's H5Dget_chunk_info reports it.
type h5pyChunk struct {
	Offset []int64 `json:"offset"` // element offset of the chunk's first element
	Mask   uint32  `json:"mask"`
	Addr   int64   `json:"addr"` // absolute file offset
	Size   int64   `json:"size"`
}

// h5pyChunks asks libhdf5 (through h5py) for the stored chunks of the named
// datasets of path. The test is skipped without Debian's h5py.
func h5pyChunks(t testing.TB, path string, names ...string) map[string][]h5pyChunk {
	t.Helper()
	if _, err := os.Stat(debianPython); err != nil {
		skipWithoutH5py(t, "no "+debianPython)
	}
	const script = `import json, sys, h5py
out = {}
with h5py.File(sys.argv[1], "r") as f:
    for name in sys.argv[2:]:
        d = f[name].id
        out[name] = []
        for i in range(d.get_num_chunks()):
            c = d.get_chunk_info(i)
            out[name].append({"offset": list(c.chunk_offset), "mask": c.filter_mask, "addr": c.byte_offset, "size": c.size})
json.dump(out, sys.stdout)
`
	b, err := exec.Command(debianPython, append([]string{"-c", script, path}, names...)...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(ee.Stderr), "No module named") {
			skipWithoutH5py(t, "h5py is not installed")
		}
		t.Fatalf("h5py: %v", err)
	}
	var out map[string][]h5pyChunk
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// scanFixture scans path without inlining (threshold 0) unless inline.
func scanFixture(t testing.TB, path string, inline int) *format.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanBytes(data, path, Options{URL: path, InlineThreshold: inline})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// referenced counts the chunks referenced in the file (never-written ones
// are explicit inline fill chunks; with InlineThreshold 0 every written
// chunk is a reference).
func referenced(m *refs.Manifest) int {
	n := 0
	for _, t := range m.Target {
		if t >= 0 {
			n++
		}
	}
	return n
}

// compareWithH5py checks that the scanner references exactly the chunks
// libhdf5 lists, at the same offsets and sizes.
func compareWithH5py(t *testing.T, path string, names ...string) {
	t.Helper()
	want := h5pyChunks(t, path, names...)
	res := scanFixture(t, path, 0)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			z, err := res.Set.ZArray(name)
			if err != nil {
				t.Fatal(err)
			}
			m := res.Set.Arrays[name]
			if len(want[name]) == 0 {
				t.Fatal("libhdf5 lists no chunks: not a useful case")
			}
			if got := referenced(m.Manifest); got != len(want[name]) {
				t.Errorf("%d chunks referenced, libhdf5 lists %d", got, len(want[name]))
			}
			idx := make([]int, len(z.Chunks))
			for _, c := range want[name] {
				for i, off := range c.Offset {
					idx[i] = int(off / z.Chunks[i])
				}
				r, ok := m.Chunk(m.Linear(idx))
				if !ok || r.Offset != c.Addr || r.Length != c.Size {
					t.Errorf("chunk %v: got %+v (stored %v), libhdf5 says offset %d size %d", idx, r, ok, c.Addr, c.Size)
				}
			}
		})
	}
}

func TestSingleAndImplicitChunks(t *testing.T) {
	compareWithH5py(t, chunkedFixture, "single", "single_gzip", "implicit")
}

// TestImplicitCurrentShape: every chunk of the max-dims grid is allocated,
// but only those meeting the shape (5,7) by chunks (2,3) are emitted.
func TestImplicitCurrentShape(t *testing.T) {
	res := scanFixture(t, chunkedFixture, 0)
	m := res.Set.Arrays["implicit"]
	if got := m.Stored(); got != 9 {
		t.Errorf("%d chunks, want all 9 of the 3×3 grid", got)
	}
	r0, _ := m.Chunk(0)
	r1, _ := m.Chunk(1)
	if r1.Offset-r0.Offset != 2*3*2 {
		t.Errorf("chunks 0 and 1 at %d and %d: not back to back", r0.Offset, r1.Offset)
	}
}

// TestRawPartialEdgeChunks: with "don't filter partial edge chunks" the
// edge chunks of gzip_raw_edges are raw on disk; they are re-encoded and
// inlined while interior chunks stay references to deflated bytes.
func TestRawPartialEdgeChunks(t *testing.T) {
	res := scanFixture(t, chunkedFixture, 0)
	m := res.Set.Arrays["gzip_raw_edges"]
	z, err := res.Set.ZArray("gzip_raw_edges")
	if err != nil {
		t.Fatal(err)
	}
	if codecs := string(mustJSON(t, z.Compressor)) + string(mustJSON(t, z.Filters)); !strings.Contains(codecs, "zlib") {
		t.Errorf("codecs %s lack zlib", codecs)
	}
	for i := 0; i < m.Len(); i++ {
		c := m.Coords(i)
		edge := c[1] == 5 // shape (20,21), chunks (4,4): only the last column is partial
		r, ok := m.Chunk(i)
		if !ok {
			t.Fatalf("chunk %v missing", c)
		}
		if inline := r.URL == ""; inline != edge {
			t.Errorf("chunk %v: inline %v, want %v", c, inline, edge)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestV4Repacked: nc4_filters.nc repacked with h5repack -L (fixed-array and
// single-chunk indexes under netCDF-4 conventions). Fletcher32 variables are
// left out: the scanner trims the checksum from their lengths.
func TestV4Repacked(t *testing.T) {
	compareWithH5py(t, "../testdata/fixtures/nc4_repacked_latest.nc", "deflate", "shuffle_deflate", "big_endian_deflate")
}

// TestChunkSpace checks the linearisation of each index against worked
// examples of HDF5-STRUCTURES §7.
func TestChunkSpace(t *testing.T) {
	tests := []struct {
		name            string
		index           int
		dims, max, chnk []uint64
		linear          uint64
		want            []int // nil: beyond the shape
	}{
		{"fixed max-dims grid", indexFixedArray, []uint64{5, 10}, []uint64{20, 10}, []uint64{2, 4}, 2*3 + 2, []int{2, 2}},
		{"fixed beyond shape", indexFixedArray, []uint64{5, 10}, []uint64{20, 10}, []uint64{2, 4}, 3*3 + 0, nil},
		{"ea swizzled", indexExtensible, []uint64{3, 10}, []uint64{6, unlimitedDim}, []uint64{1, 2}, 4*6 + 2, []int{2, 4}},
		{"ea swizzled beyond", indexExtensible, []uint64{3, 10}, []uint64{6, unlimitedDim}, []uint64{1, 2}, 4*6 + 3, nil},
		{"ea first", indexExtensible, []uint64{10, 6}, []uint64{unlimitedDim, 6}, []uint64{2, 4}, 9, []int{4, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := &dataset{path: "/x", space: &dataspace{dims: tt.dims, maxDims: tt.max}, layout: &layout{chunk: tt.chnk, indexType: tt.index}}
			cs, err := fileOver("x", nil).newChunkSpace(ds)
			if err != nil {
				t.Fatal(err)
			}
			coords, ok := cs.position(tt.linear)
			if tt.want == nil {
				if ok {
					t.Errorf("position %v, want none", coords)
				}
				return
			}
			if !ok || !slices.Equal(coords, tt.want) {
				t.Errorf("linear %d → %v (%v), want %v", tt.linear, coords, ok, tt.want)
			}
		})
	}
}

// findSignature returns the offset of the nth (from 0) occurrence of sig.
func findSignature(t *testing.T, data []byte, sig string, nth int) int {
	t.Helper()
	off := -1
	for i := 0; i <= nth; i++ {
		j := strings.Index(string(data[off+1:]), sig)
		if j < 0 {
			t.Fatalf("signature %s #%d not found", sig, i)
		}
		off += 1 + j
	}
	return off
}

// scanErr scans data and returns the error (with SkipUnsupported off).
func scanErr(data []byte) error {
	_, err := scanBytes(data, "corrupt.h5", Options{URL: "corrupt.h5"})
	return err
}

// TestIndexChecksums flips one byte inside each index structure: the scan
// must fail with a FormatError that names the structure.
func TestIndexChecksums(t *testing.T) {
	orig, err := os.ReadFile(chunkedFixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ sig, structure string }{
		{"FAHD", "fixed array header"},
		{"FADB", "fixed array data block"},
		{"EAHD", "extensible array header"},
		{"EAIB", "extensible array index block"},
		{"EASB", "extensible array super block"},
		{"EADB", "extensible array data block"},
	} {
		t.Run(tt.sig, func(t *testing.T) {
			data := append([]byte(nil), orig...)
			off := findSignature(t, data, tt.sig, 0)
			data[off+8] ^= 0x10
			err := scanErr(data)
			var fe *format.Error
			if !errors.As(err, &fe) || fe.Structure != tt.structure {
				t.Fatalf("err = %v, want a FormatError in the %s", err, tt.structure)
			}
		})
	}
}
