package hdf5scan

import (
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gokerchunk/format"
)

// attrMessage finds attribute message name of the object at path in a
// fixture and returns the absolute offsets of its datatype and dataspace.
func attrMessage(t *testing.T, s *scanner, path string, pick func(*attribute) bool) (a *attribute, dtOff, dsOff int64) {
	t.Helper()
	o := s.objectAt(t, path)
	for _, m := range o.header.all(msgAttribute) {
		a, err := s.f.parseAttribute(m.data, m.off)
		if err != nil || a.err != nil || !pick(a) {
			continue
		}
		le := binary.LittleEndian
		nameSize, dtSize := int(le.Uint16(m.data[2:])), int(le.Uint16(m.data[4:]))
		switch m.data[0] {
		case 1:
			pad := func(n int) int { return (n + 7) &^ 7 }
			dtOff = m.off + 8 + int64(pad(nameSize))
			return a, dtOff, dtOff + int64(pad(dtSize))
		case 3:
			dtOff = m.off + 9 + int64(nameSize)
			return a, dtOff, dtOff + int64(dtSize)
		}
	}
	t.Fatalf("%s: no such attribute message", path)
	return nil, 0, 0
}

// scanPatched scans a patched copy of a fixture with and without skipping.
func scanPatched(t *testing.T, path string, data []byte) (skip *format.Result, noSkipErr error) {
	t.Helper()
	res, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
	if err != nil {
		t.Fatalf("with skip: %v", err)
	}
	_, err = scanBytes(data, path, Options{URL: path})
	return res, err
}

// sameArraysBut checks that every array of want but those listed is in got
// unchanged.
func sameArraysBut(t *testing.T, got, want *format.Result, except ...string) {
	t.Helper()
	for k, a := range want.Set.Arrays {
		if slices.Contains(except, k) {
			if _, ok := got.Set.Arrays[k]; ok {
				t.Errorf("%s is still listed", k)
			}
			continue
		}
		if !reflect.DeepEqual(got.Set.Arrays[k], a) {
			t.Errorf("%s differs from the undamaged file's", k)
		}
	}
}

// TestAttributeDatatypeVersion4 makes an object-reference attribute a
// version-4 datatype (HDF5 1.12's H5R_ref_t): a valid type the scanner does
// not read. The attribute is left out with a note naming the object and
// the attribute; the file scans, with or without skipping.
func TestAttributeDatatypeVersion4(t *testing.T) {
	path := fixtureDir + "features/h5_datatypes.h5"
	s, data := walkFixture(t, path)
	a, dtOff, _ := attrMessage(t, s, "/attrs", func(a *attribute) bool { return a.dtype.class == classReference })
	b := slices.Clone(data)
	b[dtOff] = 4<<4 | classReference
	b[dtOff+1] = 2 // H5R_OBJECT2
	res, err := scanPatched(t, path, b)
	// Without skip the file still fails, on a dataset it always fails on.
	var ue *format.UnsupportedError
	if !errors.As(err, &ue) || ue.Path == "/attrs" || strings.Contains(err.Error(), a.name) {
		t.Fatalf("without skip: %v", err)
	}
	want := `/attrs: attribute "` + a.name + `" left out: datatype version 4`
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.HasPrefix(n, want) }) {
		t.Errorf("notes %q lack %q", res.Notes, want)
	}
	if len(res.Damaged) != 0 || len(res.Skipped) == 0 {
		t.Errorf("damaged %v, skipped %v", res.Damaged, res.Skipped)
	}
	orig, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	sameArraysBut(t, res, orig)
}

// TestDamagedObjects damages one object of a fixture at a time: the object
// (or only its attribute) is reported as damaged and left out under skip,
// the scan fails naming it otherwise, and every other array is unchanged.
func TestDamagedObjects(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		damage     func(t *testing.T, s *scanner, b []byte) (path, attr string)
		array      string // the array left out ("" when only an attribute is)
		reason     string
	}{
		{
			name: "attribute of 2^62 elements", file: "h5_earliest.h5",
			damage: func(t *testing.T, s *scanner, b []byte) (string, string) {
				a, _, dsOff := attrMessage(t, s, "/with_attrs", func(a *attribute) bool { return len(a.space.dims) == 1 })
				if b[dsOff] != 1 {
					t.Fatalf("dataspace version %d", b[dsOff])
				}
				binary.LittleEndian.PutUint64(b[dsOff+8:], 1<<62)
				return "/with_attrs", a.name
			},
			reason: "do not fit",
		},
		{
			name: "object header", file: "h5_earliest.h5",
			damage: func(t *testing.T, s *scanner, b []byte) (string, string) {
				o := s.objectAt(t, "/a/b")
				b[s.f.abs(o.addr)] = 0
				return "/a/b", ""
			},
			reason: "version 0 is neither 1 nor an OHDR signature",
		},
		{
			name: "chunk index", file: "pipe_deflate_shuffle.h5",
			damage: func(t *testing.T, s *scanner, b []byte) (string, string) {
				o := s.objectAt(t, "/deflate_shuffle_i8")
				l := s.f.readDataset(o.path, o.header).layout
				copy(b[s.f.abs(l.address):], "XXXX")
				return o.path, ""
			},
			array: "deflate_shuffle_i8", reason: `signature "XXXX"`,
		},
		{
			name: "chunk that does not decode", file: "pipe_deflate_shuffle.h5",
			damage: func(t *testing.T, s *scanner, b []byte) (string, string) {
				o := s.objectAt(t, "/deflate_shuffle_f4")
				l := s.f.readDataset(o.path, o.header).layout
				// First child of the v1 B-tree node: after the node
				// header (24) and the first key (size, mask, 3 offsets).
				child := binary.LittleEndian.Uint64(b[s.f.abs(l.address)+24+8+3*8:])
				size := binary.LittleEndian.Uint32(b[s.f.abs(l.address)+24:])
				for i := range int64(size) {
					b[s.f.abs(child)+i] = 0xFF
				}
				return o.path, ""
			},
			array: "deflate_shuffle_f4", reason: "chunk at offset",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := fixtureDir + tc.file
			s, data := walkFixture(t, path)
			b := slices.Clone(data)
			where, attr := tc.damage(t, s, b)
			res, err := scanPatched(t, path, b)
			var de *format.DamagedError
			var fe *format.Error
			if !errors.As(err, &de) || de.Path != where || de.Attribute != attr || !errors.As(err, &fe) {
				t.Fatalf("without skip: err = %v, want a damaged %s %q that unwraps to a format.Error", err, where, attr)
			}
			if len(res.Damaged) != 1 || res.Damaged[0].Path != where || res.Damaged[0].Attribute != attr ||
				!strings.Contains(res.Damaged[0].Error(), tc.reason) || !strings.Contains(res.Damaged[0].Error(), ": damaged: ") {
				t.Fatalf("damaged %v, want %s %q: %s", res.Damaged, where, attr, tc.reason)
			}
			orig, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
			if err != nil {
				t.Fatal(err)
			}
			var except []string
			if tc.array != "" {
				except = append(except, tc.array)
			}
			if attr != "" {
				// The array stays, without the attribute.
				key := zarrPath(where)
				if _, ok := res.Set.Arrays[key]; !ok {
					t.Fatalf("%s is left out with its attribute", key)
				}
				if got := res.Set.Attrs(key); got[attr] != nil || len(got) == 0 {
					t.Errorf("attributes of %s: %v", where, got)
				}
				orig.Set.Arrays[key] = res.Set.Arrays[key]
			}
			if tc.name != "object header" {
				sameArraysBut(t, res, orig, except...)
			}
			if len(res.Set.Arrays) < len(orig.Set.Arrays)-1 {
				t.Errorf("%d arrays left of %d", len(res.Set.Arrays), len(orig.Set.Arrays))
			}
		})
	}
}
