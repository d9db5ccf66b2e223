package codec

import (
	"bytes"
	"encoding/binary"
	"strings"
	"sync"
	"testing"
)

// szipVector is one chunk of testdata/szip.json.gz, written by libhdf5
// with its szip filter over libaec, and the bytes libhdf5 decodes it to
// (see testdata/gen_szip.py).
type szipVector struct {
	Name     string
	CDValues []uint32 `json:"cd_values"`
	Encoded  []byte
	Decoded  []byte
}

var loadSzipVectors = sync.OnceValue(func() []szipVector { return readVectors[szipVector]("testdata/szip.json.gz") })

func TestSzipVectors(t *testing.T) {
	vectors := loadSzipVectors()
	if len(vectors) < 200 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	// The generator's cases that must be there, so that a change to it
	// cannot quietly drop one.
	for _, name := range []string{
		"nn_i1_random_ppb8_20x30/", "ec_beu2_smooth_ppb16_600/", "nn_lef4_random_ppb32_6x70/",
		"ec_bef8_constant_ppb8_20x30/", "nn_lei8_smooth_ppb16_600/", "nn_lei2_smooth_ppb8_30x5/",
		"ec_lei4_smooth_ppb8_3000/", "ec_lef8_random_ppb8_20x30/", "nn_leu2_zero_ppb32_4000/", "fixture_szip_nn_f4/",
		"fixture_szip_ec_f4/", "fixture_szip_nn_i2/",
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
		got, err := Szip(nil, v.Encoded, v.CDValues, len(v.Decoded))
		if err != nil {
			t.Errorf("%s (cd_values %v): %v", v.Name, v.CDValues, err)
			continue
		}
		if !bytes.Equal(got, v.Decoded) {
			t.Errorf("%s (cd_values %v): decoded %d bytes differ from libhdf5's %d (first difference at %d)",
				v.Name, v.CDValues, len(got), len(v.Decoded), firstDiff(got, v.Decoded))
			continue
		}
		// Into a large enough buffer, which is reused.
		dst := make([]byte, 3, len(v.Decoded)+10)
		if got, err := Szip(dst, v.Encoded, v.CDValues, len(v.Decoded)); err != nil || !bytes.Equal(got, v.Decoded) || &got[0] != &dst[:1][0] {
			t.Errorf("%s into a buffer: %v", v.Name, err)
		}
		if _, err := Szip(nil, v.Encoded, v.CDValues, len(v.Decoded)-1); err == nil {
			t.Errorf("%s: no error with a limit one byte short", v.Name)
		}
		// The stream cut anywhere in its first half never decodes (its
		// end may be padding the decoder never reads).
		for _, n := range []int{0, 3, 4, 5, len(v.Encoded) / 2} {
			if got, err := Szip(nil, v.Encoded[:n:n], v.CDValues, len(v.Decoded)); err == nil && len(v.Decoded) > 0 {
				t.Errorf("%s cut to %d bytes: %d bytes without an error", v.Name, n, len(got))
			}
		}
	}
}

func TestSzipErrors(t *testing.T) {
	v := loadSzipVectors()[0]
	short := bytes.Clone(v.Encoded)
	binary.LittleEndian.PutUint32(short, 3)
	for _, tt := range []struct {
		name    string
		src     []byte
		cd      []uint32
		wantErr string
	}{
		{"3 cd_values", v.Encoded, v.CDValues[:3], "3 cd_values"},
		{"odd block", v.Encoded, []uint32{v.CDValues[0], 7, v.CDValues[2], v.CDValues[3]}, "7 pixels per block"},
		{"block 128", v.Encoded, []uint32{v.CDValues[0], 128, v.CDValues[2], v.CDValues[3]}, "128 pixels per block"},
		{"48 bits", v.Encoded, []uint32{v.CDValues[0], 8, 48, v.CDValues[3]}, "48 bits per pixel"},
		{"0 bits", v.Encoded, []uint32{v.CDValues[0], 8, 0, v.CDValues[3]}, "0 bits per pixel"},
		{"0 scanline", v.Encoded, []uint32{v.CDValues[0], 8, 8, 0}, "0 pixels per scanline"},
		{"partial pixel", short, []uint32{v.CDValues[0], 8, 16, 30}, "not a whole number of 2-byte pixels"},
		{"partial plane", short, []uint32{v.CDValues[0], 8, 32, 30}, "not a whole number of 4-byte pixels"},
		{"over the limit", v.Encoded, v.CDValues, "more than 10 bytes"},
	} {
		if _, err := Szip(nil, tt.src, tt.cd, 10); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
	// A run of zero blocks longer than the interval: ID 000, 0 (zero
	// blocks), FS of 5 zeros (6 blocks) with 4-block scanlines.
	run := []byte{32, 0, 0, 0, 0b000_0_0000, 0b01_000000}
	if _, err := Szip(nil, run, []uint32{0, 8, 8, 32}, 32); err == nil || !strings.Contains(err.Error(), "passes the end") {
		t.Errorf("long zero run: %v", err)
	}
	// A second-extension value over 90: ID 000, 1, FS of 91 zeros (4 + 80
	// + 7) and a 1.
	se := append([]byte{8, 0, 0, 0, 0b000_1_0000}, make([]byte, 10)...)
	se = append(se, 0x01)
	if _, err := Szip(nil, se, []uint32{0, 8, 8, 8}, 8); err == nil || !strings.Contains(err.Error(), "second-extension value 91") {
		t.Errorf("second extension 91: %v", err)
	}
}

func FuzzSzip(f *testing.F) {
	for i, v := range loadSzipVectors() {
		if i%8 == 0 {
			f.Add(v.Encoded, v.CDValues[0], v.CDValues[1], v.CDValues[2], v.CDValues[3])
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, opts, ppb, bpp, ppsl uint32) {
		const limit = 1 << 16
		out, err := Szip(nil, src, []uint32{opts, ppb % 80, bpp % 70, ppsl % 3000}, limit)
		if err == nil && (len(out) > limit || overlaps(out, src)) {
			t.Fatalf("%d bytes", len(out))
		}
	})
}

// BenchmarkSzip decodes the largest chunks libhdf5 wrote (there is no Go
// encoder to make larger ones): split and second-extension blocks of 4-byte
// samples, 8-byte floats coded as byte planes, and runs of zero blocks.
func BenchmarkSzip(b *testing.B) {
	for _, name := range []string{
		"nn_lei4_smooth_ppb8_3000/0", "ec_lei4_smooth_ppb8_3000/0", "nn_lef8_random_ppb16_600/0",
		"nn_lef8_smooth_ppb16_600/0", "nn_leu2_zero_ppb32_4000/0",
	} {
		var v *szipVector
		for i := range loadSzipVectors() {
			if loadSzipVectors()[i].Name == name {
				v = &loadSzipVectors()[i]
			}
		}
		if v == nil {
			b.Fatalf("no vector %s", name)
		}
		b.Run(name, func(b *testing.B) {
			n := len(v.Decoded)
			dst := make([]byte, n)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Szip(dst, v.Encoded, v.CDValues, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
