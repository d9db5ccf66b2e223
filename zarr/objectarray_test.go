package zarr

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"gokerchunk/refs"
)

// vlenUTF8Encode is numcodecs.VLenUTF8.encode.
func vlenUTF8Encode(items []string) []byte {
	out := binary.LittleEndian.AppendUint32(nil, uint32(len(items)))
	for _, s := range items {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out
}

// zarrayStrings is an object array of 5 strings in chunks of 2; fill and
// compressor are replaced per test.
const zarrayStrings = `{"zarr_format": 2, "shape": [5], "chunks": [2], "dtype": "|O", "fill_value": FILL,
	"order": "C", "filters": [{"id": "vlen-utf8"}], "compressor": null}`

func stringArray(t *testing.T, fill string, chunks map[int][]byte) *Array {
	t.Helper()
	set := setWith(strings.Replace(zarrayStrings, "FILL", fill, 1))
	for i, c := range chunks {
		set.Arrays["v"].SetInline(i, c)
	}
	a, err := Open(set, nil).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestReadStrings(t *testing.T) {
	ctx := context.Background()
	// Chunk 2 holds the last element and the edge padding zarr-python
	// writes as "".
	chunks := map[int][]byte{0: vlenUTF8Encode([]string{"a", "ü"}), 2: vlenUTF8Encode([]string{"last", ""})}
	for _, tc := range []struct {
		fill string
		want []string
	}{
		{`null`, []string{"a", "ü", "", "", "last"}},
		{`""`, []string{"a", "ü", "", "", "last"}},
		{`"-"`, []string{"a", "ü", "-", "-", "last"}},
	} {
		a := stringArray(t, tc.fill, chunks)
		got, err := a.ReadStrings(ctx)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("fill %s: ReadStrings = %q, %v; want %q", tc.fill, got, err, tc.want)
		}
		if a.ChunkBytes() != 0 || a.ChunkElements() != 2 || a.Fill != nil {
			t.Errorf("fill %s: ChunkBytes %d, ChunkElements %d, Fill %v", tc.fill, a.ChunkBytes(), a.ChunkElements(), a.Fill)
		}
	}

	// zarr-python's default fill_value for object arrays is 0, which is no
	// string: fine while every chunk exists.
	full := map[int][]byte{0: chunks[0], 1: vlenUTF8Encode([]string{"b", "c"}), 2: chunks[2]}
	if got, err := stringArray(t, "0", full).ReadStrings(ctx); err != nil || strings.Join(got, ",") != "a,ü,b,c,last" {
		t.Errorf("fill 0, all chunks: %q, %v", got, err)
	}
	if _, err := stringArray(t, "0", chunks).ReadStrings(ctx); err == nil || !strings.Contains(err.Error(), "chunk v/1 is missing and fill_value 0") {
		t.Errorf("fill 0, missing chunk: %v", err)
	}

	// Byte reads of an object array fail clearly.
	a := stringArray(t, "null", chunks)
	if _, err := a.ReadAll(ctx); !errors.Is(err, ErrObjectArray) {
		t.Errorf("ReadAll: %v", err)
	}
	if _, err := a.ReadChunk(ctx, 0); !errors.Is(err, ErrObjectArray) {
		t.Errorf("ReadChunk: %v", err)
	}
	if _, err := a.DecodeChunk(chunks[0]); !errors.Is(err, ErrObjectArray) {
		t.Errorf("DecodeChunk: %v", err)
	}
	// And string reads of a byte array.
	f4, err := Open(setWith(zarrayF4), nil).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f4.ReadStrings(ctx); err == nil || !strings.Contains(err.Error(), "not an object array") {
		t.Errorf("ReadStrings of <f4: %v", err)
	}
	if _, err := f4.DecodeStrings(nil); err == nil {
		t.Error("DecodeStrings of <f4 succeeded")
	}
}

func TestReadStringsCompressed(t *testing.T) {
	// 2-d, vlen-utf8 then zlib, edge chunks in both dimensions.
	zarray := `{"zarr_format": 2, "shape": [3, 3], "chunks": [2, 2], "dtype": "|O", "fill_value": "?",
		"order": "C", "filters": [{"id": "vlen-utf8"}], "compressor": {"id": "zlib", "level": 1}}`
	set := setWith(zarray)
	m := set.Arrays["v"]
	m.SetInline(0, zlibEncode(t, vlenUTF8Encode([]string{"00", "01", "10", "11"})))
	m.SetInline(1, zlibEncode(t, vlenUTF8Encode([]string{"02", "", "12", ""})))
	m.SetInline(3, zlibEncode(t, vlenUTF8Encode([]string{"22", "", "", ""})))
	a, err := Open(set, nil).Array("v")
	if err != nil {
		t.Fatal(err)
	}
	got, err := a.ReadStrings(context.Background())
	want := []string{"00", "01", "02", "10", "11", "12", "?", "?", "22"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("ReadStrings = %q, %v; want %q", got, err, want)
	}
}

func TestObjectArrayErrors(t *testing.T) {
	for _, tc := range []struct {
		name, zarray, wantErr string
	}{
		{"no object codec", strings.Replace(zarrayStrings, `[{"id": "vlen-utf8"}]`, `null`, 1), "needs an object codec"},
		{"object codec not first", strings.Replace(zarrayStrings, `[{"id": "vlen-utf8"}]`, `[{"id": "zlib"}, {"id": "vlen-utf8"}]`, 1), "not the first filter"},
		{"vlen-utf8 on numbers", strings.Replace(zarrayF4, `"filters": null`, `"filters": [{"id": "vlen-utf8"}]`, 1), "dtype <f4"},
		{"unknown object codec", strings.Replace(zarrayStrings, `"vlen-utf8"`, `"vlen-bytes"`, 1), `codec "vlen-bytes" is not supported`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			zarray := strings.Replace(tc.zarray, "FILL", "null", 1)
			if _, err := Open(setWith(zarray), nil).Array("v"); err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
	// A vlen-utf8 codec in a byte pipeline fails rather than pass bytes on.
	c, err := NewCodec(refs.Codec{"id": "vlen-utf8"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Decode(nil, vlenUTF8Encode([]string{"a"}), 100); err == nil {
		t.Error("vlen-utf8 decoded to bytes")
	}
}

func TestDecodeVLenUTF8(t *testing.T) {
	u32 := func(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name    string
		src     []byte
		n       int
		want    []string
		wantErr string
	}{
		{"two", vlenUTF8Encode([]string{"ab", ""}), 2, []string{"ab", ""}, ""},
		{"none", u32(0), 0, []string{}, ""},
		{"trailing bytes ignored as numcodecs does", cat(vlenUTF8Encode([]string{"x"}), []byte("junk")), 1, []string{"x"}, ""},
		{"empty", nil, 0, nil, "cannot hold the 4-byte item count"},
		{"count differs", vlenUTF8Encode([]string{"a"}), 2, nil, "1 items, want one per chunk element (2)"},
		{"huge count", u32(1 << 31), 1 << 31, nil, "cannot hold the lengths of 2147483648 items"},
		{"length truncated", cat(u32(2), u32(4), []byte("abcd"), []byte{1, 0}), 2, nil, "item 1: length truncated at byte 12"},
		{"item past the end", cat(u32(1), u32(5), []byte("abcd")), 1, nil, "item 0: 5 bytes at byte 8 run past"},
		{"length wraps", cat(u32(1), u32(0xffffffff), []byte("abcd")), 1, nil, "run past"},
		{"invalid UTF-8", cat(u32(1), u32(2), []byte{0xff, 0xfe}), 1, nil, "not valid UTF-8"},
		{"surrogate", cat(u32(1), u32(3), []byte{0xed, 0xa0, 0x80}), 1, nil, "not valid UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vlenUTF8Codec{}.decodeStrings(tc.src, tc.n)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %q, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzDecodeVLenUTF8 feeds arbitrary bytes to the vlen-utf8 decoder, alone
// and behind zlib in an object array: it must fail or return exactly one
// valid UTF-8 string per chunk element that encode back to a prefix of
// the input, never panic or allocate beyond the input's size.
func FuzzDecodeVLenUTF8(f *testing.F) {
	f.Add(vlenUTF8Encode([]string{"a", "héllo", ""}), uint8(3))
	f.Add(vlenUTF8Encode(nil), uint8(0))
	f.Add([]byte{1, 0, 0, 0, 255, 255, 255, 255}, uint8(1))
	f.Add([]byte{0, 0, 0, 128}, uint8(4))
	compressed := `{"zarr_format": 2, "shape": [3], "chunks": [3], "dtype": "|O", "fill_value": null,
		"order": "C", "filters": [{"id": "vlen-utf8"}], "compressor": {"id": "zlib"}}`
	a, err := Open(setWith(compressed), nil).Array("v")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src []byte, n uint8) {
		got, err := vlenUTF8Codec{}.decodeStrings(src, int(n))
		if err == nil {
			if len(got) != int(n) {
				t.Fatalf("%d strings, want %d", len(got), n)
			}
			for _, s := range got {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 %q", s)
				}
			}
			if enc := vlenUTF8Encode(got); !bytes.HasPrefix(src, enc) {
				t.Fatalf("re-encoded % x is not a prefix of the input % x", enc, src)
			}
		}
		if strs, err := a.DecodeStrings(src); err == nil && len(strs) != 3 {
			t.Fatalf("zlib + vlen-utf8: %d strings without an error", len(strs))
		}
	})
}
