package hdf5scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"gokerchunk/codec"
	"gokerchunk/format"
	"gokerchunk/refs"
)

const zfpFixture = fixtureDir + "features/h5_zfp.h5"

// TestZFP: every zfp dataset reads back through the references (the zarr
// package's zfpy codec) as h5py reads the file (libhdf5 with H5Z-ZFP), and
// the chunks are what numcodecs' zfpy reads: inline, each a zfp stream
// with its header in front; mask_f4, which has a chunk zfp skipped, is
// decoded and inlined with zlib; fill_f4's never-written chunks are
// constant zfp streams.
func TestZFP(t *testing.T) {
	res := compareWithH5pyValues(t, zfpFixture)
	if len(res.Skipped)+len(res.Damaged) != 0 {
		t.Fatalf("skipped %v, damaged %v", res.Skipped, res.Damaged)
	}
	for name, bits := range map[string]int{
		"expert_f8": 148, "accuracy_3d_f4": 96, "precision_i4": 96, "reversible_i8_4d": 96, "reversible_u4": 96,
		"rate_fletcher32_f4": 96, "rate_deflate_f8": 96, "fill_f4": 96,
	} {
		a := res.Set.Arrays[name]
		if len(a.ZArray.Filters) != 1 || a.ZArray.Filters[0].ID() != "zfpy" || a.ZArray.Compressor != nil {
			t.Errorf("%s: filters %v, compressor %v; want zfpy alone", name, a.ZArray.Filters, a.ZArray.Compressor)
			continue
		}
		for i, target := range a.Target {
			if target != refs.InlineChunk {
				t.Errorf("%s: chunk %d is not inline", name, i)
				break
			}
			h, err := codec.ReadZFPHeader(a.Inline[i])
			want := bits
			if name == "fill_f4" && i >= 3 {
				want = 96 // a constant stream, reversible
			}
			if err != nil || h.Bits != want || len(a.Inline[i])%8 != 0 {
				t.Errorf("%s: chunk %d: %d bytes, header %+v, %v", name, i, len(a.Inline[i]), h, err)
				break
			}
		}
	}
	if f := res.Set.Arrays["mask_f4"].ZArray.Filters; len(f) != 1 || f[0].ID() != "zlib" {
		t.Errorf("mask_f4: filters %v, want the decoded chunks in zlib", f)
	}
	// zfpy's modes: 1 expert (no numcodecs parameters), 2 rate, 3
	// precision, 4 accuracy (reversible with tolerance -1).
	modes := map[string]int{"fill_f4": 2, "expert_f8": 1, "precision_i4": 3, "accuracy_3d_f4": 4, "reversible_u4": 4}
	for name, mode := range modes {
		if c := res.Set.Arrays[name].ZArray.Filters[0]; c["mode"] != mode {
			t.Errorf("%s: zfpy %v, want mode %v", name, c, mode)
		}
	}

	// The two zfp datasets of h5_plugin_filters.h5 (whose zstd datasets
	// h5py cannot read).
	compareWithH5pyValues(t, fixtureDir+"features/h5_plugin_filters.h5", "zfp_rate_f8", "zfp_reversible_f4")
}

// TestZFPInlineBudget: zfp chunks count against Options.MaxDecodedInline
// as they are inlined (header and stream), decoded ones as decoded; past
// it the dataset is unsupported, saying why.
func TestZFPInlineBudget(t *testing.T) {
	res, err := scanBytes(readFixture(t, zfpFixture), zfpFixture, Options{SkipUnsupported: true, MaxDecodedInline: 1500})
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, ue := range res.Skipped {
		reasons[ue.Path] = ue.Feature
	}
	// reversible_i8_4d holds 10 KB of zfp chunks, mask_f4 1280 bytes
	// decoded; precision_i4's 3 chunks fit.
	if r := reasons["/reversible_i8_4d"]; !strings.Contains(r, "cannot put the zfp header") || !strings.Contains(r, "too large") {
		t.Errorf("reversible_i8_4d: %q", r)
	}
	if r := reasons["/expert_f8"]; !strings.Contains(r, "zfpy") {
		t.Errorf("expert_f8: %q", r)
	}
	if _, ok := res.Set.Arrays["precision_i4"]; !ok {
		t.Errorf("precision_i4 (%q) left out", reasons["/precision_i4"])
	}
	res, err = scanBytes(readFixture(t, zfpFixture), zfpFixture, Options{SkipUnsupported: true, MaxDecodedInline: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, ue := range res.Skipped {
		if ue.Path == "/mask_f4" && !strings.Contains(ue.Feature, "chunks stored without zfp (filter mask 0x1)") {
			t.Errorf("mask_f4: %q", ue.Feature)
		}
	}
	if !slices.ContainsFunc(res.Skipped, func(ue *format.UnsupportedError) bool { return ue.Path == "/mask_f4" }) {
		t.Errorf("mask_f4 (1280 bytes decoded) inlined within 1000 bytes")
	}
}

// TestZFPClientData damages the zfp filter's client data of one dataset at
// a time, the header checksum fixed: a header that does not parse or that
// describes another field leaves the dataset out as damaged, a codec
// version zfp 1.x cannot read as unsupported; the rest of the file scans.
func TestZFPClientData(t *testing.T) {
	orig, err := scanBytes(readFixture(t, zfpFixture), zfpFixture, Options{SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		word        int // the cd_values entry changed
		change      func(uint32) uint32
		unsupported bool
		reason      string
	}{
		{"no magic", 1, func(w uint32) uint32 { return w ^ 0x0100 }, false, "no zfp header"},
		{"codec 6", 0, func(uint32) uint32 { return 0x10106110 }, true, "zfp codec version 6"},
		{"another field", 2, func(w uint32) uint32 { return w ^ 0x10 }, false, "the zfp header describes"},
		{"another type", 2, func(w uint32) uint32 { return w ^ 0x1 }, false, "the zfp header describes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := readFixture(t, zfpFixture)
			s, _ := walkFixture(t, zfpFixture)
			o := s.objectAt(t, "/rate_deflate_f8")
			m, ok := o.header.find(msgFilterPipeline)
			if !ok {
				t.Fatal("no filter pipeline message")
			}
			at := int64(bytes.Index(m.data, binary.LittleEndian.AppendUint32(nil, 0x10005110)))
			if at < 0 {
				t.Fatal("no zfp cd_values")
			}
			off := m.off + at + 4*int64(tc.word)
			binary.LittleEndian.PutUint32(b[off:], tc.change(binary.LittleEndian.Uint32(b[off:])))
			start, end := headerChunk0(b, s.f.abs(o.addr))
			if off >= end {
				t.Fatal("the message is not in chunk 0")
			}
			rewriteChecksum(b, uint64(start), uint64(end))

			res, noSkip := scanPatched(t, zfpFixture, b)
			if tc.unsupported {
				if len(res.Skipped) != 1 || res.Skipped[0].Path != "/rate_deflate_f8" || !strings.Contains(res.Skipped[0].Feature, tc.reason) {
					t.Fatalf("skipped %v, want rate_deflate_f8: %s", res.Skipped, tc.reason)
				}
				var ue *format.UnsupportedError
				if !errors.As(noSkip, &ue) {
					t.Errorf("without skip: %v", noSkip)
				}
			} else {
				if len(res.Damaged) != 1 || res.Damaged[0].Path != "/rate_deflate_f8" || !strings.Contains(res.Damaged[0].Error(), tc.reason) ||
					!strings.Contains(res.Damaged[0].Error(), "filter pipeline message at offset") {
					t.Fatalf("damaged %v, want rate_deflate_f8: %s", res.Damaged, tc.reason)
				}
				var de *format.DamagedError
				if !errors.As(noSkip, &de) {
					t.Errorf("without skip: %v", noSkip)
				}
			}
			sameArraysBut(t, res, orig, "rate_deflate_f8")
		})
	}
}

// TestZFPChunkDoesNotDecode: mask_f4's chunks are decoded (zfp skipped
// one), and one that does not decode costs that dataset only. (The zfpy
// datasets pass their chunks on undecoded, as readers get them from the
// file.)
func TestZFPChunkDoesNotDecode(t *testing.T) {
	c := h5pyChunks(t, zfpFixture, "mask_f4")["mask_f4"][0]
	if c.Mask != 0 {
		t.Fatalf("chunk 0 has mask %d, want a zfp chunk", c.Mask)
	}
	b := readFixture(t, zfpFixture)
	orig, err := scanBytes(b, zfpFixture, Options{SkipUnsupported: true})
	if err != nil {
		t.Fatal(err)
	}
	// All ones: every block claims 32 bit planes of 16 significant
	// coefficients, more bits than the chunk holds.
	for i := range c.Size {
		b[c.Addr+i] = 0xff
	}
	res, noSkip := scanPatched(t, zfpFixture, b)
	var de *format.DamagedError
	if !errors.As(noSkip, &de) || de.Path != "/mask_f4" {
		t.Errorf("without skip: %v", noSkip)
	}
	if len(res.Damaged) != 1 || res.Damaged[0].Path != "/mask_f4" || !strings.Contains(res.Damaged[0].Error(), "hdf5-zfp: stream ends in block") {
		t.Fatalf("damaged %v", res.Damaged)
	}
	sameArraysBut(t, res, orig, "mask_f4")
}

// FuzzZFPClientData: any client data and chunk shape give a header or an
// error, never a panic.
func FuzzZFPClientData(f *testing.F) {
	f.Add(uint32(268456208), uint32(91252346), uint32(1879048343), uint32(4293918720), uint32(3270344767), uint32(526889), uint16(8), uint16(10), true)
	f.Add(uint32(268456208), uint32(91252346), uint32(805503053), uint32(2281702144), uint32(0), uint32(0), uint16(4), uint16(5), false)
	f.Fuzz(func(t *testing.T, w0, w1, w2, w3, w4, w5 uint32, c0, c1 uint16, float bool) {
		s := &scanner{f: &file{name: "fuzz.h5"}}
		dt := &datatype{class: classFixedPoint, size: 4, fullWidth: true}
		if float {
			dt = &datatype{class: classFloat, size: 8, ieee: true}
		}
		flt := filter{id: filterZFP, params: []uint32{w0, w1, w2, w3, w4, w5}}
		ds := &variable{dataset: &dataset{path: "/v", dtype: dt, filters: []filter{flt},
			layout: &layout{class: layoutChunked, chunk: []uint64{uint64(c0), uint64(c1)}}}, ztype: &zarrType{size: dt.size}}
		h, err := s.zfpHeader(ds, flt)
		if err == nil && (h.Elements() != int64(max(c0, 1))*int64(max(c1, 1)) || h.Type.Size() != dt.size) {
			t.Fatalf("header %+v accepted for chunks %d x %d of %s", h, c0, c1, dt)
		}
	})
}

func readFixture(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
