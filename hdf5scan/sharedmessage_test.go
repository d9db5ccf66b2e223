package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"

	"gokerchunk/format"
)

// sharedRefs counts, per message type, the messages of h that were
// resolved from a shared reference of the given version and (version 3)
// type.
func sharedRefs(h *objectHeader, version, kind byte) map[uint16]int {
	out := map[uint16]int{}
	for _, m := range h.messages {
		if len(m.ref) >= 2 && m.ref[0] == version && (version < 3 || m.ref[1] == kind) {
			out[m.typ]++
		}
	}
	return out
}

// TestSharedMessageFixtures reads every dataset of the shared-message
// fixtures back through the references and compares values and attributes
// with h5py, after checking that the files really hold what the generator
// says.
func TestSharedMessageFixtures(t *testing.T) {
	for _, tc := range []struct {
		file    string
		object  string
		version byte
		kind    byte
		want    []uint16 // message types resolved from such references
	}{
		// h5repack -s 8: dataspace, datatype, fill value in the SOHM heap.
		{"h5_storage_sohm_repack.nc", "/chunked_sparse", 3, sharedInHeap, []uint16{msgDataspace, msgDatatype, msgFillValue}},
		// The first object to use a message keeps it in its header
		// (flag "shareable"); later ones refer to the heap: /a holds the
		// dataspace and datatype that /b and /c share, /b the fill value
		// and pipeline that /c shares; attributes are shared from /a on.
		{"h5_storage_sohm.h5", "/a", 3, sharedInHeap, []uint16{msgAttribute}},
		{"h5_storage_sohm.h5", "/b", 3, sharedInHeap, []uint16{msgDataspace, msgDatatype, msgAttribute}},
		{"h5_storage_sohm.h5", "/c", 3, sharedInHeap, []uint16{msgDataspace, msgDatatype, msgFillValue, msgFilterPipeline}},
		{"h5_storage_sohm_btree.h5", "/c", 3, sharedInHeap, []uint16{msgDataspace, msgDatatype, msgFillValue, msgFilterPipeline}},
		// libhdf5 writes committed references as version 2 whatever the
		// format bounds (H5O_shared_encode).
		{"h5_storage_committed.h5", "/temps", 2, 0, []uint16{msgDatatype}},
		{"h5_storage_committed.h5", "/grp/counts", 2, 0, []uint16{msgDatatype}},
		{"h5_storage_committed_latest.h5", "/temps", 2, 0, []uint16{msgDatatype}},
	} {
		t.Run(tc.file+tc.object, func(t *testing.T) {
			s, _ := walkFixture(t, fixtureDir+tc.file)
			got := sharedRefs(s.objectAt(t, tc.object).header, tc.version, tc.kind)
			for _, typ := range tc.want {
				if got[typ] == 0 {
					t.Errorf("no message of type %#x resolved from a version %d type %d reference (found %v)", typ, tc.version, tc.kind, got)
				}
			}
		})
	}
	for _, name := range []string{"h5_storage_sohm_repack.nc", "h5_storage_sohm.h5", "h5_storage_sohm_btree.h5", "h5_storage_committed.h5", "h5_storage_committed_latest.h5"} {
		t.Run(name, func(t *testing.T) { compareWithH5pyValues(t, fixtureDir+name) })
	}
}

// TestSharedDenseAttributes: /c of h5_storage_sohm.h5 keeps its 14
// attributes in dense storage whose name-index records are flagged shared,
// so their heap IDs name objects of the SOHM heap.
func TestSharedDenseAttributes(t *testing.T) {
	for _, name := range []string{"h5_storage_sohm.h5", "h5_storage_sohm_btree.h5"} {
		s, _ := walkFixture(t, fixtureDir+name)
		h := s.objectAt(t, "/c").header
		m, ok := h.find(msgAttributeInfo)
		if !ok {
			t.Fatalf("%s: /c has no attribute info message", name)
		}
		d := s.f.decoderOver("attribute info message", m.off, m.data)
		d.skip(2 + 2) // version, flags (creation order tracked), max creation index
		d.addr()      // heap
		shared := 0
		err := s.f.walkBTree2(d.addr(), 8, func(rec []byte) error {
			if rec[8]&msgFlagShared != 0 {
				shared++
			}
			return nil
		})
		if err != nil || shared != 14 {
			t.Errorf("%s: %d shared attribute records, want 14 (%v)", name, shared, err)
		}
		attrs, err := s.f.attributes(h)
		if err != nil || len(attrs) != 14 {
			t.Errorf("%s: %d attributes (%v), want 14", name, len(attrs), err)
		}
	}
}

func TestSharedMessageReference(t *testing.T) {
	f := &file{name: "t.h5", offsetSize: 8, lengthSize: 8, size: 1 << 20, ext: &superblockExt{sohmTable: undefinedAddr}}
	le := binary.LittleEndian
	addr := func(b []byte, a uint64) []byte { return le.AppendUint64(b, a) }
	for _, tc := range []struct {
		name string
		ref  []byte
		want string // part of the error
	}{
		{"version 0", addr([]byte{0, 2}, 64), "version 0"},
		{"version 4", addr([]byte{4, 2}, 64), "version 4"},
		{"version 3 type 3", addr([]byte{3, 3}, 64), "type 3"},
		{"version 3 type 0", addr([]byte{3, 0}, 64), "type 0"},
		{"truncated address", []byte{2, 0, 1, 2}, "ends after"},
		{"truncated version 1", append([]byte{1}, make([]byte, 13)...), "ends after"},
		{"heap ID without a table", []byte{3, 1, 0, 1, 2, 3, 4, 5, 6, 7}, "no shared message table"},
		{"truncated heap ID", []byte{3, 1, 0, 1, 2}, "ends after"},
		// Committed references to headers that are not there.
		{"version 1 address", addr(append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 8)...), 1<<19), "object header"},
		{"version 2 undefined", addr([]byte{2, 0}, undefinedAddr), "undefined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.r = bytes.NewReader(make([]byte, 1<<20))
			_, _, err := f.sharedBody(msgDatatype, tc.ref, 100)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestSharedMessageVersion1 builds a version-1 reference (symbol table entry
// form: the link name offset precedes the address) to a real committed
// datatype and checks it resolves to the same message as the version-2
// reference the file holds.
func TestSharedMessageVersion1(t *testing.T) {
	s, _ := walkFixture(t, fixtureDir+"h5_storage_committed.h5")
	dt, _ := s.objectAt(t, "/temps").header.find(msgDatatype)
	if len(dt.ref) < 10 || dt.ref[0] != 2 {
		t.Fatalf("reference %x is not version 2", dt.ref)
	}
	target := dt.ref[2:10]
	v1 := append([]byte{1, 0, 0, 0, 0, 0, 0, 0}, make([]byte, 8)...) // name offset
	v1 = append(v1, target...)
	data, off, err := s.f.sharedBody(msgDatatype, v1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, dt.data) || off != dt.off {
		t.Errorf("version 1 resolves to %x at %d, version 2 to %x at %d", data, off, dt.data, dt.off)
	}
}

// committedAsVersion3 rewrites the version-2 references to the committed
// datatype of /temps in h5_storage_committed.h5 (object header v1, no
// checksums) as version 3 type 2: same length, and libhdf5 reads both
// though it writes only the first.
func committedAsVersion3(t testing.TB) (path string, orig, patched []byte) {
	path = fixtureDir + "h5_storage_committed.h5"
	s, data := walkFixture(t, path)
	dt, _ := s.objectAt(t, "/temps").header.find(msgDatatype)
	if len(dt.ref) < 2+s.f.offsetSize || dt.ref[0] != 2 {
		t.Fatalf("reference %x is not version 2", dt.ref)
	}
	ref := dt.ref[:2+s.f.offsetSize]
	// The dataset's datatype and its valid_max attribute's.
	if n := bytes.Count(data, ref); n != 2 {
		t.Fatalf("reference %x found %d times, want 2", ref, n)
	}
	return path, data, bytes.ReplaceAll(data, ref, append([]byte{3, sharedCommitted}, ref[2:]...))
}

// TestSharedMessageVersion3Committed: version 3 committed references scan
// like the version 2 ones libhdf5 writes.
func TestSharedMessageVersion3Committed(t *testing.T) {
	path, data, v3 := committedAsVersion3(t)
	want, err := scanBytes(data, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanBytes(v3, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Set, want.Set) {
		t.Error("version 3 committed references scan differently from version 2 ones")
	}
}

// TestCommittedCycle points a dataset's shared datatype at its own object
// header: the scan must report a format error, not recurse.
func TestCommittedCycle(t *testing.T) {
	s, data := walkFixture(t, fixtureDir+"h5_storage_committed.h5")
	o := s.objectAt(t, "/temps")
	dt, _ := o.header.find(msgDatatype)
	if bytes.Count(data, dt.ref) != 1 {
		t.Fatalf("reference %x is not unique in the file", dt.ref)
	}
	bad := append([]byte(nil), data...)
	// The reference's address field follows version and type.
	binary.LittleEndian.PutUint64(bad[bytes.Index(data, dt.ref)+2:], o.addr)
	_, err := scanBytes(bad, "cycle.h5", Options{})
	var fe *format.Error
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("err = %v, want a FormatError naming the cycle", err)
	}
}
