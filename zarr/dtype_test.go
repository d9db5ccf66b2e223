package zarr

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestParseDType(t *testing.T) {
	tests := []struct {
		in      string
		want    DType
		wantErr string
	}{
		{in: "<f4", want: DType{Kind: 'f', Size: 4}},
		{in: ">f8", want: DType{Kind: 'f', Size: 8, BigEndian: true}},
		{in: "<f2", want: DType{Kind: 'f', Size: 2}},
		{in: ">i2", want: DType{Kind: 'i', Size: 2, BigEndian: true}},
		{in: "<i8", want: DType{Kind: 'i', Size: 8}},
		{in: "|u1", want: DType{Kind: 'u', Size: 1}},
		{in: ">u1", want: DType{Kind: 'u', Size: 1}}, // one byte has no order
		{in: "|b1", want: DType{Kind: 'b', Size: 1}},
		{in: "|S1", want: DType{Kind: 'S', Size: 1}},
		{in: ">S12", want: DType{Kind: 'S', Size: 12}},
		{in: "|V6", want: DType{Kind: 'V', Size: 6}},
		{in: "<U3", want: DType{Kind: 'U', Size: 12}},
		{in: ">U1", want: DType{Kind: 'U', Size: 4, BigEndian: true}},
		{in: "<c16", want: DType{Kind: 'c', Size: 16}},
		{in: "<M8[ns]", want: DType{Kind: 'M', Size: 8}},
		{in: ">m8[s]", want: DType{Kind: 'm', Size: 8, BigEndian: true}},
		{in: "=i4", want: DType{Kind: 'i', Size: 4}},
		{in: "|O", want: DType{Kind: 'O'}},
		{in: "|O8", want: DType{Kind: 'O'}},
		{in: `[["a", "<f4"]]`, wantErr: "JSON list, not a string"},
		{in: "|O4", wantErr: "bad object item size"},
		{in: "<i3", wantErr: "not an item size"},
		{in: "<f16", wantErr: "not an item size"},
		{in: "<b2", wantErr: "not an item size"},
		{in: "<S0", wantErr: "bad item size"},
		{in: "<S-1", wantErr: "bad item size"},
		{in: "<i+4", wantErr: "bad item size"},
		{in: "f4", wantErr: "byte order"},
		{in: "<x4", wantErr: "unknown kind"},
		{in: "<M8[ns", wantErr: "datetime unit"},
		{in: "<", wantErr: "too short"},
		{in: "", wantErr: "too short"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDType(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDType(%q) = %+v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			tt.want.Str = tt.in
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDType(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDTypeJSON(t *testing.T) {
	i4 := DType{Kind: 'i', Size: 4, Str: "<i4"}
	f8 := DType{Kind: 'f', Size: 8, Str: "<f8"}
	u1 := DType{Kind: 'u', Size: 1, Str: "|u1"}
	tests := []struct {
		in      string
		want    DType
		wantErr string
	}{
		{in: `"<f8"`, want: f8},
		{in: ` ">c16" `, want: DType{Kind: 'c', Size: 16, BigEndian: true, Str: ">c16"}},
		{in: `"|O"`, want: DType{Kind: 'O', Str: "|O"}},
		{
			// zarr-python's form of a compound with gaps: padding fields.
			in: `[["a", "<i4"], ["", "|V4"], ["b", "<f8"], ["", "|V8"]]`,
			want: DType{Kind: 'V', Size: 24, Str: `[["a","<i4"],["","|V4"],["b","<f8"],["","|V8"]]`, Fields: []Field{
				{Name: "a", Offset: 0, DType: i4},
				{Name: "", Offset: 4, DType: DType{Kind: 'V', Size: 4, Str: "|V4"}},
				{Name: "b", Offset: 8, DType: f8},
				{Name: "", Offset: 16, DType: DType{Kind: 'V', Size: 8, Str: "|V8"}},
			}},
		},
		{
			in: `[["n", [["x", "|u1"], ["y", ">i2", [3]]]], ["arr", "<i4", [2, 3]], ["s", "<i4", 2]]`,
			want: DType{Kind: 'V', Size: 7 + 24 + 8, Str: `[["n",[["x","|u1"],["y",">i2",[3]]]],["arr","<i4",[2,3]],["s","<i4",2]]`, Fields: []Field{
				{Name: "n", Offset: 0, DType: DType{Kind: 'V', Size: 7, Str: `[["x","|u1"],["y",">i2",[3]]]`, Fields: []Field{
					{Name: "x", Offset: 0, DType: u1},
					{Name: "y", Offset: 1, DType: DType{Kind: 'i', Size: 2, BigEndian: true, Str: ">i2"}, Shape: []int64{3}},
				}}},
				{Name: "arr", Offset: 7, DType: i4, Shape: []int64{2, 3}},
				{Name: "s", Offset: 31, DType: i4, Shape: []int64{2}},
			}},
		},
		{in: `[]`, wantErr: "without fields"},
		{in: `[["a", "<i4", [0]]]`, wantErr: "item size 0"},
		{in: `[["a", "<i4"], ["a", "<f8"]]`, wantErr: `name "a" used twice`},
		{in: `[["a"]]`, wantErr: "not [name, dtype]"},
		{in: `[["a", "<i4", [1], 4]]`, wantErr: "not [name, dtype]"},
		{in: `[[1, "<i4"]]`, wantErr: "not a string"},
		{in: `[["a", 4]]`, wantErr: "neither a string nor a list"},
		{in: `[["a", "<i3"]]`, wantErr: `field "a": dtype "<i3"`},
		{in: `[["a", "|O"]]`, wantErr: "object fields"},
		{in: `[["a", "<i4", [-1]]]`, wantErr: "negative"},
		{in: `[["a", "<i4", ["x"]]]`, wantErr: "not a list of integers"},
		{in: `[["a", "<f8", [65536, 65536]]]`, wantErr: "exceeds"},
		{in: `[["a", "|V1073741824"], ["b", "|V1073741825"]]`, wantErr: "item size exceeds"},
		{in: `{"a": "<i4"}`, wantErr: "type string or a list"},
		{in: `[["a", "<i4"]`, wantErr: "unexpected end"},
		{in: strings.Repeat(`[["a", `, 40) + `"<i4"` + strings.Repeat(`]]`, 40), wantErr: "nested deeper"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDTypeJSON(json.RawMessage(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDTypeJSON(%s) = %+v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseDTypeJSON(%s) =\n%+v, %v; want\n%+v", tt.in, got, err, tt.want)
			}
		})
	}
}
