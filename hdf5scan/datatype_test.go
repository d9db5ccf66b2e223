package hdf5scan

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestCompoundV1ArrayMember reads features/cmpd_v1_array_member.h5, whose
// compound type is in the version-1 encoding with a dimensioned member
// (HDF5 1.4-era files): the member is an array of 3 floats, as libhdf5 and
// h5py read it. The datasets are reported like every compound with an
// array member; the attributes decode.
func TestCompoundV1ArrayMember(t *testing.T) {
	path := fixtureDir + "features/cmpd_v1_array_member.h5"
	s, _ := walkFixture(t, path)
	rec := s.objectAt(t, "/rec")
	ds := s.f.readDataset(rec.path, rec.header)
	if ds.dtype == nil {
		t.Fatalf("datatype of /rec: %v", ds.invalid)
	}
	if ds.dtype.version != 1 || ds.dtype.size != 24 || len(ds.dtype.members) != 3 {
		t.Fatalf("datatype %+v, want a 24-byte version-1 compound of 3 members", ds.dtype)
	}
	vec := ds.dtype.members[1]
	if vec.name != "vec" || vec.offset != 4 || vec.typ.class != classArray || !reflect.DeepEqual(vec.typ.arrayDim, []uint64{3}) ||
		vec.typ.size != 12 || vec.typ.base.class != classFloat || vec.typ.base.size != 4 {
		t.Fatalf("member vec %+v (type %+v), want an array [3] of f4 at 4", vec, vec.typ)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scanBytes(data, path, Options{URL: path, SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	var skipped []string
	for _, ue := range res.Skipped {
		skipped = append(skipped, ue.Path)
		if !strings.Contains(ue.Feature, `compound member "vec" is an array [3]`) {
			t.Errorf("%s: %s", ue.Path, ue.Feature)
		}
	}
	if !reflect.DeepEqual(skipped, []string{"/rec", "/rec_chunked"}) {
		t.Errorf("skipped %v, want /rec and /rec_chunked", skipped)
	}
	if _, ok := res.Set.Arrays["temperature"]; !ok {
		t.Error("temperature is missing")
	}
	// h5py: f.attrs["origin"] is rec()[:2] of the generator.
	want := `[{"id":100,"t":7300,"vec":[-3,-2.5,-2]},{"id":101,"t":7300.25,"vec":[-1.5,-1,-0.5]}]`
	var got, w any
	if err := json.Unmarshal(res.Set.Attrs("").Marshal(), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(want), &w)
	if origin := got.(map[string]any)["origin"]; !reflect.DeepEqual(origin, w) {
		t.Errorf("origin = %v, want %v", origin, w)
	}
	first, err := s.objectAttributes(rec)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(first["first"]); string(b) != `{"id":100,"t":7300,"vec":[-3,-2.5,-2]}` {
		t.Errorf("/rec attribute first = %s", b)
	}
}

// TestParseDatatypeV1Member covers the version-1 member dimensions: up to
// four, each a positive size.
func TestParseDatatypeV1Member(t *testing.T) {
	f := &file{name: "t.h5", offsetSize: 8, lengthSize: 8}
	le := binary.LittleEndian
	f4 := []byte{0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 127, 0, 0, 0}
	compound := func(rank byte, dims ...uint32) []byte {
		b := []byte{0x16, 1, 0, 0}
		b = le.AppendUint32(b, 64) // size
		b = append(b, "v\x00\x00\x00\x00\x00\x00\x00"...)
		b = le.AppendUint32(b, 0)
		b = append(b, rank, 0, 0, 0)
		b = append(b, make([]byte, 8)...)
		for i := range 4 {
			var n uint32
			if i < len(dims) {
				n = dims[i]
			}
			b = le.AppendUint32(b, n)
		}
		return append(b, f4...)
	}
	for _, tc := range []struct {
		name string
		msg  []byte
		dims []uint64
		size int
		err  string
	}{
		{"scalar member", compound(0), nil, 4, ""},
		{"rank 2", compound(2, 2, 3), []uint64{2, 3}, 24, ""},
		{"rank 4", compound(4, 1, 2, 2, 2), []uint64{1, 2, 2, 2}, 32, ""},
		{"rank 5", compound(5, 1, 1, 1, 1), nil, 0, "with 5 dimensions"},
		{"zero size", compound(1, 0), nil, 0, "compound member array [0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := f.decoderOver("datatype", 0, tc.msg)
			dt := f.parseDatatype(d, 0)
			if tc.err != "" {
				if d.err == nil || !strings.Contains(d.err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", d.err, tc.err)
				}
				return
			}
			if d.err != nil {
				t.Fatal(d.err)
			}
			m := dt.members[0].typ
			if m.size != tc.size || !reflect.DeepEqual(m.arrayDim, tc.dims) {
				t.Errorf("member type %+v, want size %d dims %v", m, tc.size, tc.dims)
			}
		})
	}
}

// TestReferenceToCommittedDatatype: object references to a committed
// datatype of the group tree are written as its path, as h5py names it
// (f[ref].name), in attributes and in embedded reference datasets alike.
func TestReferenceToCommittedDatatype(t *testing.T) {
	path := fixtureDir + "features/ref_committed_type.h5"
	res := scanFixture(t, path, 0)
	for _, n := range res.Notes {
		if strings.Contains(n, "not in the group tree") {
			t.Errorf("note: %s", n)
		}
	}
	if got := string(res.Set.Attrs("data")["type_ref"]); got != `"/types/pair_t"` {
		t.Errorf("type_ref = %s, want \"/types/pair_t\"", got)
	}
	m := res.Set.Arrays["refs"].Manifest
	if len(m.Inline) != 1 || !strings.Contains(string(m.Inline[0]), "/types/pair_t") || !strings.Contains(string(m.Inline[0]), "/data") {
		t.Errorf("refs chunk %q, want the paths /types/pair_t and /data", m.Inline[0])
	}
}
