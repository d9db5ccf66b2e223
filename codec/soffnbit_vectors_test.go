package codec

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"sync"
	"testing"
)

// soffNbitVector is one chunk of testdata/soff_nbit.json.gz, written by
// libhdf5 with its scale-offset or n-bit filter, and the bytes libhdf5
// decodes it to (see testdata/gen_soff_nbit.py).
type soffNbitVector struct {
	Name       string
	Filter     string
	CDValues   []uint32 `json:"cd_values"`
	FilterMask uint32   `json:"filter_mask"`
	Encoded    []byte
	Decoded    []byte
}

var loadSoffNbitVectors = sync.OnceValue(func() []soffNbitVector { return readVectors[soffNbitVector]("testdata/soff_nbit.json.gz") })

func soffNbitVectorsOf(filter string) []soffNbitVector {
	var vs []soffNbitVector
	for _, v := range loadSoffNbitVectors() {
		if v.Filter == filter {
			vs = append(vs, v)
		}
	}
	return vs
}

func decodeSoffNbit(v soffNbitVector, dst, src []byte, limit int) ([]byte, error) {
	if v.Filter == "nbit" {
		return Nbit(dst, src, v.CDValues, limit)
	}
	return ScaleOffset(dst, src, v.CDValues, limit)
}

func TestSoffNbitVectors(t *testing.T) {
	vectors := loadSoffNbitVectors()
	if len(vectors) < 100 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	// The generator's cases that must be there, so that a change to it
	// cannot quietly drop one.
	for _, name := range []string{
		"scaleoffset/i4le_auto_fill/", "scaleoffset/i2be_fullrange_nofill/", "scaleoffset/i2le_minbits16/",
		"scaleoffset/i1_auto_fill/", "scaleoffset/i8le_auto_fill/", "scaleoffset/f4be_d3_nofill/",
		"scaleoffset/f8be_d3_defaultfill/", "scaleoffset/f4le_d0_nofill/", "scaleoffset/f8le_d2_fullrange_nofill/",
		"nbit/i4be_p17_o5/", "nbit/u1_p5_o2/", "nbit/f8be_p51_o5/", "nbit/f16be_longdouble_p80/",
		"nbit/i4le_fullprecision_noop/", "nbit/enum_noop/", "nbit/compound/", "nbit/array_i4be_p17_o5/",
		"nbit/compound_array_of_compound/",
	} {
		found := false
		for _, v := range vectors {
			found = found || strings.HasPrefix(v.Name, name)
		}
		if !found {
			t.Errorf("no vector %s*", name)
		}
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			if v.FilterMask != 0 {
				t.Fatalf("filter mask %#x: libhdf5 skipped the filter", v.FilterMask)
			}
			want := v.Decoded
			got, err := decodeSoffNbit(v, nil, v.Encoded, len(want))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("decoded %d bytes differ from libhdf5's %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
			if overlaps(got, v.Encoded) {
				t.Fatal("result shares storage with the input")
			}

			// Decoding into a large enough buffer of garbage reuses it.
			dst := bytes.Repeat([]byte{0xa5}, len(want)+100)[:7]
			got, err = decodeSoffNbit(v, dst, v.Encoded, len(want))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("into a buffer: %d bytes, %v", len(got), err)
			}
			if &got[0] != &dst[:1][0] {
				t.Error("a large enough dst was not used")
			}

			if got, err := decodeSoffNbit(v, nil, v.Encoded, len(want)-1); err == nil {
				t.Errorf("limit %d: got %d bytes without an error", len(want)-1, len(got))
			}
			if got, err := decodeSoffNbit(v, nil, v.Encoded, -1); err == nil {
				t.Errorf("limit -1: got %d bytes without an error", len(got))
			}

			// A truncated chunk never decodes to the data.
			for _, n := range []int{0, 1, len(v.Encoded) / 2} {
				cut := v.Encoded[:n:n]
				if got, err := decodeSoffNbit(v, nil, cut, len(want)); err == nil && bytes.Equal(got, want) {
					t.Errorf("truncated to %d bytes, still decodes to the data", n)
				}
			}
		})
	}
}

// readVectors reads a generator's gzipped {"Vectors": [...]} file; a
// missing or broken one is a bug of the checkout, so it panics.
func readVectors[T any](path string) []T {
	f, err := os.Open(path)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		panic(err)
	}
	var doc struct{ Vectors []T }
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		panic(err)
	}
	return doc.Vectors
}
