package zarr

import (
	"fmt"
	"sort"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// Codec is the decode side of one numcodecs codec, a compressor or a
// filter of a Zarr v2 pipeline. Implementations hold only their
// configuration, so one value may be used by many goroutines at once.
type Codec interface {
	// Decode returns the decoded form of src. It may build the result in
	// dst's storage (dst[:0]) to reuse buffers, must not modify src, and
	// must not return a slice that shares storage with src. limit is the
	// most bytes a correct result can hold: a codec whose output size
	// depends on the input (a decompressor) fails instead of exceeding it,
	// so corrupt input cannot make it allocate without bound.
	Decode(dst, src []byte, limit int) ([]byte, error)
}

// codecs maps a numcodecs codec id to the constructor of its decoder. Each
// codec registers itself from its own file (codec_zlib.go, ...), so adding
// one (delta, zfpy) is adding a file; package codec decodes the formats.
var codecs = map[string]func(refs.Codec) (Codec, error){}

func register(id string, newCodec func(refs.Codec) (Codec, error)) {
	if _, dup := codecs[id]; dup {
		panic("zarr: codec " + id + " registered twice")
	}
	codecs[id] = newCodec
}

// UnsupportedCodecError reports a codec id that has no decoder here.
type UnsupportedCodecError struct {
	ID string
}

func (e *UnsupportedCodecError) Error() string {
	return fmt.Sprintf("codec %q is not supported (supported: %v)", e.ID, CodecIDs())
}

// CodecIDs lists the codec ids that NewCodec knows, sorted.
func CodecIDs() []string {
	ids := make([]string, 0, len(codecs))
	for id := range codecs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// NewCodec returns the decoder of a numcodecs configuration such as
// {"id": "zlib", "level": 4}.
func NewCodec(c refs.Codec) (Codec, error) {
	id := c.ID()
	if id == "" {
		return nil, fmt.Errorf("codec %v has no id", map[string]any(c))
	}
	newCodec, ok := codecs[id]
	if !ok {
		return nil, &UnsupportedCodecError{ID: id}
	}
	codec, err := newCodec(c)
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", id, err)
	}
	return codec, nil
}

// stage is one codec of an array's decode pipeline.
type stage struct {
	id    string
	codec Codec
}

// newPipeline returns the stages in decode order: the compressor first,
// then the filters in reverse, as Zarr v2 specifies.
func newPipeline(z *refs.ZArray) ([]stage, error) {
	var out []stage
	add := func(c refs.Codec) error {
		codec, err := NewCodec(c)
		if err != nil {
			return err
		}
		out = append(out, stage{id: c.ID(), codec: codec})
		return nil
	}
	if z.Compressor != nil {
		if err := add(z.Compressor); err != nil {
			return nil, fmt.Errorf("compressor: %w", err)
		}
	}
	for i := len(z.Filters) - 1; i >= 0; i-- {
		if err := add(z.Filters[i]); err != nil {
			return nil, fmt.Errorf("filter %d: %w", i, err)
		}
	}
	return out, nil
}

// decodeStages runs raw through the stages, alternating between the two
// scratch buffers so a caller that decodes many chunks allocates only while
// they grow. The result lives in one of the buffers (or is raw itself when
// there are no stages).
func decodeStages(stages []stage, raw []byte, limit int, scratch *[2][]byte) ([]byte, error) {
	data := raw
	for k, s := range stages {
		out, err := s.codec.Decode(scratch[k%2], data, limit)
		if err != nil {
			if namesCodec(err, s.id) {
				return nil, err
			}
			return nil, fmt.Errorf("%s: %w", s.id, err)
		}
		scratch[k%2] = out
		data = out
	}
	return data, nil
}

// namesCodec reports whether err, from the codec package, already starts
// with the codec id, so the pipeline need not repeat it.
func namesCodec(err error, id string) bool {
	switch e := err.(type) {
	case *codec.FormatError:
		return e.Format == id
	case *codec.UnsupportedError:
		return e.Format == id
	}
	return false
}
