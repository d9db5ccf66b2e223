package zarr

import (
	"fmt"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

func init() { register("shuffle", newShuffle) }

// shuffleCodec is numcodecs.Shuffle: encoding stores the first byte of
// every element, then every second byte, and so on (HDF5's shuffle filter).
type shuffleCodec struct {
	elementSize int
}

func newShuffle(c refs.Codec) (Codec, error) {
	size := 4 // numcodecs' default
	if _, set := c["elementsize"]; set {
		n, ok := c.Int("elementsize")
		if !ok || n < 0 {
			return nil, fmt.Errorf("elementsize %v is not a non-negative integer", c["elementsize"])
		}
		size = n
	}
	return shuffleCodec{elementSize: size}, nil
}

// Decode undoes the transposition. numcodecs (every version since the
// check was added) raises "Shuffle buffer is not an integer multiple of
// elementsize" for a buffer that is not whole elements, where HDF5 would
// copy the tail unchanged; we fail as numcodecs does, because that is what
// a Zarr client reading these references will do.
func (s shuffleCodec) Decode(dst, src []byte, limit int) ([]byte, error) {
	if len(src) > limit {
		return nil, fmt.Errorf("%d bytes, more than the %d a chunk can hold", len(src), limit)
	}
	size := s.elementSize
	if size > 1 && len(src)%size != 0 {
		return nil, fmt.Errorf("%d bytes are not a whole number of %d-byte elements", len(src), size)
	}
	return codec.Unshuffle(dst, src, size), nil
}
