package zarr

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"gokerchunk/refs"
)

// TestEncodeChunkRoundTrip encodes chunks with each codec chain combine
// writes and decodes them through the array's read pipeline.
func TestEncodeChunkRoundTrip(t *testing.T) {
	chunk := make([]byte, 4*250)
	for i := range 250 {
		binary.LittleEndian.PutUint32(chunk[4*i:], math.Float32bits(float32(i%17)*0.5))
	}
	for _, tc := range []struct {
		name       string
		compressor refs.Codec
		filters    []refs.Codec
	}{
		{name: "no codecs"},
		{name: "zlib", compressor: refs.Codec{"id": "zlib", "level": 9}},
		{name: "gzip", compressor: refs.Codec{"id": "gzip"}},
		{name: "shuffle then zlib as filters", filters: []refs.Codec{{"id": "shuffle", "elementsize": 4}, {"id": "zlib", "level": 4}}},
		{name: "fletcher32, shuffle and zlib (netCDF-4)", filters: []refs.Codec{{"id": "fletcher32"}, {"id": "shuffle", "elementsize": 4}, {"id": "zlib", "level": -1}}},
		{name: "shuffle and zlib", compressor: refs.Codec{"id": "zlib", "level": 1}, filters: []refs.Codec{{"id": "shuffle", "elementsize": 4}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			z := &refs.ZArray{ZarrFormat: 2, Shape: []int64{250}, Chunks: []int64{250}, Order: "C",
				DType: []byte(`"<f4"`), FillValue: []byte("null"), Compressor: tc.compressor, Filters: tc.filters}
			enc, err := EncodeChunk(z, chunk)
			if err != nil {
				t.Fatal(err)
			}
			if (tc.compressor != nil || len(tc.filters) > 0) && slices.Equal(enc, chunk) {
				t.Errorf("encoded chunk equals the decoded one")
			}
			stages, err := newPipeline(z)
			if err != nil {
				t.Fatal(err)
			}
			var scratch [2][]byte
			got, err := decodeStages(stages, enc, len(chunk)+decodeSlack, &scratch)
			if err != nil || !slices.Equal(got, chunk) {
				t.Errorf("decoded back: %v (equal %v)", err, slices.Equal(got, chunk))
			}
		})
	}
}

func TestCanEncode(t *testing.T) {
	for _, tc := range []struct {
		z    refs.ZArray
		want string
	}{
		{refs.ZArray{Order: "C", Compressor: refs.Codec{"id": "blosc"}}, `codec "blosc" has no encoder here`},
		{refs.ZArray{Order: "C", Filters: []refs.Codec{{"id": "delta", "dtype": "<i4"}}}, `codec "delta" has no encoder here`},
		{refs.ZArray{Order: "F"}, `order "F"`},
	} {
		if err := CanEncode(&tc.z); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CanEncode(%+v) = %v, want %q", tc.z, err, tc.want)
		}
		if _, err := EncodeChunk(&tc.z, []byte{1, 2, 3, 4}); err == nil {
			t.Errorf("EncodeChunk(%+v) encoded", tc.z)
		}
	}
}

func TestToByteOrder(t *testing.T) {
	dt := func(s string) DType {
		d, err := ParseDType(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		from, to string
		in, want []byte
	}{
		{">i2", "<i2", []byte{1, 2, 3, 4}, []byte{2, 1, 4, 3}},
		{"<f8", ">f8", []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{8, 7, 6, 5, 4, 3, 2, 1}},
		{"<c8", ">c8", []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{4, 3, 2, 1, 8, 7, 6, 5}}, // two float32 parts
		{"<U2", ">U2", []byte{1, 0, 0, 0, 2, 0, 0, 0}, []byte{0, 0, 0, 1, 0, 0, 0, 2}}, // two 4-byte characters
		{"<i4", "<i4", []byte{1, 2, 3, 4}, []byte{1, 2, 3, 4}},
		{"|S2", "|S2", []byte{1, 2}, []byte{1, 2}},
	} {
		b := slices.Clone(tc.in)
		if err := ToByteOrder(b, dt(tc.from), dt(tc.to)); err != nil || !slices.Equal(b, tc.want) {
			t.Errorf("%s -> %s: %v %v, want %v", tc.from, tc.to, b, err, tc.want)
		}
	}
	for _, pair := range [][2]string{{"<f4", "<i4"}, {"<f4", ">f8"}, {"<M8[s]", ">M8[ns]"}} {
		if SameValues(dt(pair[0]), dt(pair[1])) {
			t.Errorf("SameValues(%s, %s)", pair[0], pair[1])
		}
		if err := ToByteOrder(make([]byte, 8), dt(pair[0]), dt(pair[1])); err == nil {
			t.Errorf("ToByteOrder(%s, %s) converted", pair[0], pair[1])
		}
	}
}
