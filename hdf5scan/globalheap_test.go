package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"slices"
	"testing"

	"gokerchunk/format"
)

// TestGlobalHeapObjects resolves every object h5debug lists in each
// collection, and checks that the NC_STRING attribute values written by
// gen.py are among them.
func TestGlobalHeapObjects(t *testing.T) {
	for _, c := range loadHeapFixtures(t).GlobalHeaps {
		f := fileOver(c.File, fixtureBytes(t, c.File))
		var gh globalHeap
		strs := map[string]bool{}
		for _, o := range c.Objects {
			want, err := hex.DecodeString(o.Hex)
			if err != nil {
				t.Fatal(err)
			}
			got, err := f.globalHeapObject(&gh, c.Addr, o.Index)
			if err != nil {
				t.Fatalf("%s collection %d object %d: %v", c.File, c.Addr, o.Index, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s collection %d object %d: % x, want % x", c.File, c.Addr, o.Index, got, want)
			}
			strs[string(got)] = true
		}
		if len(gh.collections) != 1 {
			t.Errorf("%d collections cached, want 1", len(gh.collections))
		}
		for _, s := range []string{"alpha", "beta", "gamma", "one", "two", "three", "global string attribute"} {
			if !strs[s] {
				t.Errorf("%s collection %d: no object %q", c.File, c.Addr, s)
			}
		}
		// Without a cache the collection is read afresh.
		if _, err := f.globalHeapObject(nil, c.Addr, c.Objects[0].Index); err != nil {
			t.Error(err)
		}
	}
}

func TestGlobalHeapCorrupt(t *testing.T) {
	c := loadHeapFixtures(t).GlobalHeaps[0]
	orig := fixtureBytes(t, c.File)
	first := c.Objects[0].Index
	// The first object's header follows the 16-byte collection header.
	obj := c.Addr + 16
	tests := []struct {
		name   string
		mutate func(b []byte) []byte
		addr   uint64
		index  uint32
	}{
		{"index 0 is free space", nil, c.Addr, 0},
		{"index beyond 16 bits", nil, c.Addr, 1 << 16},
		{"missing index", nil, c.Addr, 4000},
		{"not a collection", nil, c.Addr + 8, first},
		{"undefined address", nil, undefinedAddr, first},
		{"signature", func(b []byte) []byte { b[c.Addr] = 'X'; return b }, c.Addr, first},
		{"version", func(b []byte) []byte { b[c.Addr+4] = 2; return b }, c.Addr, first},
		{"size beyond file", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[c.Addr+8:], uint64(len(b)))
			return b
		}, c.Addr, first},
		{"size below header", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[c.Addr+8:], 8)
			return b
		}, c.Addr, first},
		{"truncated", func(b []byte) []byte { return b[:c.Addr+100] }, c.Addr, first},
		{"object overruns collection", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[obj+8:], 1<<20)
			return b
		}, c.Addr, first},
		{"duplicate index", func(b []byte) []byte {
			second := obj + 16 + (binary.LittleEndian.Uint64(b[obj+8:])+7)/8*8
			copy(b[second:second+2], b[obj:obj+2])
			return b
		}, c.Addr, first},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := slices.Clone(orig)
			if tc.mutate != nil {
				b = tc.mutate(b)
			}
			f := fileOver(c.File, b)
			_, err := f.globalHeapObject(&globalHeap{}, tc.addr, tc.index)
			checkErr(t, err, &format.Error{})
		})
	}
}
