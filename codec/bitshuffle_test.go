package codec

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestBitUnshuffle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, size := range []int{1, 2, 3, 4, 8, 12} {
		for _, n := range []int{8, 16, 64, 1000} {
			data := make([]byte, n*size)
			for i := range data {
				data[i] = byte(rng.Uint32())
			}
			got := make([]byte, len(data))
			bitUnshuffle(got, bitShuffleNaive(data, n, size), n, size)
			if !bytes.Equal(got, data) {
				t.Fatalf("%d elements of %d bytes", n, size)
			}
		}
	}
}

func TestHDF5Bitshuffle(t *testing.T) {
	// 1003 two-byte elements in blocks of 256: three whole blocks, a last
	// one of 232 elements and 3 elements copied as they are.
	data := signal(2006, 6)
	enc := hdf5BitshuffleEncode(t, data, 2, 256)
	cd := []uint32{0, 4, 2, 256, BitshuffleLZ4}
	if got, err := HDF5Bitshuffle(nil, enc, cd, len(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("lz4: %d bytes, %v", len(got), err)
	}
	// Without compression the chunk is the shuffled blocks and the tail.
	plain := bitshuffleChunk(data, 2, 256)
	for _, c := range []uint32{BitshuffleNone, 1, 7} {
		cd := []uint32{0, 4, 2, 256, c}
		if got, err := HDF5Bitshuffle(nil, plain, cd, len(data)); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("compression %d: %d bytes, %v", c, len(got), err)
		}
	}
	// Only 3 cd_values: no compression, the default block size (4096
	// two-byte elements, more than there are: one block of 1000 and 3
	// elements copied).
	whole := append(bitShuffleNaive(data[:2000], 1000, 2), data[2000:]...)
	if got, err := HDF5Bitshuffle(nil, whole, []uint32{0, 4, 2}, len(data)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("3 cd_values: %d bytes, %v", len(got), err)
	}

	badBlock := bytes.Clone(enc)
	binary.BigEndian.PutUint32(badBlock[8:], 2*12)
	longBlock := bytes.Clone(enc)
	binary.BigEndian.PutUint32(longBlock[12:], 1<<31)
	for _, tt := range []struct {
		name    string
		src     []byte
		cd      []uint32
		limit   int
		wantErr string
	}{
		{"two cd_values", plain, []uint32{0, 4}, 2006, "want at least 3"},
		{"element size 0", plain, []uint32{0, 4, 0}, 2006, "element size 0"},
		{"plain over the limit", plain, []uint32{0, 4, 2, 256, 0}, 2005, "more than 2005"},
		{"plain partial element", plain[:2005], []uint32{0, 4, 2, 256, 0}, 2006, "not a whole number of 2-byte elements"},
		{"plain block size 12", plain, []uint32{0, 4, 2, 12, 0}, 2006, "block size 12 is not a multiple of 8"},
		{"short header", enc[:11], cd, 2006, "cannot hold the 12-byte header"},
		{"size over the limit", enc, cd, 2005, "declared size 2006 is more than 2005"},
		{"size a partial element", enc, []uint32{0, 4, 4, 256, 2}, 2006, "not a whole number of 4-byte elements"},
		{"header block size 12", badBlock, cd, 2006, "block size 12 is not a multiple of 8"},
		{"block past the end", longBlock, cd, 2006, "runs past"},
		{"missing tail", enc[:len(enc)-1], cd, 2006, "5 trailing bytes, want 6"},
		{"missing block", enc[:100], cd, 2006, ""},
		{"zstd label on lz4 data", enc, []uint32{0, 4, 2, 256, BitshuffleZstd}, 2006, "zstd"},
	} {
		if _, err := HDF5Bitshuffle(nil, tt.src, tt.cd, tt.limit); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: %v, want an error containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func FuzzBitshuffle(f *testing.F) {
	vs, _ := vectorsOf("hdf5-bitshuffle")
	for _, v := range vs {
		f.Add(v.Encoded, v.CDValues[2], v.CDValues[3], v.CDValues[4])
	}
	f.Fuzz(func(t *testing.T, src []byte, elemSize, blockSize, compression uint32) {
		const limit = 1 << 16
		cd := []uint32{0, 4, elemSize % 64, blockSize % 4096, compression % 4}
		out, err := HDF5Bitshuffle(nil, src, cd, limit)
		if err == nil && (len(out) > limit || overlaps(out, src)) {
			t.Fatalf("%d bytes", len(out))
		}
		// As data, the input round-trips.
		size := int(elemSize%16) + 1
		bs := int(blockSize%64+1) * 8
		data := src[:len(src)/size*size]
		got, err := HDF5Bitshuffle(nil, hdf5BitshuffleEncode(t, data, size, bs), []uint32{0, 4, uint32(size), 0, BitshuffleLZ4}, len(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("round trip of %d %d-byte elements in blocks of %d: %v", len(data)/size, size, bs, err)
		}
	})
}

func BenchmarkBitshuffle(b *testing.B) {
	const n = 1 << 20
	data := signal(n, 7)
	for _, bc := range []struct {
		name string
		src  []byte
		cd   []uint32
	}{
		{"none", bitshuffleChunk(data, 4, 2048), []uint32{0, 4, 4, 0, BitshuffleNone}},
		{"lz4", hdf5BitshuffleEncode(b, data, 4, 2048), []uint32{0, 4, 4, 0, BitshuffleLZ4}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dst := make([]byte, n)
			b.SetBytes(n)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := HDF5Bitshuffle(dst, bc.src, bc.cd, n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// bitshuffleChunk is an uncompressed chunk of filter 32008: the blocks
// bit-shuffled one by one, the trailing elements as they are.
func bitshuffleChunk(data []byte, size, blockSize int) []byte {
	n := len(data) / size
	var out []byte
	for k := range bitshuffleBlockCount(n, blockSize) {
		b := bitshuffleBlockLen(k, n, blockSize) * size
		out = append(out, bitShuffleNaive(data[len(out):len(out)+b], b/size, size)...)
	}
	return append(out, data[len(out):]...)
}
