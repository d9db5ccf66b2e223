package codec

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// vector is one encoded buffer of testdata/vectors.json.gz, written by the
// reference C libraries (see testdata/gen.py), and the key of its raw bytes.
type vector struct {
	Name        string
	Format      string
	Raw         string
	Encoded     []byte
	FilterID    int      `json:"filter_id"`
	CDValues    []uint32 `json:"cd_values"`
	FilterMask  uint32   `json:"filter_mask"`
	Unsupported bool
}

var loadVectors = sync.OnceValues(func() (map[string][]byte, []vector) {
	f, err := os.Open("testdata/vectors.json.gz")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		panic(err)
	}
	var doc struct {
		Raw     map[string][]byte
		Vectors []vector
	}
	if err := json.NewDecoder(zr).Decode(&doc); err != nil {
		panic(err)
	}
	return doc.Raw, doc.Vectors
})

// vectorsOf returns the vectors of the given formats, with their raw bytes.
func vectorsOf(formats ...string) (vs []vector, raws [][]byte) {
	raw, all := loadVectors()
	for _, v := range all {
		for _, f := range formats {
			if v.Format == f {
				vs = append(vs, v)
				raws = append(raws, raw[v.Raw])
			}
		}
	}
	return vs, raws
}

// decodeVector decodes v with the decoder of its format.
func decodeVector(v vector, dst []byte, limit int) ([]byte, error) {
	switch v.Format {
	case "blosc":
		return Blosc(dst, v.Encoded, limit)
	case "zstd":
		return Zstd(dst, v.Encoded, limit)
	case "bz2":
		return Bzip2(dst, v.Encoded, limit)
	case "lz4":
		return NumcodecsLZ4(dst, v.Encoded, limit)
	case "hdf5-lz4":
		return HDF5LZ4(dst, v.Encoded, limit)
	case "hdf5-bitshuffle":
		return HDF5Bitshuffle(dst, v.Encoded, v.CDValues, limit)
	case "lzf":
		return LZF(dst, v.Encoded, limit)
	}
	panic("no decoder for " + v.Format)
}

func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0, b0 := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(len(b)) && b0 < a0+uintptr(len(a))
}

func TestVectors(t *testing.T) {
	raw, vectors := loadVectors()
	if len(vectors) < 100 {
		t.Fatalf("only %d vectors", len(vectors))
	}
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			want := raw[v.Raw]
			if v.FilterMask != 0 {
				// The filter was skipped for this chunk: it is stored raw.
				if !bytes.Equal(v.Encoded, want) {
					t.Fatal("a chunk with its filter skipped differs from the raw data")
				}
				return
			}
			got, err := decodeVector(v, nil, len(want))
			if v.Unsupported {
				var ue *UnsupportedError
				if !errors.As(err, &ue) {
					t.Fatalf("got %d bytes, %v; want an UnsupportedError", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("decoded %d bytes differ from the %d raw bytes (first difference at %d)", len(got), len(want), firstDiff(got, want))
			}
			if overlaps(got, v.Encoded) {
				t.Fatal("result shares storage with the input")
			}

			// Decoding into a large enough buffer reuses it.
			dst := make([]byte, 7, len(want)+100)
			got, err = decodeVector(v, dst, len(want))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("into a buffer: %d bytes, %v", len(got), err)
			}
			if len(want) > 0 && &got[0] != &dst[:1][0] {
				t.Error("a large enough dst was not used")
			}

			// One byte less than the data needs is refused.
			if len(want) > 0 {
				if got, err := decodeVector(v, nil, len(want)-1); err == nil {
					t.Errorf("limit %d: got %d bytes without an error", len(want)-1, len(got))
				}
			}

			// A negative limit is no limit at all.
			if got, err := decodeVector(v, nil, -1); err == nil && len(got) > 0 {
				t.Errorf("limit -1: got %d bytes without an error", len(got))
			}

			// A truncated buffer never decodes to the data.
			for _, n := range []int{0, 1, len(v.Encoded) / 2, len(v.Encoded) - 1} {
				if n < 0 || n >= len(v.Encoded) {
					continue
				}
				cut := v.Encoded[:n:n]
				if got, err := decodeVector(vector{Format: v.Format, Encoded: cut, CDValues: v.CDValues}, nil, len(want)); err == nil && bytes.Equal(got, want) {
					t.Errorf("truncated to %d bytes, still decodes to the data", n)
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// decodeCase is a hand-made input of a decoder and what it must give:
// want, or an error containing wantErr.
type decodeCase struct {
	name    string
	src     []byte
	limit   int
	want    []byte
	wantErr string
}

// runDecodeCases decodes every case with decode and checks the outcome.
func runDecodeCases(t *testing.T, decode func(dst, src []byte, limit int) ([]byte, error), cases []decodeCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decode(nil, tt.src, tt.limit)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
}
