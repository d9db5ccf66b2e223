package codec

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// zfp is LLNL's compressor for arrays of floating-point and integer values
// (https://zfp.llnl.gov). This file decodes codec version 5, what zfp 0.5.0
// to 1.0.x write, as zfp 1.0's C library does (src/template/decode*.c,
// revdecode*.c, codecf.c; the default build: no rounding mode, no tight
// error): every stream this decoder accepts gives the values the C library
// gives, bit for bit.
//
// A field of 1 to 4 dimensions is cut into blocks of 4^d values, x (the
// fastest axis) first; partial blocks at the upper edges were padded by the
// encoder and are decoded whole. Each block is a sequence of bits, least
// significant bit of each byte first: for floating-point types a 1-bit
// "non-zero" flag and the block's largest exponent, then the block as
// integers (block-floating-point), coded as bit planes from the most
// significant down, each plane's leading bits verbatim and the rest
// group-tested; the integers are reordered (by sequency), mapped from
// negabinary, and run through the inverse decorrelating transform. The
// reversible (lossless) mode codes the number of bit planes first, uses a
// reversible transform and, for floating-point blocks the
// block-floating-point form cannot restore exactly, the values' bits.
// Fixed-rate mode pads every block to the same number of bits.

// ZFPType is the scalar type of a zfp field (zfp_type).
type ZFPType uint8

// The zfp scalar types, as the field metadata numbers them.
const (
	ZFPInt32  ZFPType = 1
	ZFPInt64  ZFPType = 2
	ZFPFloat  ZFPType = 3
	ZFPDouble ZFPType = 4
)

// Size is the type's size in bytes.
func (t ZFPType) Size() int {
	if t == ZFPInt32 || t == ZFPFloat {
		return 4
	}
	return 8
}

func (t ZFPType) String() string {
	switch t {
	case ZFPInt32:
		return "int32"
	case ZFPInt64:
		return "int64"
	case ZFPFloat:
		return "float"
	case ZFPDouble:
		return "double"
	}
	return fmt.Sprintf("zfp type %d", uint8(t))
}

// ZFPCodecVersion is the codec version (ZFP_CODEC) this package decodes:
// zfp 0.5.0 to 1.0.x write version 5 and refuse streams of any other.
const ZFPCodecVersion = 5

// Constants of zfp.h.
const (
	zfpMagicBits     = 32
	zfpMetaBits      = 52
	zfpModeShortBits = 12
	zfpModeLongBits  = 64
	zfpModeShortMax  = 1<<zfpModeShortBits - 2 // 0xfff marks a 64-bit mode
	zfpMinBits       = 1
	zfpMaxBits       = 16658
	zfpMaxPrec       = 64
	zfpMinExp        = -1074
)

// ZFPMode is the compression mode that a header's parameters select
// (zfp_stream_compression_mode).
type ZFPMode uint8

// The zfp compression modes.
const (
	ZFPExpert ZFPMode = iota + 1
	ZFPFixedRate
	ZFPFixedPrecision
	ZFPFixedAccuracy
	ZFPReversible
)

// ZFPHeader is what a full zfp header says (zfp_write_header with
// ZFP_HEADER_FULL): the 32-bit magic ("zfp" and the codec version), 52 bits
// of field metadata (scalar type, dimensionality, sizes) and the compression
// parameters in a 12-bit code for the common modes or 64 bits otherwise.
type ZFPHeader struct {
	Type ZFPType
	// Shape is the field's size, slowest axis first as numpy and HDF5
	// order them (zfp's nx, the fastest axis, is the last).
	Shape []int
	// The compression parameters (zfp_stream_set_params).
	MinBits, MaxBits, MaxPrec uint32
	MinExp                    int32
	// Bits is the header's length: 96 bits, or 148 with a 64-bit mode.
	Bits int
	raw  []byte // the header's bits, the rest of its last byte zero
}

// Elements is the number of values of the field.
func (h *ZFPHeader) Elements() int64 {
	n := int64(1)
	for _, s := range h.Shape {
		n *= int64(s)
	}
	return n
}

// Mode is the compression mode the parameters select.
func (h *ZFPHeader) Mode() ZFPMode {
	switch {
	case h.MinBits == zfpMinBits && h.MaxBits == zfpMaxBits && h.MaxPrec == zfpMaxPrec && h.MinExp == zfpMinExp:
		return ZFPExpert // zfp's defaults count as expert mode
	case h.MinBits == h.MaxBits && h.MaxPrec >= zfpMaxPrec && h.MinExp == zfpMinExp:
		return ZFPFixedRate
	case h.MinBits <= zfpMinBits && h.MaxBits >= zfpMaxBits && h.MinExp == zfpMinExp:
		return ZFPFixedPrecision
	case h.MinBits <= zfpMinBits && h.MaxBits >= zfpMaxBits && h.MaxPrec >= zfpMaxPrec && h.MinExp >= zfpMinExp:
		return ZFPFixedAccuracy
	case h.MinBits <= zfpMinBits && h.MaxBits >= zfpMaxBits && h.MaxPrec >= zfpMaxPrec:
		return ZFPReversible
	}
	return ZFPExpert
}

// reversible reports whether the stream is in reversible mode, which
// decodes differently (REVERSIBLE in zfp's sources).
func (h *ZFPHeader) reversible() bool { return h.MinExp < zfpMinExp }

// ReadZFPHeader reads the full header at the start of a zfp stream, as
// zfpy and numcodecs' zfpy codec write it in front of every stream.
func ReadZFPHeader(src []byte) (*ZFPHeader, error) {
	return readZFPHeader("zfp", src)
}

func readZFPHeader(format string, src []byte) (*ZFPHeader, error) {
	r := lsbReader{src: src}
	magic := r.read(zfpMagicBits)
	meta := r.read(zfpMetaBits)
	mode := r.read(zfpModeShortBits)
	if mode > zfpModeShortMax {
		mode += r.read(zfpModeLongBits-zfpModeShortBits) << zfpModeShortBits
	}
	switch {
	case magic&0xffffff != 'z'|'f'<<8|'p'<<16:
		return nil, formatErr(format, 0, "no zfp header: magic %#08x", magic)
	case magic>>24 != ZFPCodecVersion:
		return nil, &UnsupportedError{Format: format, Feature: fmt.Sprintf("zfp codec version %d (zfp 0.5 and 1.x write and read version %d)", magic>>24, ZFPCodecVersion)}
	case r.overrun:
		return nil, formatErr(format, 0, "%d bytes cannot hold a zfp header", len(src))
	}
	h := &ZFPHeader{Type: ZFPType(meta&3 + 1), Bits: int(r.pos)}
	dims := int(meta>>2&3) + 1
	meta >>= 4
	// zfp_field_set_metadata: one 32-bit size (of 48 stored bits), or
	// 24, 16 or 12 bits per axis, x first.
	width := [...]uint{32, 24, 16, 12}[dims-1]
	h.Shape = make([]int, dims)
	for i := dims - 1; i >= 0; i-- {
		h.Shape[i] = int(meta&(1<<width-1)) + 1
		meta >>= width
	}
	if err := h.setMode(format, mode); err != nil {
		return nil, err
	}
	n := (h.Bits + 7) / 8
	h.raw = append([]byte(nil), src[:n]...)
	if h.Bits%8 != 0 {
		h.raw[n-1] &= 1<<(h.Bits%8) - 1
	}
	return h, nil
}

// setMode sets the compression parameters a mode code gives
// (zfp_stream_set_mode).
func (h *ZFPHeader) setMode(format string, mode uint64) error {
	h.MinBits, h.MaxBits, h.MaxPrec, h.MinExp = zfpMinBits, zfpMaxBits, zfpMaxPrec, zfpMinExp
	switch {
	case mode < 2048: // fixed rate: maxbits 1 to 2048
		h.MinBits, h.MaxBits = uint32(mode)+1, uint32(mode)+1
	case mode < 2048+128: // fixed precision: 1 to 128
		h.MaxPrec = uint32(mode) + 1 - 2048
	case mode == 2048+128:
		h.MinExp = zfpMinExp - 1 // reversible
	case mode <= zfpModeShortMax: // fixed accuracy: minexp -1074 to 843
		h.MinExp = int32(mode) + zfpMinExp - (2048 + 128 + 1)
	default: // 64 bits: 12 bits 0xfff, then each parameter
		mode >>= 12
		h.MinBits = uint32(mode&0x7fff) + 1
		mode >>= 15
		h.MaxBits = uint32(mode&0x7fff) + 1
		mode >>= 15
		h.MaxPrec = uint32(mode&0x7f) + 1
		mode >>= 7
		h.MinExp = int32(mode&0x7fff) - 16495
	}
	if h.MinBits > h.MaxBits || h.MaxPrec == 0 || h.MaxPrec > zfpMaxPrec {
		return formatErr(format, -1, "zfp header: invalid parameters minbits %d, maxbits %d, maxprec %d", h.MinBits, h.MaxBits, h.MaxPrec)
	}
	return nil
}

// ZFP decodes a zfp stream with its full header in front, what zfpy's
// compress_numpy and numcodecs' zfpy codec write, into the field's values
// in C order (the header's Shape), little-endian.
func ZFP(dst, src []byte, limit int) ([]byte, error) {
	h, err := readZFPHeader("zfp", src)
	if err != nil {
		return nil, err
	}
	return h.decode("zfp", dst, src, uint64(h.Bits), limit)
}

// Stream returns what zfpy decodes as h's field: h's header, then the bits
// of bare (a stream without a header, as H5Z-ZFP stores chunks), in dst's
// storage when it is large enough. A header of 148 bits is not a whole
// number of bytes, so bare's bytes then move by 4 bits. The result is
// padded with zero bytes to a whole number of 8-byte words: a zfp built
// with 64-bit stream words (zfpy's wheels) reads whole words, and the
// decoder never reads the padding. h must have been read (ReadZFPHeader,
// HDF5ZFPHeader): Stream copies the header's bits as they were.
func (h *ZFPHeader) Stream(dst, bare []byte) []byte {
	n := (h.Bits + 8*len(bare) + 7) / 8
	out := grow(dst, (n+7)&^7)
	clear(out)
	copy(out, h.raw)
	at, shift := h.Bits/8, uint(h.Bits%8)
	if shift == 0 {
		copy(out[at:], bare)
		return out
	}
	for i, b := range bare {
		out[at+i] |= b << shift
		out[at+i+1] = b >> (8 - shift)
	}
	return out
}

// Constant returns a zfp stream, with its full header, that decodes to
// h's field with every value equal to value (one element of h.Type,
// little-endian): in reversible mode, each block as its one non-zero
// coefficient (floating-point values as their bits). zfpy decodes it like
// any stream; a reader of the field learns the mode from the header.
func (h *ZFPHeader) Constant(value []byte) []byte {
	var w lsbWriter
	w.write('z'|'f'<<8|'p'<<16|ZFPCodecVersion<<24, zfpMagicBits)
	dims := len(h.Shape)
	width := [...]uint{32, 24, 16, 12}[dims-1]
	meta := uint64(h.Type-1) | uint64(dims-1)<<2
	for i := range dims {
		meta |= uint64(h.Shape[dims-1-i]-1) << (4 + width*uint(i))
	}
	w.write(meta, zfpMetaBits)
	w.write(2048+128, zfpModeShortBits) // reversible
	intPrec := uint(8 * h.Type.Size())
	var v uint64 // the block's first coefficient, as an unsigned integer
	if intPrec == 32 {
		v = uint64(binary.LittleEndian.Uint32(value))
	} else {
		v = binary.LittleEndian.Uint64(value)
	}
	zero := v == 0
	float := h.Type == ZFPFloat || h.Type == ZFPDouble
	if float && int64(v<<(64-intPrec)) < 0 {
		v ^= 1<<(intPrec-1) - 1 // sign-magnitude to two's complement
	}
	nb := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - intPrec)
	v = (v + nb) ^ nb // two's complement to negabinary (int2uint)
	if intPrec == 32 {
		v &= 1<<32 - 1
	}
	// The bit planes from the top down to v's lowest set bit.
	prec := uint(1)
	if v != 0 {
		prec = intPrec - uint(bits.TrailingZeros64(v))
	}
	pBits := uint(5)
	if intPrec == 64 {
		pBits = 6
	}
	blocks := 1
	for _, n := range h.Shape {
		blocks *= (n + 3) / 4
	}
	for range blocks {
		if float {
			if zero {
				w.write(0, 1) // an all-zero block
				continue
			}
			w.write(0b11, 2) // non-zero, the values' bits
		}
		w.write(uint64(prec-1), pBits)
		sig := false // coefficient 0 found significant
		for k := intPrec - 1; k+prec >= intPrec && k < intPrec; k-- {
			bit := v >> k & 1
			switch {
			case sig:
				w.write(bit, 1) // coefficient 0 verbatim, then no other
				w.write(0, 1)
			case bit == 1:
				w.write(0b011, 3) // a significant one, at 0; no other
				sig = true
			default:
				w.write(0, 1) // none in this plane
			}
		}
	}
	return w.bytes()
}

// lsbWriter writes a stream least significant bit of each byte first.
type lsbWriter struct {
	buf []byte
	n   uint64 // bits written
}

func (w *lsbWriter) write(v uint64, n uint) {
	for i := range n {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		w.buf[w.n/8] |= byte(v>>i&1) << (w.n % 8)
		w.n++
	}
}

// bytes returns the stream padded to a whole number of 8-byte words, as
// Stream pads.
func (w *lsbWriter) bytes() []byte {
	for len(w.buf)%8 != 0 {
		w.buf = append(w.buf, 0)
	}
	return w.buf
}

// HDF5ZFPHeader reads the zfp header that H5Z-ZFP, the HDF5 zfp filter
// (32013), keeps in a dataset's cd_values: [0] the zfp library and codec
// versions and the filter's, [1:] the full header (ZFP_HEADER_FULL) as a
// stream of 32-bit words, which the filter's set_local callback writes in
// the writer's byte order. Chunks hold the bare stream.
//
// A header whose codec version zfp 1.x cannot read is an UnsupportedError,
// as H5Z-ZFP's own check (zfp_codec_version_mismatch) refuses it.
func HDF5ZFPHeader(cdValues []uint32) (*ZFPHeader, error) {
	const format = "hdf5-zfp"
	if len(cdValues) < 4 {
		return nil, formatErr(format, -1, "%d cd_values, want the versions and at least 3 words of zfp header", len(cdValues))
	}
	// H5Z-ZFP 1.1 writes (zfp version << 16) | (codec << 12) | filter
	// version, zfp's version in 4 hex digits (0x1000 for 1.0.0); earlier
	// releases wrote it in 3 (0x055 for 0.5.5) and no codec.
	version := cdValues[0] >> 16
	if version < 0x0100 {
		version <<= 4
	}
	codec := uint32(ZFPCodecVersion)
	switch {
	case version < 0x0500:
		codec = 4
	case version > 0x1000:
		codec = cdValues[0] >> 12 & 0xf
	}
	if codec != ZFPCodecVersion {
		return nil, &UnsupportedError{Format: format, Feature: fmt.Sprintf("zfp codec version %d (cd_values[0] %#x; zfp 0.5 and 1.x read version %d)", codec, cdValues[0], ZFPCodecVersion)}
	}
	words := cdValues[1:]
	b := make([]byte, 4*len(words))
	for i, w := range words {
		binary.LittleEndian.PutUint32(b[4*i:], w)
	}
	h, err := readZFPHeader(format, b)
	if err == nil {
		return h, nil
	}
	// Written on a big-endian machine: the words' bytes are in the other
	// order (H5Z-ZFP's get_zfp_info_from_cd_values tries both).
	for i, w := range words {
		binary.BigEndian.PutUint32(b[4*i:], w)
	}
	if h, berr := readZFPHeader(format, b); berr == nil {
		return h, nil
	}
	return nil, err
}

// HDF5ZFP decodes a chunk of H5Z-ZFP (HDF5 filter 32013), a zfp stream
// without a header, given the filter's cd_values (HDF5ZFPHeader), into the
// chunk's values in C order, little-endian.
func HDF5ZFP(dst, src []byte, cdValues []uint32, limit int) ([]byte, error) {
	h, err := HDF5ZFPHeader(cdValues)
	if err != nil {
		return nil, err
	}
	return h.decode("hdf5-zfp", dst, src, 0, limit)
}

// zfpInt and zfpUint are the integer types blocks are coded in: int32 for
// int32 and float fields, int64 for int64 and double ones (traits*.h).
type zfpInt interface{ int32 | int64 }
type zfpUint interface{ uint32 | uint64 }

// blockKind says what a decoded block of integers stands for.
type blockKind uint8

const (
	blockZero        blockKind = iota // every value is zero
	blockInts                         // the values (integer fields)
	blockScaled                       // block-floating-point: values times 2^(emax-precision+2)
	blockReinterpret                  // the values' bits, sign-magnitude mapped to two's complement
)

// decode decodes the stream in src from bit start.
func (h *ZFPHeader) decode(format string, dst, src []byte, start uint64, limit int) ([]byte, error) {
	size := h.Elements() * int64(h.Type.Size())
	if size > int64(max(limit, 0)) {
		return nil, overLimit(format, limit)
	}
	out := grow(dst, int(size))
	r := lsbReader{src: src, pos: start}
	var err error
	if h.Type.Size() == 4 {
		err = zfpDecode[int32, uint32](h, &r, out, format)
	} else {
		err = zfpDecode[int64, uint64](h, &r, out, format)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// zfpDecode decodes every block of the field into out.
func zfpDecode[I zfpInt, U zfpUint](h *ZFPHeader, r *lsbReader, out []byte, format string) error {
	dims := len(h.Shape)
	d := zfpBlockDecoder[I, U]{h: h, r: r, dims: dims, perm: zfpPerms[dims-1]}
	d.intPrec = uint32(8 * h.Type.Size())
	d.nbMask = ^U(0) / 3 * 2 // 0xaa...a
	d.tcMask = ^U(0) >> 1    // all bits but the sign
	d.pBits = 5
	if d.intPrec == 64 {
		d.pBits = 6
	}
	switch h.Type {
	case ZFPFloat:
		d.eBits, d.eBias = 8, 127
	case ZFPDouble:
		d.eBits, d.eBias = 11, 1023
	}
	n := [4]int{1, 1, 1, 1} // nx, ny, nz, nw
	for i := range dims {
		n[i] = h.Shape[dims-1-i]
	}
	stride := [4]int{1, n[0], n[0] * n[1], n[0] * n[1] * n[2]}
	elem := h.Type.Size()
	blockLen := 1 << (2 * dims)
	var block int64
	for w := 0; w < n[3]; w += 4 {
		for z := 0; z < n[2]; z += 4 {
			for y := 0; y < n[1]; y += 4 {
				for x := 0; x < n[0]; x += 4 {
					kind, emax := d.block(blockLen)
					if r.overrun {
						return formatErr(format, int(min(r.pos/8, uint64(len(r.src)))), "stream ends in block %d", block)
					}
					block++
					scale32 := float32(math.Ldexp(1, emax-30))
					scale64 := math.Ldexp(1, emax-62)
					for bw := range min(4, n[3]-w) {
						for bz := range min(4, n[2]-z) {
							for by := range min(4, n[1]-y) {
								at := (x + (y+by)*stride[1] + (z+bz)*stride[2] + (w+bw)*stride[3]) * elem
								for bx := range min(4, n[0]-x) {
									v := d.iblock[bx+4*by+16*bz+64*bw]
									p := out[at+bx*elem:]
									switch {
									case kind == blockZero:
										clear(p[:elem])
									case kind == blockScaled && elem == 4:
										binary.LittleEndian.PutUint32(p, math.Float32bits(scale32*float32(v)))
									case kind == blockScaled:
										binary.LittleEndian.PutUint64(p, math.Float64bits(scale64*float64(v)))
									case kind == blockReinterpret && v < 0:
										v = I(U(v) ^ d.tcMask) // two's complement to sign-magnitude
										fallthrough
									default:
										if elem == 4 {
											binary.LittleEndian.PutUint32(p, uint32(v))
										} else {
											binary.LittleEndian.PutUint64(p, uint64(v))
										}
									}
								}
							}
						}
					}
				}
			}
		}
	}
	return nil
}

// zfpBlockDecoder decodes blocks of one field: I and U are the block's
// integer types.
type zfpBlockDecoder[I zfpInt, U zfpUint] struct {
	h       *ZFPHeader
	r       *lsbReader
	dims    int
	perm    []uint8
	intPrec uint32 // bits of I
	nbMask  U      // the negabinary mask 0xaa...a
	tcMask  U      // every bit but the sign
	pBits   uint   // bits of a reversible block's precision
	eBits   uint   // bits of a floating-point block's exponent (0: integers)
	eBias   int
	iblock  [256]I
	ublock  [256]U
}

// block decodes the next block (zfp_decode_block) and says what its
// integers stand for; emax is a scaled block's exponent.
func (d *zfpBlockDecoder[I, U]) block(n int) (blockKind, int) {
	h, r := d.h, d.r
	if d.eBits == 0 {
		if h.reversible() {
			d.revInts(int(h.MinBits), h.MaxBits, n)
		} else {
			d.ints(int(h.MinBits), h.MaxBits, h.MaxPrec, n)
		}
		return blockInts, 0
	}
	bits := uint32(1)
	if r.bit() == 0 {
		if h.MinBits > bits {
			r.skip(uint64(h.MinBits - bits))
		}
		return blockZero, 0
	}
	if h.reversible() {
		// revdecodef.c: a second bit chooses between the values' bits
		// and block-floating-point.
		bits++
		if r.bit() == 1 {
			d.revInts(int(h.MinBits)-int(bits), h.MaxBits-bits, n)
			return blockReinterpret, 0
		}
		bits += uint32(d.eBits)
		emax := int(r.read(d.eBits)) - d.eBias
		d.revInts(int(h.MinBits)-int(bits), h.MaxBits-bits, n)
		if emax == -d.eBias {
			return blockZero, 0 // rev_inv_cast
		}
		return blockScaled, emax
	}
	bits += uint32(d.eBits)
	emax := int(r.read(d.eBits)) - d.eBias
	// precision(): the bit planes that matter at the accuracy asked for.
	maxPrec := uint32(max(0, emax-int(h.MinExp)+2*d.dims+2))
	d.ints(int(h.MinBits)-int(bits), h.MaxBits-bits, min(h.MaxPrec, maxPrec), n)
	return blockScaled, emax
}

// ints decodes a block of integers in the lossy modes (decode.c's
// decode_block). maxBits wraps around as zfp's unsigned arithmetic does.
func (d *zfpBlockDecoder[I, U]) ints(minBits int, maxBits, maxPrec uint32, n int) {
	bits := d.bitPlanes(maxBits, maxPrec, n)
	if int64(bits) < int64(minBits) {
		d.r.skip(uint64(int64(minBits) - int64(bits)))
	}
	d.inverse(n, invLift[I])
}

// inverse puts the block's n coefficients back in place (order) and
// undoes the decorrelating transform with lift, the last axis first.
func (d *zfpBlockDecoder[I, U]) inverse(n int, lift func(p []I, i, s int)) {
	d.order(n)
	for axis := d.dims - 1; axis >= 0; axis-- {
		s := 1 << (2 * axis)
		for i := range n {
			if i>>(2*axis)&3 == 0 {
				lift(d.iblock[:n], i, s)
			}
		}
	}
}

// revInts decodes a block of integers in reversible mode (revdecode.c).
func (d *zfpBlockDecoder[I, U]) revInts(minBits int, maxBits uint32, n int) {
	bits := uint32(d.pBits)
	prec := uint32(d.r.read(d.pBits)) + 1
	bits += d.bitPlanes(maxBits-bits, prec, n)
	if int64(bits) < int64(minBits) {
		d.r.skip(uint64(int64(minBits) - int64(bits)))
	}
	d.inverse(n, revInvLift[I])
}

// bitPlanes decodes the n unsigned coefficients of a block, bit plane by
// bit plane from the most significant, in at most maxBits bits and maxPrec
// planes (decode_ints, decode_many_ints), and returns the bits read. In
// each plane the coefficients found significant in higher planes come
// first, one bit each; the rest are group-tested: a 1 says another
// coefficient is significant, the next after a run of 0s (the last one
// needs no run), a 0 ends the plane.
func (d *zfpBlockDecoder[I, U]) bitPlanes(maxBits, maxPrec uint32, n int) uint32 {
	r := d.r
	data := d.ublock[:n]
	clear(data)
	kmin := uint32(0)
	if d.intPrec > maxPrec {
		kmin = d.intPrec - maxPrec
	}
	bits := maxBits
	size := uint32(n)
	sig := uint32(0) // coefficients found significant so far
	for k := d.intPrec; bits > 0 && k > kmin; {
		k--
		plane := U(1) << k
		verbatim := min(sig, bits)
		bits -= verbatim
		for i := range verbatim {
			if r.bit() != 0 {
				data[i] += plane
			}
		}
		for sig < size && bits > 0 {
			bits--
			if r.bit() == 0 {
				break
			}
			for sig < size-1 && bits > 0 {
				bits--
				if r.bit() != 0 {
					break
				}
				sig++
			}
			data[sig] += plane
			sig++
		}
	}
	return maxBits - bits
}

// order moves the coefficients from sequency order to their places in the
// block and maps them from negabinary to two's complement (inv_order,
// uint2int).
func (d *zfpBlockDecoder[I, U]) order(n int) {
	for i, u := range d.ublock[:n] {
		d.iblock[d.perm[i]] = I((u ^ d.nbMask) - d.nbMask)
	}
}

// invLift is the inverse of zfp's decorrelating transform of the 4 values
// p[i], p[i+s], p[i+2s], p[i+3s] (inv_lift): a non-orthogonal transform in
// additions and shifts, wrapping around as zfp's integers do.
func invLift[I zfpInt](p []I, i, s int) {
	x, y, z, w := p[i], p[i+s], p[i+2*s], p[i+3*s]
	y += w >> 1
	w -= y >> 1
	y += w
	w <<= 1
	w -= y
	z += x
	x <<= 1
	x -= z
	y += z
	z <<= 1
	z -= y
	w += x
	x <<= 1
	x -= w
	p[i], p[i+s], p[i+2*s], p[i+3*s] = x, y, z, w
}

// revInvLift is the inverse of the reversible transform (rev_inv_lift):
// a high-order Lorenzo predictor.
func revInvLift[I zfpInt](p []I, i, s int) {
	x, y, z, w := p[i], p[i+s], p[i+2*s], p[i+3*s]
	w += z
	z += y
	w += z
	y += x
	z += y
	w += z
	p[i], p[i+s], p[i+2*s], p[i+3*s] = x, y, z, w
}

// zfpPerms are the orders in which blocks of 1 to 4 dimensions list their
// coefficients, by sequency (perm_1 to perm_4 of zfp 1.0's codec*.c): each
// entry is the coefficient's place in the block, x + 4y + 16z + 64w. They
// go by the sum of the coordinates, then the sum of their squares, ties in
// zfp's own order, which no rule gives: the tables are zfp's.
var zfpPerms = [4][]uint8{
	{0, 1, 2, 3},
	{
		0, 1, 4, 5, 2, 8, 6, 9, 3, 12, 10, 7, 13, 11, 14, 15,
	},
	{
		0, 1, 4, 16, 20, 17, 5, 2, 8, 32, 21, 6, 18, 24, 9, 33,
		36, 3, 12, 48, 22, 25, 37, 40, 34, 10, 7, 19, 28, 13, 49, 52,
		41, 38, 26, 23, 29, 53, 11, 35, 44, 14, 50, 56, 42, 27, 39, 45,
		30, 54, 57, 60, 51, 15, 43, 46, 58, 61, 55, 31, 62, 59, 47, 63,
	},
	{
		0, 1, 4, 16, 64, 5, 80, 17, 68, 65, 20, 2, 8, 32, 128, 84,
		81, 69, 21, 6, 18, 66, 24, 72, 9, 96, 33, 36, 129, 132, 144, 3,
		12, 48, 192, 85, 82, 70, 22, 73, 25, 88, 37, 100, 97, 148, 145, 133,
		10, 160, 34, 136, 130, 40, 7, 19, 67, 28, 76, 13, 112, 49, 52, 193,
		196, 208, 86, 89, 101, 149, 161, 137, 41, 134, 38, 164, 26, 152, 146, 104,
		98, 74, 83, 71, 23, 77, 29, 92, 53, 116, 113, 212, 209, 197, 11, 35,
		131, 44, 140, 14, 176, 50, 56, 194, 200, 224, 90, 165, 102, 153, 150, 105,
		168, 162, 138, 42, 87, 93, 117, 213, 27, 75, 99, 39, 135, 147, 108, 45,
		141, 156, 30, 78, 177, 180, 54, 114, 120, 57, 198, 210, 216, 201, 225, 228,
		15, 240, 51, 204, 195, 60, 169, 166, 154, 106, 91, 103, 151, 109, 157, 94,
		181, 118, 121, 214, 217, 229, 163, 139, 43, 142, 46, 172, 58, 184, 178, 232,
		226, 202, 241, 205, 61, 199, 55, 244, 31, 220, 211, 124, 115, 79, 170, 167,
		155, 107, 158, 110, 173, 122, 185, 182, 233, 230, 218, 95, 245, 119, 221, 215,
		125, 242, 206, 62, 203, 59, 248, 47, 236, 227, 188, 179, 143, 171, 174, 186,
		234, 246, 222, 126, 219, 123, 249, 111, 237, 231, 189, 183, 159, 252, 243, 207,
		63, 175, 250, 187, 238, 235, 190, 253, 247, 223, 127, 254, 251, 239, 191, 255,
	},
}

// lsbReader reads a stream least significant bit of each byte first, as
// zfp writes it. Reading past the end gives zero bits and sets overrun:
// the decoder checks it once per block.
type lsbReader struct {
	src     []byte
	pos     uint64 // bits read
	overrun bool
}

func (r *lsbReader) bit() uint64 {
	i := r.pos >> 3
	if i >= uint64(len(r.src)) {
		r.overrun = true
		return 0
	}
	b := uint64(r.src[i]) >> (r.pos & 7) & 1
	r.pos++
	return b
}

// read returns the next n bits (n <= 64), the first in the lowest bit.
func (r *lsbReader) read(n uint) uint64 {
	if n == 0 {
		return 0
	}
	end := r.pos + uint64(n)
	if end > 8*uint64(len(r.src)) {
		r.overrun = true
		r.pos = end
		return 0
	}
	i := r.pos >> 3
	shift := uint(r.pos & 7)
	v := uint64(r.src[i]) >> shift
	for got := 8 - shift; got < n; got += 8 {
		i++
		v |= uint64(r.src[i]) << got
	}
	r.pos = end
	if n < 64 {
		v &= 1<<n - 1
	}
	return v
}

func (r *lsbReader) skip(n uint64) {
	r.pos += n
	if r.pos > 8*uint64(len(r.src)) {
		r.overrun = true
	}
}
