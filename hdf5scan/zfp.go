package hdf5scan

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gokerchunk/codec"
	"gokerchunk/refs"
)

// The HDF5 zfp filter (H5Z-ZFP, 32013) stores each chunk as a zfp stream
// without a header: the header (the scalar type, the chunk's non-unit
// dimensions with the fastest first, the compression mode) is in the
// filter's client data, written by its set_local callback. numcodecs'
// zfpy codec decodes a stream with that header in front, and a kerchunk
// reference is a byte range, which cannot add bytes: every chunk is
// inlined as the header followed by the stream (codec.ZFPHeader.Stream).
// Chunks that zfp skipped, or that went through a filter before it, have
// no zfp stream to give the zfpy codec (there is no zfp encoder here):
// then every chunk of the dataset is decoded and inlined instead, like
// the filters numcodecs cannot express (decodeOnlyFilters).

// zfpStage is the zfp filter of a codec plan whose chunks zfpy reads.
type zfpStage struct {
	index  int // the filter's position in the pipeline
	header *codec.ZFPHeader
}

// codecPlan is the codec plan of a chunked dataset whose chunks went
// through the filters of mask common, the most frequent mask of recs.
func (s *scanner) codecPlan(ds *variable, common uint32, recs []gridChunk) (*codecPlan, error) {
	i := slices.IndexFunc(ds.filters, func(f filter) bool { return f.id == filterZFP })
	if i < 0 || !applied(i, common) && !slices.ContainsFunc(recs, func(r gridChunk) bool { return applied(i, r.mask) }) {
		// No chunk went through zfp (libhdf5 reads them without it).
		return newCodecPlan(ds.filters, common, ds.dtype.size, ds.ztype.narrow)
	}
	h, err := s.zfpHeader(ds, ds.filters[i])
	if err != nil {
		return nil, err
	}
	why := zfpyCannotRead(ds, i, common, recs)
	if why == "" {
		return newZFPPlan(ds.filters, i, h, common), nil
	}
	p, err := newCodecPlan(ds.filters, common, ds.dtype.size, ds.ztype.narrow)
	if err != nil {
		return nil, err
	}
	p.why = why
	return p, nil
}

// zfpHeader reads the zfp header in the client data of the dataset's zfp
// filter and checks it against the dataset: a header that does not parse
// or describes another field is damage (libhdf5 cannot read the chunks
// either), a codec version zfp 1.x cannot read is unsupported.
func (s *scanner) zfpHeader(ds *variable, flt filter) (*codec.ZFPHeader, error) {
	h, err := codec.HDF5ZFPHeader(flt.params)
	var ue *codec.UnsupportedError
	switch {
	case errors.As(err, &ue):
		return nil, errUnsupported(fmt.Sprintf("HDF5 zfp filter: %s", ue.Feature))
	case err != nil:
		return nil, s.f.formatError("filter pipeline message", ds.filtersOff, "%s: zfp filter client data %v: %v", ds.path, flt.params, err)
	}
	t := ds.dtype
	var want codec.ZFPType
	switch {
	case t.class == classFloat && t.ieee && t.size == 4:
		want = codec.ZFPFloat
	case t.class == classFloat && t.ieee && t.size == 8:
		want = codec.ZFPDouble
	case t.class == classFixedPoint && t.size == 4:
		want = codec.ZFPInt32
	case t.class == classFixedPoint && t.size == 8:
		want = codec.ZFPInt64
	}
	// H5Z-ZFP codes the chunk's axes longer than 1, the last (fastest)
	// as zfp's x; Zarr reshapes what zfpy decodes to the chunk's shape.
	var axes []int
	for _, n := range ds.layout.chunk {
		if n > 1 {
			axes = append(axes, int(n))
		}
	}
	if len(axes) == 0 {
		axes = []int{1}
	}
	if h.Type != want || !slices.Equal(h.Shape, axes) {
		return nil, s.f.formatError("filter pipeline message", ds.filtersOff, "%s: the zfp header describes a %v field of %s, the dataset has chunks %v of %s",
			ds.path, h.Shape, h.Type, ds.layout.chunk, t)
	}
	if t.bigEndian {
		// H5Z-ZFP hands libhdf5 the values in the dataset's byte order;
		// zfpy (and the decoder here) give them in the machine's.
		return nil, errUnsupported(fmt.Sprintf("HDF5 zfp filter on a big-endian %s", t))
	}
	return h, nil
}

// zfpyCannotRead says why the chunks of a dataset whose zfp filter is
// filters[i] cannot all be given the zfpy codec, or "" when they can:
// every chunk must hold a zfp stream of the values themselves, zfp
// applied and no filter before it.
func zfpyCannotRead(ds *variable, i int, common uint32, recs []gridChunk) string {
	if ds.ztype.narrow != nil {
		return "narrow integers compressed with zfp must be decoded and widened"
	}
	if slices.ContainsFunc(ds.filters[i+1:], func(f filter) bool { return f.id == filterZFP }) {
		return "a pipeline with zfp twice must be decoded"
	}
	masks := []uint32{common}
	for _, r := range recs {
		masks = append(masks, r.mask)
	}
	for _, m := range masks {
		if !applied(i, m) {
			return fmt.Sprintf("chunks stored without zfp (filter mask %#x) among zfp ones cannot be given numcodecs' zfpy codec (gokerchunk has no zfp encoder), so every chunk is decoded", m)
		}
		for j := range i {
			if applied(j, m) {
				return fmt.Sprintf("filter %s runs before zfp, so zfpy cannot read the chunks: every chunk is decoded", describeFilters(ds.filters[j:j+1]))
			}
		}
	}
	return ""
}

// newZFPPlan is the plan of a pipeline whose zfp filter, filters[i],
// zfpy reads: the filters after it are undone and the header put in front
// of every chunk, all inlined (inlineZFP).
func newZFPPlan(filters []filter, i int, h *codec.ZFPHeader, common uint32) *codecPlan {
	return &codecPlan{
		source: filters,
		mask:   common,
		target: filters[i : i+1],
		codecs: []refs.Codec{zfpyCodec(h)},
		zfp:    &zfpStage{index: i, header: h},
	}
}

// zfpyCodec is numcodecs' zfpy configuration for the header's mode. Only
// an encoder reads it (the stream's header says how to decode): numcodecs
// encodes with the rate, precision or tolerance its mode names, and with
// tolerance -1 reversibly. zfpy has no expert mode: its configuration
// (mode 1) decodes, and numcodecs cannot encode with it.
func zfpyCodec(h *codec.ZFPHeader) refs.Codec {
	const (
		modeExpert    = 1 // zfpy.mode_expert
		modeRate      = 2
		modePrecision = 3
		modeAccuracy  = 4
	)
	c := refs.Codec{"id": "zfpy", "mode": modeExpert, "tolerance": -1, "rate": -1, "precision": -1}
	switch h.Mode() {
	case codec.ZFPFixedRate:
		c["mode"], c["rate"] = modeRate, float64(h.MaxBits)/float64(int(1)<<(2*len(h.Shape)))
	case codec.ZFPFixedPrecision:
		c["mode"], c["precision"] = modePrecision, int(h.MaxPrec)
	case codec.ZFPFixedAccuracy:
		c["mode"], c["tolerance"] = modeAccuracy, math.Ldexp(1, int(h.MinExp))
	case codec.ZFPReversible:
		c["mode"] = modeAccuracy
	}
	return c
}

// zfpStreamLimit bounds the zfp stream the filters after zfp give back for
// a chunk of nbytes: zfp spends at most a few bits per value beyond the
// value's own, and a block header.
func zfpStreamLimit(nbytes int64) int { return int(2*nbytes) + 1024 }

// inlineZFP inlines every chunk of a plan that zfpy reads: the filters
// after zfp that the chunk went through undone, the header put in front.
// The inlined bytes count against the decoded-inline budget.
func (s *scanner) inlineZFP(ds *variable, m *refs.Manifest, recs []gridChunk, p *codecPlan, nbytes int64) error {
	z := p.zfp
	after := p.source[z.index+1:]
	var inlined int64
	for _, r := range recs {
		if inlined+r.size > s.maxDecodedInline() {
			return s.zfpTooLarge(len(recs))
		}
		stored, err := s.f.read("chunk", r.addr, int(r.size))
		if err != nil {
			return err
		}
		bare, err := unfilter(after, stored, r.mask>>(z.index+1), ds.dtype.size, zfpStreamLimit(nbytes))
		if err != nil {
			return s.chunkError(r, err)
		}
		data := z.header.Stream(nil, bare)
		if inlined += int64(len(data)); inlined > s.maxDecodedInline() {
			return s.zfpTooLarge(len(recs))
		}
		m.SetInline(r.linear, data)
	}
	return nil
}

func (s *scanner) zfpTooLarge(chunks int) error {
	return errUnsupported(fmt.Sprintf("zfp: kerchunk references cannot put the zfp header, which the HDF5 filter keeps in its client data, in front of the stored chunks for numcodecs' zfpy codec, so all %d chunks must be inlined with it, and they are too large (over %d MiB) to inline",
		chunks, s.maxDecodedInline()>>20))
}
