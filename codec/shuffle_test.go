package codec

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestShuffle(t *testing.T) {
	// numcodecs 0.11: Shuffle(4).encode(bytes(range(12))).hex()
	numcodecs, _ := hex.DecodeString("00040801050902060a03070b")
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + 1)
		}
		return b
	}
	if got := Shuffle(nil, seq12(), 4); !bytes.Equal(got, numcodecs) {
		t.Fatalf("Shuffle = %x, want %x", got, numcodecs)
	}
	if got := Unshuffle(nil, numcodecs, 4); !bytes.Equal(got, seq12()) {
		t.Fatalf("Unshuffle = %x", got)
	}
	for size := range 12 {
		for _, n := range []int{0, 1, 7, 64, 1001} {
			data := seq(n)
			enc := Shuffle(nil, data, size)
			// The naive definition: byte k of element e at k*count+e; the
			// bytes after the last whole element stay where they are.
			if size > 1 {
				count := n / size
				for e := range count {
					for k := range size {
						if enc[k*count+e] != data[e*size+k] {
							t.Fatalf("size %d, %d bytes: byte %d of element %d misplaced", size, n, k, e)
						}
					}
				}
				if !bytes.Equal(enc[count*size:], data[count*size:]) {
					t.Fatalf("size %d, %d bytes: tail moved", size, n)
				}
			}
			dst := make([]byte, 0, n)
			got := Unshuffle(dst, enc, size)
			if !bytes.Equal(got, data) {
				t.Fatalf("size %d, %d bytes: round trip differs", size, n)
			}
			if n > 0 && &got[0] != &dst[:1][0] {
				t.Fatal("dst not reused")
			}
		}
	}
}

func seq12() []byte {
	b := make([]byte, 12)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func BenchmarkUnshuffle(b *testing.B) {
	data := signal(1<<20, 8)
	for _, size := range []int{2, 4, 8} {
		enc := Shuffle(nil, data, size)
		dst := make([]byte, len(data))
		b.Run(string(rune('0'+size)), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				Unshuffle(dst, enc, size)
			}
		})
	}
}

// TestShuffleHugeElement: an element size beyond the data (a corrupt
// filter parameter) copies the bytes at once instead of looping over
// the element size.
func TestShuffleHugeElement(t *testing.T) {
	src := []byte{1, 2, 3, 4, 5}
	for _, f := range []func([]byte, []byte, int) []byte{Shuffle, Unshuffle} {
		if got := f(nil, src, 1<<31-1); !bytes.Equal(got, src) {
			t.Errorf("got %v, want the input", got)
		}
	}
}
