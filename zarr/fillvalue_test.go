package zarr

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestParseFill(t *testing.T) {
	tests := []struct {
		dtype   string
		fill    string // JSON, "" for absent
		want    string // hex; "nil" for no fill value
		wantErr string
	}{
		{dtype: "<f4", fill: "null", want: "nil"},
		{dtype: "<f4", fill: "", want: "nil"},
		{dtype: "<f4", fill: `"NaN"`, want: "0000c07f"},
		{dtype: ">f4", fill: `"NaN"`, want: "7fc00000"},
		{dtype: "<f8", fill: `"Infinity"`, want: "000000000000f07f"},
		{dtype: ">f8", fill: `"-Infinity"`, want: "fff0000000000000"},
		{dtype: "<f4", fill: "9.969209968386869e+36", want: "0000f07c"}, // netCDF's NC_FILL_FLOAT
		{dtype: ">f8", fill: "1.0", want: "3ff0000000000000"},
		{dtype: "<f8", fill: "0", want: "0000000000000000"},
		{dtype: "<f2", fill: "1.0", want: "003c"},
		{dtype: ">f2", fill: "-2.5", want: "c100"},
		{dtype: "<f2", fill: "65504", want: "ff7b"},
		{dtype: "<f2", fill: "65520", want: "007c"},                  // rounds to +Inf
		{dtype: "<f2", fill: "5.960464477539063e-08", want: "0100"},  // smallest subnormal
		{dtype: "<f2", fill: "2.9802322387695312e-08", want: "0000"}, // half of it: ties to even
		{dtype: "<f2", fill: `"NaN"`, want: "007e"},
		{dtype: "<f4", fill: `"nan"`, wantErr: "NaN"},
		{dtype: "<f4", fill: "true", wantErr: "want a number"},
		{dtype: "<i2", fill: "-1", want: "ffff"},
		{dtype: ">i4", fill: "-2147483647", want: "80000001"},
		{dtype: "<i8", fill: "-9223372036854775806", want: "0200000000000080"},
		{dtype: "<i4", fill: "7.0", want: "07000000"},
		{dtype: "<i4", fill: "7.5", wantErr: "want an integer"},
		{dtype: "|i1", fill: "128", wantErr: "out of range"},
		{dtype: "|i1", fill: "-128", want: "80"},
		{dtype: ">u2", fill: "65535", want: "ffff"},
		{dtype: "<u2", fill: "65536", wantErr: "out of range"},
		{dtype: "<u8", fill: "18446744073709551615", want: "ffffffffffffffff"},
		{dtype: "<u4", fill: "-1", wantErr: "non-negative"},
		{dtype: "<i4", fill: `"1"`, wantErr: "want an integer"},
		{dtype: "<M8[ns]", fill: "-9223372036854775808", want: "0000000000000080"}, // NaT
		{dtype: "|b1", fill: "true", want: "01"},
		{dtype: "|b1", fill: "false", want: "00"},
		{dtype: "|b1", fill: "2", want: "01"},
		{dtype: "|S3", fill: `"YWI="`, want: "616200"}, // base64 of "ab", padded
		{dtype: "|S1", fill: `"YWJj"`, want: "61"},     // "abc", cut as numpy does
		{dtype: "|S1", fill: `""`, want: "00"},
		{dtype: "|S2", fill: "0", wantErr: "base64 string"},
		{dtype: "|S2", fill: `"not base64!"`, wantErr: "illegal base64"},
		{dtype: "|V2", fill: `"AQI="`, want: "0102"},
		{dtype: "<U2", fill: `"hé"`, want: "68000000e9000000"},
		{dtype: ">U1", fill: `"€"`, want: "000020ac"},
		{dtype: "<c8", fill: `[1.0, "NaN"]`, want: "0000803f0000c07f"},
		{dtype: "<c8", fill: `1.0`, wantErr: "[real, imag]"},
		{dtype: "<f4", fill: `{`, wantErr: "fill_value"},
	}
	for _, tt := range tests {
		t.Run(tt.dtype+" "+tt.fill, func(t *testing.T) {
			d, err := ParseDType(tt.dtype)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseFill(json.RawMessage(tt.fill), d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %x, %v; want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "nil" {
				if got != nil {
					t.Fatalf("got %x, want nil", got)
				}
				return
			}
			want, _ := hex.DecodeString(tt.want)
			if !bytes.Equal(got, want) {
				t.Fatalf("got %x, want %s", got, tt.want)
			}
		})
	}
}

// TestFloat16Bits checks the conversion against every finite half value:
// each must convert to itself, and the midpoint between two neighbours must
// round to the one with an even mantissa.
func TestFloat16Bits(t *testing.T) {
	half := func(h uint16) float64 {
		sign := 1.0
		if h&0x8000 != 0 {
			sign = -1
		}
		e := int(h>>10) & 0x1f
		m := float64(h & 0x3ff)
		if e == 0 {
			return sign * math.Ldexp(m, -24)
		}
		return sign * math.Ldexp(1+m/1024, e-15)
	}
	for h := uint16(0); h < 0x7c00; h++ {
		if got := float16Bits(half(h)); got != h {
			t.Fatalf("float16Bits(%g) = %#04x, want %#04x", half(h), got, h)
		}
		if got := float16Bits(-half(h)); got != h|0x8000 {
			t.Fatalf("float16Bits(%g) = %#04x, want %#04x", -half(h), got, h|0x8000)
		}
		if h+1 < 0x7c00 {
			mid := (half(h) + half(h+1)) / 2
			want := h
			if h&1 == 1 {
				want = h + 1
			}
			if got := float16Bits(mid); got != want {
				t.Fatalf("float16Bits(%g) = %#04x, want %#04x", mid, got, want)
			}
		}
	}
}
