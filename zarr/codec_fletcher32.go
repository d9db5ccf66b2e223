package zarr

import (
	"encoding/binary"
	"fmt"

	"gokerchunk/refs"
)

func init() { register("fletcher32", newFletcher32) }

// fletcher32Codec is numcodecs.Fletcher32 (numcodecs ≥ 0.12): the encoded
// chunk is the data followed by its checksum as a little-endian uint32.
type fletcher32Codec struct{}

func newFletcher32(refs.Codec) (Codec, error) { return fletcher32Codec{}, nil }

// ChecksumError reports stored bytes whose checksum does not match.
type ChecksumError struct {
	Stored, Computed uint32
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("fletcher32 checksum mismatch: stored %#08x, computed %#08x", e.Stored, e.Computed)
}

func (fletcher32Codec) Decode(dst, src []byte, limit int) ([]byte, error) {
	if len(src) < 4 {
		return nil, fmt.Errorf("%d bytes cannot hold the 4-byte checksum", len(src))
	}
	n := len(src) - 4
	if n > limit {
		return nil, fmt.Errorf("%d bytes, more than the %d a chunk can hold", n, limit)
	}
	stored := binary.LittleEndian.Uint32(src[n:])
	if sum := fletcher32(src[:n]); sum != stored {
		return nil, &ChecksumError{Stored: stored, Computed: sum}
	}
	out := grow(dst, n)
	copy(out, src[:n])
	return out, nil
}

// fletcher32 is HDF5's H5_checksum_fletcher32, which numcodecs copies: the
// data is read as 16-bit big-endian words (an odd last byte is the high
// byte of a final word) and the sums are folded to 16 bits every 360 words,
// before they can overflow 32 bits. Zero sums are not mapped to 0xffff, so
// the result differs from textbook Fletcher-32.
func fletcher32(data []byte) uint32 {
	var sum1, sum2 uint32
	words := len(data) / 2
	for words > 0 {
		block := min(words, 360)
		words -= block
		for range block {
			sum1 += uint32(data[0])<<8 | uint32(data[1])
			sum2 += sum1
			data = data[2:]
		}
		sum1 = sum1&0xffff + sum1>>16
		sum2 = sum2&0xffff + sum2>>16
	}
	if len(data) == 1 {
		sum1 += uint32(data[0]) << 8
		sum2 += sum1
		sum1 = sum1&0xffff + sum1>>16
		sum2 = sum2&0xffff + sum2>>16
	}
	sum1 = sum1&0xffff + sum1>>16
	sum2 = sum2&0xffff + sum2>>16
	return sum2<<16 | sum1
}
