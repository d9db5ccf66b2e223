package zarr

import (
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
		{in: `[["a", "<f4"]]`, wantErr: "structured dtypes are not supported"},
		{in: "|O", wantErr: "bad item size"},
		{in: "|O8", wantErr: "object arrays"},
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
			if err != nil || got != tt.want {
				t.Fatalf("ParseDType(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}
