package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
)

// zfpVector is one stream of testdata/zfp.json.gz, written by zfp's C
// library, and the bytes that library decodes it to (testdata/gen_zfp.py):
// a zfpy stream (header in front) or, with cd_values, a chunk of H5Z-ZFP.
type zfpVector struct {
	Name     string
	CDValues []uint32 `json:"cd_values"`
	Encoded  []byte
	Decoded  []byte
}

var loadZFPVectors = sync.OnceValue(func() []zfpVector { return readVectors[zfpVector]("testdata/zfp.json.gz") })

func decodeZFPVector(v zfpVector, dst []byte, limit int) ([]byte, error) {
	if v.CDValues != nil {
		return HDF5ZFP(dst, v.Encoded, v.CDValues, limit)
	}
	return ZFP(dst, v.Encoded, limit)
}

func TestZFPVectors(t *testing.T) {
	vectors := loadZFPVectors()
	if len(vectors) < 300 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	// The generator's cases that must be there, so that a change to it
	// cannot quietly drop one.
	for _, name := range []string{
		"zfpy/i4_37_smooth_reversible", "zfpy/i8_2x5x3x6_range_rate16", "zfpy/f4_3x6x5_random_reversible",
		"zfpy/f8_9x13_range_acc1e-3", "zfpy/f8_1x5_zero_rate4", "zfpy/f4_2x5x3x6_smooth_prec9",
		"zfpy/f8_37_smooth_acc0", "h5z/expert_f8_2d/", "h5z/expert_f4_3d/", "h5z/expert_i4_2d/",
		"h5z/acc_f4_unit_dims/", "h5z/reversible_i8_4d/", "fixture/h5_plugin_filters.h5/zfp_rate_f8/",
		"fixture/h5_plugin_filters.h5/zfp_reversible_f4/", "fixture/h5_zfp.h5/expert_f8/",
		"fixture/h5_zfp.h5/reversible_u4/",
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
		got, err := decodeZFPVector(v, nil, len(v.Decoded))
		if err != nil {
			t.Errorf("%s: %v", v.Name, err)
			continue
		}
		if !bytes.Equal(got, v.Decoded) {
			t.Errorf("%s: decoded %d bytes differ from zfp's %d (first difference at %d)",
				v.Name, len(got), len(v.Decoded), firstDiff(got, v.Decoded))
			continue
		}
		dst := make([]byte, 3, len(v.Decoded)+10)
		if got, err := decodeZFPVector(v, dst, len(v.Decoded)); err != nil || !bytes.Equal(got, v.Decoded) || &got[0] != &dst[:1][0] {
			t.Errorf("%s into a buffer: %v", v.Name, err)
		}
		if _, err := decodeZFPVector(v, nil, len(v.Decoded)-1); err == nil {
			t.Errorf("%s: no error with a limit one byte short", v.Name)
		}
	}
}

// A stream cut short is an error, never values: zfp reads exactly the bits
// it wrote, so every stream ends in its last block (or in the padding of
// its last byte).
func TestZFPTruncated(t *testing.T) {
	for _, v := range loadZFPVectors() {
		full := v.Encoded
		start := 0
		if v.CDValues == nil {
			start = 12 // the shortest header
		}
		for _, n := range []int{start, (start + len(full)) / 2, len(full) - 1} {
			if n < start || n >= len(full) {
				continue
			}
			cut := zfpVector{Name: v.Name, CDValues: v.CDValues, Encoded: full[:n:n]}
			got, err := decodeZFPVector(cut, nil, len(v.Decoded))
			var fe *FormatError
			if err == nil {
				// The last byte may be padding: what decodes must then
				// be the values.
				if n == len(full)-1 && bytes.Equal(got, v.Decoded) {
					continue
				}
				t.Errorf("%s cut to %d of %d bytes: %d bytes without an error", v.Name, n, len(full), len(got))
			} else if !errors.As(err, &fe) {
				t.Errorf("%s cut to %d bytes: %v, want a FormatError", v.Name, n, err)
			}
		}
	}
}

// Stream puts a header in front of a bare H5Z-ZFP chunk: what ZFP (and
// zfpy) decode to the chunk's values, for 96- and 148-bit headers alike.
func TestZFPStream(t *testing.T) {
	long, short := 0, 0
	for _, v := range loadZFPVectors() {
		if v.CDValues == nil {
			continue
		}
		h, err := HDF5ZFPHeader(v.CDValues)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		switch h.Bits {
		case 96:
			short++
		case 148:
			long++
		default:
			t.Fatalf("%s: a %d-bit header", v.Name, h.Bits)
		}
		s := h.Stream(nil, v.Encoded)
		if len(s)%8 != 0 || len(s) < (h.Bits+8*len(v.Encoded)+7)/8 {
			t.Errorf("%s: %d bytes for a %d-bit header and %d bytes", v.Name, len(s), h.Bits, len(v.Encoded))
		}
		got, err := ZFP(nil, s, len(v.Decoded))
		if err != nil || !bytes.Equal(got, v.Decoded) {
			t.Errorf("%s: the stream with its header decodes to %d bytes, %v", v.Name, len(got), err)
		}
		again, err := ReadZFPHeader(s)
		if err != nil || again.Bits != h.Bits || again.Type != h.Type || again.MaxBits != h.MaxBits || again.MinExp != h.MinExp {
			t.Errorf("%s: header read back %+v, %v; want %+v", v.Name, again, err, h)
		}
	}
	if long == 0 || short == 0 {
		t.Errorf("%d chunks with 148-bit headers, %d with 96-bit ones: want both", long, short)
	}
}

func TestZFPHeaders(t *testing.T) {
	// cd_values of h5_plugin_filters.h5's zfp_rate_f8 (H5Z-ZFP 1.1.0 over
	// zfp 1.0.0): fixed rate 16 on an 8 x 10 double field.
	rate := []uint32{268456208, 91252346, 1879048343, 267386880}
	h, err := HDF5ZFPHeader(rate)
	if err != nil {
		t.Fatal(err)
	}
	if h.Type != ZFPDouble || len(h.Shape) != 2 || h.Shape[0] != 8 || h.Shape[1] != 10 || h.Mode() != ZFPFixedRate || h.MaxBits != 256 || h.Bits != 96 {
		t.Errorf("rate 16 header: %+v mode %d", h, h.Mode())
	}
	// The same words written by a big-endian machine.
	swapped := []uint32{rate[0]}
	for _, w := range rate[1:] {
		swapped = append(swapped, w>>24|w>>8&0xff00|w<<8&0xff0000|w<<24)
	}
	if hb, err := HDF5ZFPHeader(swapped); err != nil || hb.Type != h.Type || hb.MaxBits != h.MaxBits {
		t.Errorf("byte-swapped cd_values: %+v, %v", hb, err)
	}
	rev, err := HDF5ZFPHeader([]uint32{268456208, 91252346, 1879048342, 2281701376})
	if err != nil || rev.Mode() != ZFPReversible || rev.Type != ZFPFloat {
		t.Errorf("reversible header: %+v, %v", rev, err)
	}

	for _, tt := range []struct {
		name        string
		cd          []uint32
		unsupported bool
		want        string
	}{
		{"no header", rate[:1], false, "1 cd_values"},
		{"short header", rate[:3], false, "3 cd_values"},
		{"not zfp", []uint32{rate[0], 1, 2, 3}, false, "no zfp header"},
		{"codec 4 in the magic", []uint32{rate[0], 91252346 - 1<<24, rate[2], rate[3]}, true, "zfp codec version 4"},
		{"zfp 0.4 wrote it", []uint32{0x00410080, rate[1], rate[2], rate[3]}, true, "zfp codec version 4"},
		{"zfp 1.x, codec 6", []uint32{0x10106110, rate[1], rate[2], rate[3]}, true, "zfp codec version 6"},
		{"rate 2048 bits per block", []uint32{rate[0], rate[1], rate[2], rate[3]&^0xfff00000 | 2047<<20}, false, ""},
		{"long mode cut", []uint32{rate[0], rate[1], rate[2], rate[3] | 0xfff00000}, false, "cannot hold a zfp header"},
		// A 64-bit mode: 0xfff at bit 84, then minbits-1 (15 bits),
		// maxbits-1 (15 bits), maxprec-1 (7), minexp+16495 (15).
		{"long mode, minbits over maxbits", []uint32{rate[0], rate[1], rate[2], rate[3] | 0xfff00000, 9 | 4<<15, 0}, false, "invalid parameters"},
		{"long mode", []uint32{rate[0], rate[1], rate[2], rate[3] | 0xfff00000, 4 | 9<<15 | 3<<30, 1 | 16495<<5}, false, ""},
	} {
		h, err := HDF5ZFPHeader(tt.cd)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		var ue *UnsupportedError
		var fe *FormatError
		switch {
		case err == nil:
			t.Errorf("%s: header %+v, want an error", tt.name, h)
		case !strings.Contains(err.Error(), tt.want):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		case tt.unsupported && !errors.As(err, &ue), !tt.unsupported && !errors.As(err, &fe):
			t.Errorf("%s: %T %v", tt.name, err, err)
		}
	}
}

// Constant makes a reversible stream of one value, in every type and
// dimensionality, partial blocks included: what the scanner stores for
// never-written chunks of a zfp dataset.
func TestZFPConstant(t *testing.T) {
	values := map[ZFPType][]uint64{
		ZFPInt32:  {0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 12345},
		ZFPInt64:  {0, 1, 1<<64 - 1, 1 << 63, 1<<63 - 1, 0xdeadbeef12345},
		ZFPFloat:  {0, uint64(math.Float32bits(-999.5)), 0x80000000, 0x7fc00001, 0x7f800000, 1, uint64(math.Float32bits(1e-40))},
		ZFPDouble: {0, math.Float64bits(-999.5), 1 << 63, 0x7ff8000000000001, 0xfff0000000000000, 1, math.Float64bits(3.5e300)},
	}
	for _, shape := range [][]int{{1}, {37}, {8, 10}, {1, 5}, {3, 6, 5}, {2, 5, 3, 6}, {4, 4, 4, 4}} {
		for typ, vs := range values {
			for _, v := range vs {
				size := typ.Size()
				elem := binary.LittleEndian.AppendUint64(nil, v)[:size]
				h := &ZFPHeader{Type: typ, Shape: shape}
				s := h.Constant(elem)
				got, err := ZFP(nil, s, 1<<20)
				want := bytes.Repeat(elem, int(h.Elements()))
				if err != nil || !bytes.Equal(got, want) {
					t.Errorf("%s %v of %#x: %d bytes, %v", typ, shape, v, len(got), err)
				}
				if hs, err := ReadZFPHeader(s); err != nil || hs.Mode() != ZFPReversible || len(s)%8 != 0 {
					t.Errorf("%s %v: header %+v, %v", typ, shape, hs, err)
				}
			}
		}
	}
}

// The coefficient orders are permutations, by the sum of the coordinates.
func TestZFPPerms(t *testing.T) {
	for d, perm := range zfpPerms {
		dims := d + 1
		if len(perm) != 1<<(2*dims) {
			t.Fatalf("%d-d: %d entries", dims, len(perm))
		}
		seen := map[uint8]bool{}
		last := 0
		for _, p := range perm {
			sum := int(p&3 + p>>2&3 + p>>4&3 + p>>6&3)
			if seen[p] || sum < last {
				t.Fatalf("%d-d: %v is no order by sequency", dims, perm)
			}
			seen[p], last = true, sum
		}
	}
}

// FuzzZFP: any stream and any header words decode within the limit or
// fail, without a panic.
func FuzzZFP(f *testing.F) {
	for i, v := range loadZFPVectors() {
		if i%16 == 0 {
			if v.CDValues != nil {
				var hdr []uint32
				hdr = append(hdr, v.CDValues...)
				for len(hdr) < 6 {
					hdr = append(hdr, 0)
				}
				f.Add(v.Encoded, hdr[1], hdr[2], hdr[3], hdr[4], hdr[5])
			} else {
				f.Add(v.Encoded, uint32(0), uint32(0), uint32(0), uint32(0), uint32(0))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte, w1, w2, w3, w4, w5 uint32) {
		const limit = 1 << 16
		out, err := ZFP(nil, src, limit)
		if err == nil && (len(out) > limit || overlaps(out, src)) {
			t.Fatalf("%d bytes", len(out))
		}
		out, err = HDF5ZFP(nil, src, []uint32{0x10005110, w1, w2, w3, w4, w5}, limit)
		if err == nil && (len(out) > limit || overlaps(out, src)) {
			t.Fatalf("%d bytes", len(out))
		}
		if h, err := HDF5ZFPHeader([]uint32{0x10005110, w1, w2, w3, w4, w5}); err == nil {
			s := h.Stream(nil, src)
			if _, err := ReadZFPHeader(s); err != nil {
				t.Fatalf("the header of a stream Stream made does not read back: %v", err)
			}
		}
	})
}
