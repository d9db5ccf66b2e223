package zarr

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Object ("|O") arrays hold variable-length strings: zarr-python encodes
// each chunk with the array's object codec (the first filter, here
// vlen-utf8), then the other filters and the compressor, so a chunk has no
// fixed decoded size and decodes to one string per element.

// stringHeaderBytes is what one Go string costs in a []string, used to
// bound the element count of a whole-array read.
const stringHeaderBytes = 16

// initObjects completes newArray for an object array: it needs an object
// codec, and its fill value is a string.
func (a *Array) initObjects() error {
	if a.objects == nil {
		return fmt.Errorf("dtype %s: an object array needs an object codec (vlen-utf8) as its first filter", a.DType.Str)
	}
	a.fillString, a.fillErr = parseStringFill(a.Meta.FillValue)
	return nil
}

// parseStringFill decodes the fill value of an object array of strings:
// a JSON string, or null (the empty string). zarr-python 2 writes 0 when
// none was given, which reads back as the integer 0, not a string; that is
// an error only once a missing chunk needs the fill value.
func parseStringFill(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fmt.Errorf("fill_value %s of an object array is not a string", raw)
	}
	return s, nil
}

// DecodeStrings runs stored chunk bytes through the array's codec pipeline
// and its object codec, returning one string per chunk element (C order
// over the full chunk shape; edge chunks are stored whole). It fails for
// arrays that are not object arrays, and when the chunk does not hold
// exactly ChunkElements strings.
func (a *Array) DecodeStrings(raw []byte) ([]string, error) {
	var scratch [2][]byte
	return a.decodeStrings(raw, &scratch)
}

func (a *Array) decodeStrings(raw []byte, scratch *[2][]byte) ([]string, error) {
	if a.objects == nil {
		return nil, fmt.Errorf("dtype %s is not an object array of strings", a.DType.Str)
	}
	// The encoded strings have no size known in advance; maxChunkBytes
	// is the bound, as for any chunk.
	data, err := decodeStages(a.stages, raw, maxChunkBytes, scratch)
	if err != nil {
		return nil, err
	}
	return a.objects.decodeStrings(data, a.chunkElems)
}

// ReadStrings returns the whole object array in C order. A missing chunk
// reads as the fill value ("" when fill_value is null); it is an error
// when fill_value is not a string.
func (a *Array) ReadStrings(ctx context.Context) ([]string, error) {
	if a.objects == nil {
		return nil, fmt.Errorf("read strings of %s: dtype %s is not an object array of strings", a.Path, a.DType.Str)
	}
	shape := a.Meta.Shape
	start := make([]int64, len(shape))
	n, err := a.regionElements(start, shape, stringHeaderBytes)
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	if n == 0 {
		return out, nil
	}
	var (
		scratch [2][]byte
		chunk   []string // the decoded chunk being copied from; nil for a missing one
	)
	load := func(i int) error {
		raw, ok, err := a.RawChunk(ctx, i)
		if err != nil {
			return err
		}
		chunk = nil
		switch {
		case !ok && a.fillErr != nil:
			return fmt.Errorf("chunk %s is missing and %w", a.ChunkKey(i), a.fillErr)
		case ok:
			if chunk, err = a.decodeStrings(raw, &scratch); err != nil {
				return fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
			}
		}
		return nil
	}
	copyRun := func(src, dst, n int64) {
		if chunk == nil {
			for k := range n {
				out[dst+k] = a.fillString
			}
		} else {
			copy(out[dst:dst+n], chunk[src:src+n])
		}
	}
	if err := a.walkRegion(ctx, start, shape, load, copyRun); err != nil {
		return nil, fmt.Errorf("read %s: %w", a.Path, err)
	}
	return out, nil
}
