package hdf5scan

import (
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"gokerchunk/format"
)

// TestBTree2NodeInfo checks the derived records-per-node against the
// values h5debug prints for each fixture's name index (H5B2__hdr_init).
func TestBTree2NodeInfo(t *testing.T) {
	for _, h := range loadHeapFixtures(t).Heaps {
		t.Run(h.File+h.Object+"/"+h.Kind, func(t *testing.T) {
			f := fileOver(h.File, fixtureBytes(t, h.File))
			typ := uint8(5)
			if h.Kind == "attributes" {
				typ = 8
			}
			bt, _, _, err := f.openBTree2(h.NameIndex, typ)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(bt.maxNrec, h.MaxNrec) {
				t.Errorf("records per node by depth %v, libhdf5 says %v", bt.maxNrec, h.MaxNrec)
			}
		})
	}
}

// btreeFixture returns links_big.h5's name index: a v2 B-tree of depth 2.
func btreeFixture(t *testing.T) (name string, b []byte, header uint64, count int) {
	t.Helper()
	for _, h := range loadHeapFixtures(t).Heaps {
		if len(h.MaxNrec) == 3 {
			f := fileOver(h.File, fixtureBytes(t, h.File))
			n := 0
			if err := f.walkBTree2(h.NameIndex, 5, func([]byte) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			return h.File, fixtureBytes(t, h.File), h.NameIndex, n
		}
	}
	t.Fatal("no depth-2 v2 B-tree fixture")
	return
}

// rewriteChecksum recomputes the lookup3 checksum stored in b[end:end+4]
// over b[start:end], so that a mutation reaches the structural checks.
func rewriteChecksum(b []byte, start, end uint64) {
	binary.LittleEndian.PutUint32(b[end:], lookup3(b[start:end]))
}

func TestBTree2Corrupt(t *testing.T) {
	name, orig, header, count := btreeFixture(t)
	if count != 1201 { // 1200 links and the dataset they point to
		t.Fatalf("fixture has %d records, want 1201", count)
	}
	f := fileOver(name, orig)
	bt, root, rootRecs, err := f.openBTree2(header, 5)
	if err != nil {
		t.Fatal(err)
	}
	// Root internal node at depth 2: prefix, records, then child pointers
	// (address, count, subtree total), then the checksum.
	ptrs := root + 6 + rootRecs*uint64(bt.recSize)
	end := ptrs + (rootRecs+1)*uint64(bt.pointerSize(bt.depth))
	headerEnd := header + uint64(4+1+1+4+2+2+1+1+8+2+8)
	rootField := header + 16
	firstChild := binary.LittleEndian.Uint64(orig[ptrs:])

	tests := []struct {
		name    string
		mutate  func(b []byte) []byte
		wantMsg string // substring of the error
	}{
		{"header bit flip", func(b []byte) []byte { b[header+7] ^= 1; return b }, "checksum"},
		{"root bit flip", func(b []byte) []byte { b[root+8] ^= 1; return b }, "checksum"},
		{"child bit flip", func(b []byte) []byte { b[firstChild+12] ^= 1; return b }, "checksum"},
		{"truncated", func(b []byte) []byte { return b[:firstChild+20] }, "do not fit"},
		{"child points to root", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[ptrs:], root)
			rewriteChecksum(b, root, end)
			return b
		}, "cycle"},
		{"two children share a node", func(b []byte) []byte {
			copy(b[ptrs+uint64(bt.pointerSize(bt.depth)):], b[ptrs:ptrs+8])
			rewriteChecksum(b, root, end)
			return b
		}, "cycle"},
		{"child points to header", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[ptrs:], header)
			rewriteChecksum(b, root, end)
			return b
		}, "signature"},
		{"too many records in root", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[rootField+8:], uint16(bt.maxNrec[bt.depth]+1))
			rewriteChecksum(b, header, headerEnd)
			return b
		}, "at most"},
		{"total below the records", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[rootField+10:], 100)
			rewriteChecksum(b, header, headerEnd)
			return b
		}, "more records"},
		{"total above the records", func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[rootField+10:], uint64(count)+1)
			rewriteChecksum(b, header, headerEnd)
			return b
		}, "header says"},
		{"node size beyond file", func(b []byte) []byte {
			binary.LittleEndian.PutUint32(b[header+6:], 1<<31)
			rewriteChecksum(b, header, headerEnd)
			return b
		}, "node size"},
		{"depth 200", func(b []byte) []byte {
			binary.LittleEndian.PutUint16(b[header+12:], 200)
			rewriteChecksum(b, header, headerEnd)
			return b
		}, "depth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fileOver(name, tc.mutate(slices.Clone(orig)))
			err := f.walkBTree2(header, 5, func([]byte) error { return nil })
			checkErr(t, err, &format.Error{})
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("error %q does not mention %q", err, tc.wantMsg)
			}
		})
	}
}

func TestBTree2Errors(t *testing.T) {
	name, b, header, _ := btreeFixture(t)
	f := fileOver(name, b)

	err := f.walkBTree2(header, 8, func([]byte) error { return nil })
	checkErr(t, err, &format.Error{})
	if !strings.Contains(err.Error(), "record type 5, want 8") {
		t.Errorf("wrong type: %v", err)
	}

	stop := errors.New("stop")
	n := 0
	err = f.walkBTree2(header, 5, func([]byte) error {
		if n++; n == 500 {
			return stop
		}
		return nil
	})
	if err != stop || n != 500 {
		t.Errorf("visitor error: got %v after %d records", err, n)
	}

	checkErr(t, f.walkBTree2(undefinedAddr, 5, nil), &format.Error{})
}
