package hdf5scan

import (
	"errors"
	"os"
	"testing"

	"gokerchunk/format"
)

func TestBTree2Chunks(t *testing.T) {
	compareWithH5py(t, chunkedFixture, "bt2", "bt2_gzip")
}

// TestBTree2ChunkChecksum flips a byte in the leaf of a chunk-record tree
// (record type 10 or 11; the file's other v2 B-trees index links).
func TestBTree2ChunkChecksum(t *testing.T) {
	orig, err := os.ReadFile(chunkedFixture)
	if err != nil {
		t.Fatal(err)
	}
	for n, found := 0, 0; found < 2; n++ {
		off := findSignature(t, orig, "BTLF", n)
		if typ := orig[off+5]; typ != btree2ChunkRecord && typ != btree2FilteredChunkRecord {
			continue
		}
		found++
		data := append([]byte(nil), orig...)
		data[off+8] ^= 0x40
		var fe *format.Error
		if err := scanErr(data); !errors.As(err, &fe) || fe.Structure != "v2 B-tree leaf node" {
			t.Errorf("record type %d: err = %v, want a leaf checksum error", orig[off+5], err)
		}
	}
}
