package zarr

import (
	"fmt"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// encoders are the codecs whose encode side package codec has: the ones
// HDF5 and netCDF-4 files use most (deflate, shuffle, Fletcher-32), so
// that combine can store rewritten chunks in such an array's own codec
// chain. Each takes the codec's configuration and returns the encoded src.
var encoders = map[string]func(c refs.Codec, src []byte) ([]byte, error){
	"zlib": func(c refs.Codec, src []byte) ([]byte, error) { return codec.ZlibEncode(src, level(c)) },
	"gzip": func(c refs.Codec, src []byte) ([]byte, error) { return codec.GzipEncode(src, level(c)) },
	"shuffle": func(c refs.Codec, src []byte) ([]byte, error) {
		s, err := newShuffle(c)
		if err != nil {
			return nil, err
		}
		return codec.Shuffle(nil, src, s.(shuffleCodec).elementSize), nil
	},
	"fletcher32": func(_ refs.Codec, src []byte) ([]byte, error) { return codec.AppendFletcher32(src), nil },
}

// level is a deflate codec's "level": numcodecs' default 1 when unset,
// and zlib's default 6 for its -1.
func level(c refs.Codec) int {
	n, ok := c.Int("level")
	switch {
	case !ok:
		return 1
	case n == -1:
		return 6
	}
	return n
}

// CanEncode reports whether EncodeChunk can write chunks of the array, and
// if not, why: a codec without an encoder here, or Fortran order.
func CanEncode(z *refs.ZArray) error {
	if z.Order != "" && z.Order != "C" {
		return fmt.Errorf("order %q: only C-order chunks are written", z.Order)
	}
	for _, c := range codecChain(z) {
		if _, ok := encoders[c.ID()]; !ok {
			return fmt.Errorf("codec %q has no encoder here (written: shuffle, zlib, gzip, fletcher32)", c.ID())
		}
	}
	return nil
}

// EncodeChunk stores one decoded chunk (C order, the array's dtype) as the
// array's codec chain does: the filters in order, then the compressor.
func EncodeChunk(z *refs.ZArray, chunk []byte) ([]byte, error) {
	if err := CanEncode(z); err != nil {
		return nil, err
	}
	data := chunk
	for _, c := range codecChain(z) {
		out, err := encoders[c.ID()](c, data)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", c.ID(), err)
		}
		data = out
	}
	return data, nil
}

// codecChain lists an array's codecs in encode order.
func codecChain(z *refs.ZArray) []refs.Codec {
	out := append([]refs.Codec(nil), z.Filters...)
	if z.Compressor != nil {
		out = append(out, z.Compressor)
	}
	return out
}
