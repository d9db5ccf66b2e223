package hdf5scan

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestExtArrayChunks compares with libhdf5 where it is reliable: the
// unlimited dimension first (HDF5-STRUCTURES §12 item 20).
func TestExtArrayChunks(t *testing.T) {
	compareWithH5py(t, chunkedFixture, "ea_first", "ea_super", "ea_gzip")
	compareWithH5py(t, pagedFixture, "ea_paged")
}

// TestExtArraySwizzled decodes ea_second, shape (3,10), max (6,None),
// chunks (1,2): its linear chunk numbers put the unlimited column first,
// which libhdf5 1.10.8's H5Dget_chunk_info gets wrong, so the inlined
// contents are the oracle.
func TestExtArraySwizzled(t *testing.T) {
	res := scanFixture(t, chunkedFixture, 1<<20)
	m := res.Set.Arrays["ea_second"]
	want := [3][10]int32{}
	for r := range 3 {
		for c := range 10 {
			want[r][c] = -3
			if c < 6 {
				want[r][c] = int32(r*6 + c)
			}
		}
	}
	want[2][8], want[2][9] = 80, 90
	stored := 0
	for i := 0; i < m.Len(); i++ {
		r, ok := m.Chunk(i)
		if !ok {
			continue
		}
		stored++
		c := m.Coords(i)
		if len(r.Data) != 8 {
			t.Fatalf("chunk %v: %d bytes inline, want 8", c, len(r.Data))
		}
		for k := range 2 {
			got := int32(binary.LittleEndian.Uint32(r.Data[4*k:]))
			if w := want[c[0]][2*c[1]+k]; got != w {
				t.Errorf("chunk %v element %d = %d, want %d", c, k, got, w)
			}
		}
	}
	// 3×3 written, plus (2,4); the rest are explicit chunks of the fill -3
	// (the dataset has no _FillValue, so fill_value is null).
	if stored != 15 {
		t.Errorf("%d chunks, want all 15", stored)
	}
}

// TestExtArraySuperBlocks checks the derived table for libhdf5's default
// parameters (max bits 32, min elements 16): super block 13 is the first
// whose 2048-element data blocks are paged (1024 per page), from element
// 131056 on (HDF5-STRUCTURES §7.5).
func TestExtArraySuperBlocks(t *testing.T) {
	p := eaParams{maxBits: 32, idxBlkElmts: 4, minDataPtrs: 4, minElmts: 16, pageBits: 10}
	sb := eaSuperBlocks(p)
	if len(sb) != 29 {
		t.Fatalf("%d super blocks, want 29", len(sb))
	}
	var ndblks, nelmts, start []uint64
	for _, s := range sb[:6] {
		ndblks, nelmts, start = append(ndblks, s.ndblks), append(nelmts, s.dblkNelmts), append(start, s.startIdx)
	}
	if !slices.Equal(ndblks, []uint64{1, 1, 2, 2, 4, 4}) || !slices.Equal(nelmts, []uint64{16, 32, 32, 64, 64, 128}) || !slices.Equal(start, []uint64{0, 16, 48, 112, 240, 496}) {
		t.Errorf("table %v %v %v", ndblks, nelmts, start)
	}
	ea := &extArray{pageN: 1 << p.pageBits}
	if sb[13].startIdx != 131056 || ea.dblkPages(sb[13].dblkNelmts) != 2 || ea.dblkPages(sb[12].dblkNelmts) != 0 {
		t.Errorf("super block 13 starts at %d with %d pages; 12 has %d pages", sb[13].startIdx, ea.dblkPages(sb[13].dblkNelmts), ea.dblkPages(sb[12].dblkNelmts))
	}
	// Saturation instead of overflow for 64-bit arrays.
	big := eaSuperBlocks(eaParams{maxBits: 64, minElmts: 1, minDataPtrs: 2})
	if last := big[len(big)-1]; last.startIdx != ^uint64(0) {
		t.Errorf("last start index %d, want saturated", last.startIdx)
	}
}

// BenchmarkExtensibleArray scans a file with one 100 000-chunk extensible
// array (one element per chunk), generated with h5py when it is present.
func BenchmarkExtensibleArray(b *testing.B) {
	if _, err := os.Stat(debianPython); err != nil {
		b.Skip("no " + debianPython)
	}
	path := filepath.Join(b.TempDir(), "ea100k.h5")
	const script = `import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w", libver="latest") as f:
    d = f.create_dataset("ea", shape=(100000,), maxshape=(None,), dtype="<i4", chunks=(1,))
    d[:] = np.arange(100000)
`
	if out, err := exec.Command(debianPython, "-c", script, path).CombinedOutput(); err != nil {
		b.Skipf("h5py: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		res, err := scanBytes(data, path, Options{URL: path})
		if err != nil {
			b.Fatal(err)
		}
		if res.Chunks != 100000 {
			b.Fatalf("%d chunks", res.Chunks)
		}
	}
}
