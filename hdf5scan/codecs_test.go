package hdf5scan

import (
	"bytes"
	"errors"
	"testing"

	"gokerchunk/codec"
	"gokerchunk/format"
)

func TestCodecPlan(t *testing.T) {
	deflate := filter{id: filterDeflate, params: []uint32{5}}
	shuf := filter{id: filterShuffle, params: []uint32{8}}
	shuf4 := filter{id: filterShuffle, params: []uint32{4}}
	flet := filter{id: filterFletcher32}
	for _, tc := range []struct {
		name    string
		filters []filter
		mask    uint32
		ids     []string
		trim    bool
		unsup   bool
	}{
		{"h5py shuffle+deflate", []filter{shuf, deflate}, 0, []string{"shuffle", "zlib"}, false, false},
		{"h5py deflate+fletcher32", []filter{deflate, flet}, 0, []string{"zlib"}, true, false},
		{"fletcher32 alone", []filter{flet}, 0, nil, true, false},
		{"netCDF fletcher32+shuffle(4)+deflate", []filter{flet, shuf4, deflate}, 0, []string{"fletcher32", "shuffle", "zlib"}, false, false},
		{"netCDF fletcher32+shuffle(8): re-encoded", []filter{flet, shuf, deflate}, 0, []string{"shuffle", "zlib"}, false, false},
		{"deflate then shuffle: re-encoded shuffle first", []filter{deflate, shuf}, 0, []string{"shuffle", "zlib"}, false, false},
		{"deflate then shuffle(1): as stored", []filter{deflate, {id: filterShuffle, params: []uint32{1}}}, 0, []string{"zlib", "shuffle"}, false, false},
		{"deflate skipped by mask", []filter{shuf, deflate}, 2, []string{"shuffle"}, false, false},
		{"szip: decoded and re-encoded", []filter{{id: filterSzip, params: []uint32{141, 16, 32, 80}}}, 0, []string{"zlib"}, false, false},
		{"zfp where zfpy cannot read every chunk: decoded and re-encoded", []filter{{id: filterZFP}}, 0, []string{"zlib"}, false, false},
		{"an unknown filter", []filter{{id: 32099}}, 0, nil, false, true},
	} {
		p, err := newCodecPlan(tc.filters, tc.mask, 8, nil)
		var ue *format.UnsupportedError
		if tc.unsup {
			if !errors.As(err, &ue) {
				t.Errorf("%s: err = %v, want UnsupportedError", tc.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var ids []string
		for _, c := range p.codecs {
			ids = append(ids, c.ID())
		}
		if len(ids) != len(tc.ids) || p.trimChecksum != tc.trim {
			t.Errorf("%s: codecs %v trim %v, want %v trim %v", tc.name, ids, p.trimChecksum, tc.ids, tc.trim)
			continue
		}
		for i := range ids {
			if ids[i] != tc.ids[i] {
				t.Errorf("%s: codecs %v, want %v", tc.name, ids, tc.ids)
			}
		}
	}
}

func TestReencode(t *testing.T) {
	raw := bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 16)
	filters := []filter{{id: filterShuffle, params: []uint32{8}}, {id: filterDeflate, params: []uint32{4}}}
	plan, err := newCodecPlan(filters, 0, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A chunk whose deflate stage was skipped (mask bit 1) holds only the
	// shuffled bytes; re-encoding must give what shuffle+zlib decode.
	stored := codec.Shuffle(nil, raw, 8)
	got, err := plan.reencode(stored, 2, 8, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeFilter(filters[1], got, 8, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(codec.Unshuffle(nil, back, 8), raw) {
		t.Errorf("re-encoded chunk decodes to %v", codec.Unshuffle(nil, back, 8))
	}
	// netCDF-C's fletcher32 → shuffle(8) → deflate: every chunk is
	// re-encoded to shuffle → zlib without the checksum.
	netcdf := []filter{{id: filterFletcher32}, filters[0], filters[1]}
	p8, err := newCodecPlan(netcdf, 0, 8, nil)
	if err != nil || !p8.reencodeAll {
		t.Fatalf("plan %+v, %v: want reencodeAll", p8, err)
	}
	withSum, _ := encodeFilter(netcdf[0], raw, 8)
	stored, _ = encodeFilter(netcdf[2], codec.Shuffle(nil, withSum, 8), 8)
	got, err = p8.reencode(stored, 0, 8, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if back, _ := decodeFilter(filters[1], got, 8, 1<<20); !bytes.Equal(codec.Unshuffle(nil, back, 8), raw) {
		t.Errorf("re-encoded netCDF chunk decodes to %v", codec.Unshuffle(nil, back, 8))
	}
	// A corrupt stored chunk is an error, not a panic.
	if _, err := plan.reencode([]byte{1, 2, 3}, 0, 8, 1<<20); err == nil {
		t.Error("corrupt deflate stream re-encoded without error")
	}
}

// TestReencodeDeflateThenShuffle: HDF5 shuffles the compressed bytes, tail
// left in place; the re-encoded chunk decodes with numcodecs' order.
func TestReencodeDeflateThenShuffle(t *testing.T) {
	raw := make([]byte, 8*50)
	for i := range raw {
		raw[i] = byte(i * 7 % 13)
	}
	deflate := filter{id: filterDeflate, params: []uint32{5}}
	shuf := filter{id: filterShuffle, params: []uint32{8}}
	z, err := encodeFilter(deflate, raw, 8)
	if err != nil {
		t.Fatal(err)
	}
	if len(z)%8 == 0 {
		t.Fatalf("compressed size %d is a multiple of 8: not the case under test", len(z))
	}
	stored := codec.Shuffle(nil, z, 8) // HDF5: the tail stays
	p, err := newCodecPlan([]filter{deflate, shuf}, 0, 8, nil)
	if err != nil || !p.reencodeAll {
		t.Fatalf("plan %+v, %v: want every chunk re-encoded", p, err)
	}
	got, err := p.reencode(stored, 0, 8, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	back, err := unfilter(p.target, got, 0, 8, 1<<20)
	if err != nil || !bytes.Equal(back, raw) {
		t.Fatalf("re-encoded chunk decodes to %d bytes (%v), want the data", len(back), err)
	}
}
