package hdf5scan

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// codecPlan is how a dataset's filter pipeline becomes Zarr codecs.
type codecPlan struct {
	source []filter // the HDF5 pipeline, in encoding order
	mask   uint32   // filters skipped by the chunks referenced as stored
	// target are the filters the Zarr codecs encode, in order.
	target []filter
	codecs []refs.Codec
	// trimChecksum: fletcher32 is the last filter chunks went through, so
	// references leave out the 4 trailing checksum bytes instead of naming
	// a codec.
	trimChecksum bool
	// reencodeAll: no stored chunk can be referenced as it is; every chunk
	// is decoded, re-encoded with target and inlined.
	reencodeAll bool
	// widen, when set, is the narrow integer or float type whose decoded chunks
	// are widened before re-encoding.
	widen *datatype
	// zfp, when set, is the zfp filter whose chunks numcodecs' zfpy
	// reads with the header put in front: every chunk is inlined so
	// (zfp.go).
	zfp *zfpStage
	// why, when set, says why every chunk is decoded, for the report
	// of a dataset too large to inline.
	why string
}

// applied reports whether filter i runs for chunks with mask m.
func applied(i int, m uint32) bool { return m&(1<<uint(i)) == 0 }

// newCodecPlan maps the filters that chunks with mask m went through, in
// pipeline order, onto numcodecs configurations.
//
// narrow, when not nil, is a narrow integer or float type (see widen): its chunks are
// always decoded, widened and re-encoded.
func newCodecPlan(filters []filter, m uint32, elemSize int, narrow *datatype) (*codecPlan, error) {
	p := &codecPlan{source: filters, mask: m, widen: narrow}
	var target []filter
	for i, flt := range filters {
		if applied(i, m) {
			target = append(target, flt)
		}
	}
	for i := 1; i < len(target); i++ {
		// numcodecs' shuffle refuses a buffer that is not a whole number
		// of elements, where HDF5 leaves the tail in place. A shuffle that
		// runs over anything but the data (HDF5 allows any order) may see
		// such a buffer: netCDF-C writes fletcher32 before shuffle (data
		// plus 4 checksum bytes, fine for 1-, 2- and 4-byte elements), and
		// a shuffle after a compressor sees compressed bytes of any
		// length. Such chunks are re-encoded with shuffle first.
		if target[i].id != filterShuffle || shuffleSize(target[i], elemSize) == 1 {
			continue
		}
		for _, before := range target[:i] {
			switch {
			case before.id == filterShuffle:
			case before.id == filterFletcher32 && 4%shuffleSize(target[i], elemSize) == 0:
			default:
				p.reencodeAll = true
			}
		}
	}
	decodedOnly := narrow != nil
	p.reencodeAll = p.reencodeAll || decodedOnly
	for _, flt := range target {
		if decodeOnlyFilters[flt.id] {
			p.reencodeAll, decodedOnly = true, true
		}
	}
	if p.reencodeAll {
		kept := target[:0:0]
		deflated := false
		for _, flt := range target {
			if flt.id != filterFletcher32 && !decodeOnlyFilters[flt.id] {
				kept = append(kept, flt)
				deflated = deflated || flt.id == filterDeflate
			}
		}
		// Shuffle goes first, where it sees whole elements.
		slices.SortStableFunc(kept, func(a, b filter) int {
			return cmp.Compare(shuffleRank(a), shuffleRank(b))
		})
		if decodedOnly && !deflated {
			// The decoded chunks are inlined: compress them with what
			// every reader has rather than inflate the JSON.
			kept = append(kept, filter{id: filterDeflate, params: []uint32{1}})
		}
		target = kept
	} else if n := len(target); n > 0 && target[n-1].id == filterFletcher32 {
		p.trimChecksum = true
		target = target[:n-1]
	}
	p.target = target
	for _, flt := range target {
		switch flt.id {
		case filterDeflate:
			level := 4
			if len(flt.params) > 0 {
				level = int(flt.params[0])
			}
			p.codecs = append(p.codecs, refs.Codec{"id": "zlib", "level": level})
		case filterShuffle:
			p.codecs = append(p.codecs, refs.Codec{"id": "shuffle", "elementsize": shuffleSize(flt, elemSize)})
		case filterFletcher32:
			p.codecs = append(p.codecs, refs.Codec{"id": "fletcher32"})
		case filterBlosc:
			// cd_values: filter and format versions, type size, chunk
			// size, then level, shuffle mode and compressor (defaults 5,
			// byte shuffle, blosclz). Only the decoder reads the chunks,
			// whose header says how they were compressed; the rest is
			// for writers.
			c := refs.Codec{"id": "blosc", "clevel": param(flt, 4, 5), "shuffle": param(flt, 5, 1), "blocksize": 0}
			names := []string{"blosclz", "lz4", "lz4hc", "snappy", "zlib", "zstd"}
			if code := param(flt, 6, 0); code < len(names) {
				c["cname"] = names[code]
			} else {
				return nil, errUnsupported(fmt.Sprintf("HDF5 blosc filter with compressor code %d", code))
			}
			p.codecs = append(p.codecs, c)
		case filterZstd:
			p.codecs = append(p.codecs, refs.Codec{"id": "zstd", "level": param(flt, 0, 3)})
		case filterBzip2:
			p.codecs = append(p.codecs, refs.Codec{"id": "bz2", "level": param(flt, 0, 9)})
		default:
			name := flt.name
			if name == "" {
				name = knownFilterNames[flt.id]
			}
			return nil, errUnsupported(fmt.Sprintf("HDF5 filter %d (%s): no numcodecs codec reads its chunks as stored, and gokerchunk cannot decode them", flt.id, name))
		}
	}
	return p, nil
}

// shuffleRank orders shuffle before every other filter.
func shuffleRank(f filter) int {
	if f.id == filterShuffle {
		return 0
	}
	return 1
}

// reencode turns a chunk stored with filter mask m into the bytes the plan's
// codecs expect: undo the filters it went through, then apply the target's.
func (p *codecPlan) reencode(stored []byte, m uint32, elemSize, limit int) ([]byte, error) {
	data, err := unfilter(p.source, stored, m, elemSize, limit)
	if err != nil {
		return nil, err
	}
	if p.widen != nil {
		if len(data) == len(stored) && &data[0] == &stored[0] {
			data = append([]byte(nil), data...) // never rewrite the caller's bytes
		}
		widen(p.widen, data)
	}
	for _, flt := range p.target {
		if data, err = encodeFilter(flt, data, elemSize); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// decodeOnlyFilters have no numcodecs codec with the same byte format
// (numcodecs' LZ4 frames differently; it has no LZF, LZO, bitshuffle,
// n-bit, scale-offset or szip filter), but their chunks can be decoded
// here: they are inlined re-encoded. zfp is one only where zfpy cannot read every
// chunk (zfp.go).
var decodeOnlyFilters = map[uint16]bool{
	filterLZ4: true, filterLZF: true, filterLZO: true, filterBitshuffle: true, filterScaleOffset: true, filterNbit: true,
	filterSzip: true, filterZFP: true,
}

// param returns client data value i of a filter, or def when absent.
func param(flt filter, i int, def int) int {
	if i < len(flt.params) {
		return int(flt.params[i])
	}
	return def
}

// encodable reports whether encodeFilter can produce chunks for the plan's
// codecs.
func (p *codecPlan) encodable() bool {
	for _, flt := range p.target {
		switch flt.id {
		case filterDeflate, filterShuffle, filterFletcher32:
		default:
			return false
		}
	}
	return true
}

// unfilter undoes, last first, the filters a chunk stored with mask m went
// through; limit bounds every stage's output (the chunk's size, plus room
// for checksums).
func unfilter(filters []filter, stored []byte, m uint32, elemSize, limit int) ([]byte, error) {
	data := stored
	var err error
	for i := len(filters) - 1; i >= 0; i-- {
		if !applied(i, m) {
			continue
		}
		if data, err = decodeFilter(filters[i], data, elemSize, limit); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func shuffleSize(flt filter, elemSize int) int {
	if len(flt.params) > 0 && flt.params[0] > 0 {
		return int(flt.params[0])
	}
	return elemSize
}

func decodeFilter(flt filter, data []byte, elemSize, limit int) ([]byte, error) {
	var out []byte
	var err error
	switch flt.id {
	case filterDeflate:
		out, err = codec.Zlib(nil, data, limit)
	case filterShuffle:
		return codec.Unshuffle(nil, data, shuffleSize(flt, elemSize)), nil
	case filterFletcher32:
		if len(data) < 4 {
			return nil, fmt.Errorf("fletcher32: %d-byte chunk", len(data))
		}
		n := len(data) - 4
		if got, want := binary.LittleEndian.Uint32(data[n:]), codec.Fletcher32(data[:n]); got != want {
			return nil, fmt.Errorf("fletcher32 checksum %#x, computed %#x", got, want)
		}
		return data[:n], nil
	case filterBlosc:
		out, err = codec.Blosc(nil, data, limit)
	case filterZstd:
		out, err = codec.Zstd(nil, data, limit)
	case filterBzip2:
		out, err = codec.Bzip2(nil, data, limit)
	case filterLZ4:
		out, err = codec.HDF5LZ4(nil, data, limit)
	case filterLZF:
		out, err = codec.LZF(nil, data, limit)
	case filterLZO:
		out, err = codec.PyTablesLZO(nil, data, limit)
	case filterBitshuffle:
		out, err = codec.HDF5Bitshuffle(nil, data, flt.params, limit)
	case filterScaleOffset:
		out, err = codec.ScaleOffset(nil, data, flt.params, limit)
	case filterNbit:
		out, err = codec.Nbit(nil, data, flt.params, limit)
	case filterSzip:
		out, err = codec.Szip(nil, data, flt.params, limit)
	case filterZFP:
		out, err = codec.HDF5ZFP(nil, data, flt.params, limit)
	default:
		return nil, errUnsupported(fmt.Sprintf("HDF5 filter %d", flt.id))
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", knownFilterNames[flt.id], err)
	}
	return out, nil
}

func encodeFilter(flt filter, data []byte, elemSize int) ([]byte, error) {
	switch flt.id {
	case filterDeflate:
		return codec.ZlibEncode(data, param(flt, 0, 4))
	case filterShuffle:
		return codec.Shuffle(nil, data, shuffleSize(flt, elemSize)), nil
	case filterFletcher32:
		return codec.AppendFletcher32(data), nil
	}
	return nil, errUnsupported(fmt.Sprintf("HDF5 filter %d", flt.id))
}
