package zarr

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gokerchunk/blob"
	"gokerchunk/internal/refstest"
	"gokerchunk/refs"
)

// setWith returns a set holding one array "v" with the given .zarray.
func setWith(zarray string) *refs.Set {
	s := refs.NewSet()
	if z, err := refs.ParseZArray([]byte(zarray)); err == nil {
		s.PutArray("v", z, nil, refs.NewManifest(z.Grid()))
	}
	return s
}

const zarrayF4 = `{"zarr_format": 2, "shape": [10], "chunks": [4], "dtype": "<f4", "fill_value": null,
	"order": "C", "filters": null, "compressor": {"id": "zlib", "level": 4}}`

func TestStoreArray(t *testing.T) {
	tests := []struct {
		name    string
		zarray  string
		wantErr string
	}{
		{name: "unknown compressor", zarray: strings.Replace(zarrayF4, `"zlib"`, `"lzma"`, 1), wantErr: `compressor: codec "lzma" is not supported`},
		{name: "unknown filter", zarray: strings.Replace(zarrayF4, `"filters": null`, `"filters": [{"id": "shuffle"}, {"id": "delta", "dtype": "<f4"}]`, 1), wantErr: `filter 1: codec "delta"`},
		{name: "bad shuffle", zarray: strings.Replace(zarrayF4, `"filters": null`, `"filters": [{"id": "shuffle", "elementsize": -2}]`, 1), wantErr: "elementsize -2"},
		{name: "object field", zarray: strings.Replace(zarrayF4, `"<f4"`, `[["a", "<f4"], ["b", "|O"]]`, 1), wantErr: "object fields are not supported"},
		{name: "bad dtype", zarray: strings.Replace(zarrayF4, `"<f4"`, `"<f3"`, 1), wantErr: "not an item size"},
		{name: "bad fill", zarray: strings.Replace(zarrayF4, `"fill_value": null`, `"fill_value": "nope"`, 1), wantErr: "fill_value"},
		{name: "huge chunks", zarray: strings.Replace(strings.Replace(zarrayF4, `[10]`, `[10, 10]`, 1), `[4]`, `[4294967296, 4294967296]`, 1), wantErr: "exceed"},
		{name: "no .zarray", zarray: "", wantErr: "no v/.zarray"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := setWith(tt.zarray)
			_, err := Open(set, nil).Array("v")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), `array "v"`) {
				t.Fatalf("error %v, want one naming the array and containing %q", err, tt.wantErr)
			}
		})
	}

	set := setWith(zarrayF4)
	set.Arrays["v"].Manifest = refs.NewManifest([]int{2})
	if _, err := Open(set, nil).Array("v"); err == nil || !strings.Contains(err.Error(), "manifest grid [2]") {
		t.Fatalf("grid mismatch: %v", err)
	}
}

func TestStoreArrays(t *testing.T) {
	set := setWith(zarrayF4)
	refstest.PutDoc(t, set, "grp/w/.zarray", []byte(zarrayF4)) // no manifest: all fill
	refstest.PutDoc(t, set, "grp/.zgroup", []byte(`{"zarr_format": 2}`))
	refstest.PutDoc(t, set, ".zarray_notes/.zattrs", []byte(`{}`))
	s := Open(set, nil)
	if got := strings.Join(s.Arrays(), ","); got != "grp/w,v" {
		t.Fatalf("Arrays() = %s", got)
	}
	a, err := s.Array("grp/w")
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := s.Array("grp/w"); again != a {
		t.Error("Array parsed the same path twice")
	}
	all, err := a.ReadAll(context.Background())
	if err != nil || !bytes.Equal(all, make([]byte, 40)) {
		t.Fatalf("array without chunks: %x, %v", all, err)
	}
}

func TestBigEndianValues(t *testing.T) {
	set := setWith(`{"zarr_format": 2, "shape": [3], "chunks": [2], "dtype": ">f4", "fill_value": "NaN",
		"order": "C", "filters": null, "compressor": null}`)
	one, _ := hex.DecodeString("3f800000c0000000") // 1.0, -2.0 big-endian
	set.Arrays["v"].SetInline(0, one)
	a, err := Open(set, nil).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.Read(context.Background(), []int64{1}, []int64{2})
	if want := "c00000007fc00000"; err != nil || hex.EncodeToString(got) != want {
		t.Fatalf("Read = %x, %v; want %s (-2.0 then the NaN fill, big-endian)", got, err, want)
	}
}

func TestChunkErrors(t *testing.T) {
	ctx := context.Background()
	data := make([]byte, 16)
	good := zlibEncode(t, data)
	dir := t.TempDir()
	target := filepath.Join(dir, "target.bin")
	if err := os.WriteFile(target, good, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		zarray  string
		set     func(m *refs.Manifest)
		opener  bool
		wantErr []string
		check   func(t *testing.T, err error)
	}{
		{
			name: "range outside the target", opener: true,
			set:     func(m *refs.Manifest) { m.SetRange(1, target, 4, int64(len(good))) },
			wantErr: []string{"chunk v/1", target, "lie outside"},
			check: func(t *testing.T, err error) {
				var re *blob.RangeError
				if !errors.As(err, &re) {
					t.Errorf("%v is not a blob.RangeError", err)
				}
			},
		},
		{
			name: "missing target file", opener: true,
			set:     func(m *refs.Manifest) { m.SetRange(1, target+".gone", 0, 5) },
			wantErr: []string{"chunk v/1", ".gone"},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%v is not ErrNotExist", err)
				}
			},
		},
		{
			name:    "no opener",
			set:     func(m *refs.Manifest) { m.SetRange(1, target, 0, -1) },
			wantErr: []string{"chunk v/1", "no opener"},
		},
		{
			name:    "corrupt zlib",
			set:     func(m *refs.Manifest) { m.SetInline(1, []byte("definitely not zlib")) },
			wantErr: []string{"chunk v/1", "zlib"},
		},
		{
			name:    "truncated zlib",
			set:     func(m *refs.Manifest) { m.SetInline(1, good[:len(good)-3]) },
			wantErr: []string{"chunk v/1", "zlib", "EOF"},
		},
		{
			name:    "decodes short",
			set:     func(m *refs.Manifest) { m.SetInline(1, zlibEncode(t, data[:12])) },
			wantErr: []string{"chunk v/1", "decoded chunk has 12 bytes, want 16"},
		},
		{
			name:    "decodes long",
			set:     func(m *refs.Manifest) { m.SetInline(1, zlibEncode(t, make([]byte, 20))) },
			wantErr: []string{"chunk v/1", "decoded chunk has 20 bytes, want 16"},
		},
		{
			name:    "zip bomb",
			set:     func(m *refs.Manifest) { m.SetInline(1, zlibEncode(t, make([]byte, 1<<20))) },
			wantErr: []string{"chunk v/1", "zlib: decodes to more than 1040 bytes"},
		},
		{
			name:   "fletcher32 mismatch",
			zarray: strings.Replace(zarrayF4, `"filters": null`, `"filters": [{"id": "fletcher32"}]`, 1),
			set: func(m *refs.Manifest) {
				bad := fletcher32Encode(data)
				bad[0] ^= 0x80
				m.SetInline(1, zlibEncode(t, bad))
			},
			wantErr: []string{"chunk v/1", "fletcher32 checksum mismatch"},
			check: func(t *testing.T, err error) {
				var ce *ChecksumError
				if !errors.As(err, &ce) {
					t.Errorf("%v is not a ChecksumError", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zarray := tt.zarray
			if zarray == "" {
				zarray = zarrayF4
			}
			set := setWith(zarray)
			tt.set(set.Arrays["v"].Manifest)
			var o *blob.Opener
			if tt.opener {
				o = blob.NewOpener()
				defer o.Close()
			}
			a, err := Open(set, o).Array("v")
			if err != nil {
				t.Fatal(err)
			}
			_, chunkErr := a.ReadChunk(ctx, 1)
			_, readErr := a.ReadAll(ctx)
			for _, err := range []error{chunkErr, readErr} {
				if err == nil {
					t.Fatal("no error")
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				if tt.check != nil {
					tt.check(t, err)
				}
			}
		})
	}
}

func TestRawChunk(t *testing.T) {
	ctx := context.Background()
	set := setWith(zarrayF4)
	stored := []byte{1, 2, 3}
	set.Arrays["v"].SetInline(2, stored)
	a, err := Open(set, nil).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	raw, ok, err := a.RawChunk(ctx, 2)
	if err != nil || !ok || !bytes.Equal(raw, stored) {
		t.Fatalf("RawChunk(2) = %v, %v, %v", raw, ok, err)
	}
	raw[0] = 99
	if stored[0] != 1 {
		t.Fatal("RawChunk returned the manifest's own bytes")
	}
	if _, ok, err := a.RawChunk(ctx, 0); ok || err != nil {
		t.Fatalf("missing chunk: ok=%v err=%v", ok, err)
	}
	for _, i := range []int{-1, 3} {
		if _, _, err := a.RawChunk(ctx, i); err == nil || !strings.Contains(err.Error(), "outside the 3 chunks") {
			t.Errorf("RawChunk(%d): %v", i, err)
		}
	}
}

func BenchmarkDecodeChunk(b *testing.B) {
	f := fixture{
		shape: []int64{256, 256}, chunks: []int64{256, 256}, dtype: "<f4", fill: `"NaN"`,
		filters:    []refs.Codec{{"id": "shuffle", "elementsize": 4}},
		compressor: refs.Codec{"id": "zlib", "level": 1},
	}
	bt := f.build(b, 3)
	a, err := bt.store.Array("v")
	if err != nil {
		b.Fatal(err)
	}
	raw, _, err := a.RawChunk(context.Background(), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(a.ChunkBytes()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.DecodeChunk(raw); err != nil {
			b.Fatal(err)
		}
	}
}
