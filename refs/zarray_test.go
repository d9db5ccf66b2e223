package refs

import (
	"encoding/json"
	"testing"
)

// TestZArrayMarshalCanonical keeps the hand-written encoder identical to the
// generic canonical one.
func TestZArrayMarshalCanonical(t *testing.T) {
	for _, z := range []*ZArray{
		{ZarrFormat: 2, Shape: []int64{}, Chunks: []int64{}, DType: json.RawMessage(`"<f8"`), FillValue: FillFloat(0), Order: "C"},
		{ZarrFormat: 2, Shape: []int64{10, 3}, Chunks: []int64{5, 3}, DType: json.RawMessage(`">i2"`), FillValue: json.RawMessage(`-32767`), Order: "C",
			Filters: []Codec{{"id": "shuffle", "elementsize": 2}, {"id": "zlib", "level": 4}}, DimensionSeparator: "/"},
		{ZarrFormat: 2, Shape: []int64{4}, Chunks: []int64{4}, DType: json.RawMessage(`"|S1"`), Order: "C", Compressor: Codec{"id": "zstd", "level": 3}},
	} {
		got, err := z.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{"zarr_format": z.ZarrFormat, "shape": z.Shape, "chunks": z.Chunks, "dtype": z.DType,
			"fill_value": z.FillValue, "order": z.Order, "filters": nil, "compressor": nil}
		if len(z.Filters) > 0 {
			m["filters"] = z.Filters
		}
		if z.Compressor != nil {
			m["compressor"] = z.Compressor
		}
		if z.DimensionSeparator != "" {
			m["dimension_separator"] = z.DimensionSeparator
		}
		want, err := MarshalCanonical(m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("Marshal:\n got %s\nwant %s", got, want)
		}
		back, err := ParseZArray(got)
		if err != nil || len(back.Shape) != len(z.Shape) {
			t.Errorf("ParseZArray(%s): %v", got, err)
		}
	}
}
