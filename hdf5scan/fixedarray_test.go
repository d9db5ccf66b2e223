package hdf5scan

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"gokerchunk/format"
)

func TestFixedArrayChunks(t *testing.T) {
	compareWithH5py(t, chunkedFixture, "fixed", "fixed_maxshape", "fixed_gzip")
	compareWithH5py(t, pagedFixture, "fixed_paged")
}

// TestFixedArrayUnwrittenPage: fixed_paged has 3000 one-element chunks in
// three pages; only chunks 0–99 and 2500–2599 were written, so page 1's
// bit is clear and none of its chunks may be referenced.
func TestFixedArrayUnwrittenPage(t *testing.T) {
	m := scanFixture(t, pagedFixture, 0).Set.Arrays["fixed_paged"]
	for i := 0; i < m.Len(); i++ {
		ok := m.Target[i] >= 0
		if want := i < 100 || (i >= 2500 && i < 2600); ok != want {
			t.Errorf("chunk %d stored %v, want %v", i, ok, want)
		}
	}
}

// TestFixedArrayPageChecksum corrupts an element of the last written page
// of fixed_paged (pages follow the FADB prefix).
func TestFixedArrayPageChecksum(t *testing.T) {
	data, err := os.ReadFile(pagedFixture)
	if err != nil {
		t.Fatal(err)
	}
	// fixed_paged is the only paged fixed array: 3000 entries, 3 pages.
	for n := 0; ; n++ {
		off := findSignature(t, data, "FADB", n)
		hdr := binary.LittleEndian.Uint64(data[off+6:])
		nelmts := binary.LittleEndian.Uint64(data[hdr+8:])
		if nelmts != 3000 {
			continue
		}
		prefix := off + 6 + 8 + 1 + 4
		page2 := prefix + 2*(1024*8+4)
		data[page2+3] ^= 1
		break
	}
	var fe *format.Error
	if err := scanErr(data); !errors.As(err, &fe) || fe.Structure != "fixed array data block page" {
		t.Fatalf("err = %v, want a page checksum error", err)
	}
}
