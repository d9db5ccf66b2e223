package zarr

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"fmt"
	"io"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// encoders are the codecs whose encode side is written here: the ones
// HDF5 and netCDF-4 files use most (deflate, shuffle), so that combine can
// store rewritten chunks in such an array's own codec chain. Each takes
// the codec's configuration and returns the encoded src.
var encoders = map[string]func(c refs.Codec, src []byte) ([]byte, error){
	"zlib": func(c refs.Codec, src []byte) ([]byte, error) {
		var b bytes.Buffer
		w, err := zlib.NewWriterLevel(&b, level(c))
		if err != nil {
			return nil, err
		}
		return finish(&b, w, src)
	},
	"gzip": func(c refs.Codec, src []byte) ([]byte, error) {
		var b bytes.Buffer
		w, err := gzip.NewWriterLevel(&b, level(c))
		if err != nil {
			return nil, err
		}
		return finish(&b, w, src)
	},
	"shuffle": func(c refs.Codec, src []byte) ([]byte, error) {
		s, err := newShuffle(c)
		if err != nil {
			return nil, err
		}
		return codec.Shuffle(nil, src, s.(shuffleCodec).elementSize), nil
	},
}

// level is a deflate codec's "level", numcodecs' default 1 when unset.
func level(c refs.Codec) int {
	if n, ok := c.Int("level"); ok && n >= -1 && n <= 9 {
		return n
	}
	return 1
}

// finish writes src through a compressor writing to b.
func finish(b *bytes.Buffer, w io.WriteCloser, src []byte) ([]byte, error) {
	if _, err := w.Write(src); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// CanEncode reports whether EncodeChunk can write chunks of the array, and
// if not, why: a codec without an encoder here, or Fortran order.
func CanEncode(z *refs.ZArray) error {
	if z.Order != "" && z.Order != "C" {
		return fmt.Errorf("order %q: only C-order chunks are written", z.Order)
	}
	for _, c := range codecChain(z) {
		if _, ok := encoders[c.ID()]; !ok {
			return fmt.Errorf("codec %q has no encoder here (written: shuffle, zlib, gzip)", c.ID())
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
