package hdf5scan

import (
	"encoding/binary"
	"reflect"
	"strings"
	"testing"
)

// layoutV1 encodes a version 1 or 2 data layout message (H5O__layout_decode
// for versions below 3): dimensionality, class, 5 reserved bytes, address
// (contiguous and chunked only), the dimensions (4 bytes each), then for
// compact storage a 4-byte size and the data.
func layoutV1(version, class byte, addr uint64, dims []uint32, compact []byte) []byte {
	b := []byte{version, byte(len(dims)), class, 0, 0, 0, 0, 0}
	if class != layoutCompact {
		b = binary.LittleEndian.AppendUint64(b, addr)
	}
	for _, d := range dims {
		b = binary.LittleEndian.AppendUint32(b, d)
	}
	if class == layoutCompact {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(compact)))
		b = append(b, compact...)
	}
	return b
}

func TestParseLayoutVersions(t *testing.T) {
	f := &file{name: "t.h5", offsetSize: 8, lengthSize: 8}
	le := binary.LittleEndian
	// A version 4 chunked layout with a fixed array index: flags, rank+1,
	// dimension width 2, dims {5, 7, 8}, index type 3, page bits 10, address.
	v4 := []byte{4, layoutChunked, 0, 3, 2, 5, 0, 7, 0, 8, 0, indexFixedArray, 10}
	v4 = le.AppendUint64(v4, 4096)
	v5 := append([]byte{5}, v4[1:]...)
	for _, tc := range []struct {
		name string
		msg  []byte
		want layout // version and class are checked, other fields when set
		err  string
	}{
		{"v1 contiguous", layoutV1(1, layoutContiguous, 800, []uint32{3, 4, 8}, nil),
			layout{version: 1, class: layoutContiguous, address: 800, size: undefinedAddr}, ""},
		{"v2 contiguous never written", layoutV1(2, layoutContiguous, undefinedAddr, []uint32{10, 2}, nil),
			layout{version: 2, class: layoutContiguous, address: undefinedAddr, size: undefinedAddr}, ""},
		{"v1 chunked", layoutV1(1, layoutChunked, 2048, []uint32{2, 3, 4}, nil),
			layout{version: 1, class: layoutChunked, address: 2048, chunk: []uint64{2, 3}, elemSize: 4, indexType: indexBTree1}, ""},
		{"v2 compact", layoutV1(2, layoutCompact, 0, []uint32{4, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}),
			layout{version: 2, class: layoutCompact, compact: []byte{1, 2, 3, 4, 5, 6, 7, 8}}, ""},
		{"v2 compact empty", layoutV1(2, layoutCompact, 0, []uint32{0, 2}, nil),
			layout{version: 2, class: layoutCompact, compact: []byte{}}, ""},
		{"v5 fixed array", v5,
			layout{version: 5, class: layoutChunked, address: 4096, chunk: []uint64{5, 7}, elemSize: 8, indexType: indexFixedArray, faPageBits: 10}, ""},
		{"v4 fixed array", v4,
			layout{version: 4, class: layoutChunked, address: 4096, chunk: []uint64{5, 7}, elemSize: 8, indexType: indexFixedArray, faPageBits: 10}, ""},
		{"v1 dimensionality 0", layoutV1(1, layoutContiguous, 8, nil, nil), layout{}, "dimensionality 0"},
		{"v1 dimensionality 34", layoutV1(1, layoutContiguous, 8, make([]uint32, 34), nil), layout{}, "dimensionality 34"},
		{"v1 chunked rank 0", layoutV1(1, layoutChunked, 8, []uint32{4}, nil), layout{}, "dimensionality 1"},
		{"v1 chunk dimension 0", layoutV1(1, layoutChunked, 8, []uint32{2, 0, 4}, nil), layout{}, "chunk dimension 1 is 0"},
		{"v1 virtual", layoutV1(1, layoutVirtual, 8, []uint32{2}, nil), layout{}, "class 3 is not defined for version 1"},
		{"v2 compact too long", layoutV1(2, layoutCompact, 0, []uint32{4}, []byte{1, 2})[:17], layout{}, "compact data of 2 bytes"},
		{"v1 truncated", layoutV1(1, layoutChunked, 8, []uint32{2, 4}, nil)[:12], layout{}, "ends after"},
		{"v6", []byte{6, 1}, layout{}, "version 6 is not defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := f.parseLayout(message{typ: msgLayout, data: tc.msg, off: 100})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.compact == nil && tc.want.compact != nil && len(tc.want.compact) == 0 {
				l.compact = []byte{}
			}
			if !reflect.DeepEqual(*l, tc.want) {
				t.Errorf("got %+v\nwant %+v", *l, tc.want)
			}
		})
	}
}

// layoutAsVersion1 rewrites, in place, the data layout messages of the 1-D
// contiguous and chunked datasets in version-1 object headers (no
// checksums) into layout version 1 or 2: the version 3 message padded to 8
// bytes has room. It returns the counts rewritten by layout class.
func layoutAsVersion1(t testing.TB, path string, version byte) (orig, patched []byte, counts map[int]int) {
	s, data := walkFixture(t, path)
	patched = append([]byte(nil), data...)
	counts = map[int]int{}
	for _, o := range s.objects {
		m, ok := o.header.find(msgLayout)
		if o.isGroup || !ok || o.header.version != 1 {
			continue
		}
		l, err := s.f.parseLayout(m)
		if err != nil || l.class == layoutCompact {
			continue
		}
		space, _ := o.header.find(msgDataspace)
		sp, err := s.f.parseDataspace(space)
		if err != nil || len(sp.dims) != 1 {
			continue
		}
		dt, _ := o.header.find(msgDatatype)
		d := s.f.decoderOver("datatype", dt.off, dt.data)
		elem := uint32(s.f.parseDatatype(d, 0).size)
		var v1 []byte
		switch l.class {
		case layoutContiguous:
			v1 = layoutV1(version, layoutContiguous, l.address, []uint32{uint32(sp.dims[0]), elem}, nil)
		case layoutChunked:
			v1 = layoutV1(version, layoutChunked, l.address, []uint32{uint32(l.chunk[0]), uint32(l.elemSize)}, nil)
		}
		if len(v1) > len(m.data) {
			t.Fatalf("%s: %d-byte version 1 message does not fit in %d bytes", o.path, len(v1), len(m.data))
		}
		copy(patched[m.off:], v1)
		counts[l.class]++
	}
	return data, patched, counts
}

// TestLayoutV1InRealFile: HDF5 1.4/1.6-era files say with layout versions 1
// and 2 what h5_earliest.h5 says with version 3; the scan must not change.
// (libhdf5 reads the rewritten file with the same values too.)
func TestLayoutV1InRealFile(t *testing.T) {
	for _, tc := range []struct {
		file                string
		contiguous, chunked int // at least this many rewritten
	}{
		{"h5_earliest.h5", 10, 1},
		{"h5_storage_committed.h5", 0, 2},
		{"h5_storage_external.h5", 1, 0}, // "rest", in an external file
	} {
		for _, version := range []byte{1, 2} {
			testLayoutV1(t, fixtureDir+tc.file, version, tc.contiguous, tc.chunked)
		}
	}
}

func testLayoutV1(t *testing.T, path string, version byte, contiguous, chunked int) {
	data, patched, counts := layoutAsVersion1(t, path, version)
	if counts[layoutContiguous] < contiguous || counts[layoutChunked] < chunked {
		t.Fatalf("%s: rewritten %d contiguous, %d chunked", path, counts[layoutContiguous], counts[layoutChunked])
	}
	want, err := scanBytes(data, path, Options{URL: path, InlineThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanBytes(patched, path, Options{URL: path, InlineThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Set, want.Set) {
		t.Errorf("%s with version %d layout messages scans differently", path, version)
	}
}

// headerChunk0 is the extent of chunk 0 of the version-2 object header at
// start: the checksum is at end, over data[start:end].
func headerChunk0(data []byte, start int64) (int64, int64) {
	// OHDR, version, flags, optional times and phase-change values, the
	// chunk size, messages, checksum.
	flags := data[start+5]
	pos := start + 6
	if flags&0x20 != 0 {
		pos += 16
	}
	if flags&0x10 != 0 {
		pos += 4
	}
	w := int64(1) << (flags & 3)
	var size int64
	for i := w - 1; i >= 0; i-- {
		size = size<<8 | int64(data[pos+i])
	}
	return start, pos + w + size
}

// layoutAsVersion5 marks the version 4 layout messages found in chunk 0 of
// version-2 object headers as version 5 (HDF5 2.0 encodes the message the
// same way) and fixes the headers' checksums.
func layoutAsVersion5(t testing.TB, path string) (orig, patched []byte, n int) {
	s, data := walkFixture(t, path)
	patched = append([]byte(nil), data...)
	for _, o := range s.objects {
		m, ok := o.header.find(msgLayout)
		if o.isGroup || !ok || o.header.version != 2 || m.data[0] != 4 {
			continue
		}
		start, end := headerChunk0(data, s.f.abs(o.addr))
		if m.off < start || m.off >= end {
			continue // in a continuation chunk
		}
		patched[m.off] = 5
		binary.LittleEndian.PutUint32(patched[end:], lookup3(patched[start:end]))
		n++
	}
	return data, patched, n
}

// TestLayoutV5InRealFile: version 5 layout messages scan like version 4.
func TestLayoutV5InRealFile(t *testing.T) {
	path := fixtureDir + "h5_latest_chunked.h5"
	data, patched, n := layoutAsVersion5(t, path)
	if n < 5 {
		t.Fatalf("only %d layout messages rewritten", n)
	}
	want, err := scanBytes(data, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanBytes(patched, path, Options{URL: path})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Set, want.Set) {
		t.Error("the file with version 5 layout messages scans differently")
	}
}
