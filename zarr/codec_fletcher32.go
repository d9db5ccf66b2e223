package zarr

import (
	"encoding/binary"
	"fmt"

	"gokerchunk/codec"
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
	if sum := codec.Fletcher32(src[:n]); sum != stored {
		return nil, &ChecksumError{Stored: stored, Computed: sum}
	}
	return append(dst[:0], src[:n]...), nil
}
