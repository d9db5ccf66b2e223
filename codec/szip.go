package codec

import (
	"encoding/binary"
	"math/bits"
)

// Option bits of the szip filter's cd_values[0] (szlib.h). Only these two
// change how a stream decodes: LSB, EC, RAW, K13 and CHIP do not (libaec's
// sz_compat.c ignores them; its streams are always "raw", without szip's
// own header).
const (
	SzipMSB = 16 // SZ_MSB_OPTION_MASK: samples are big-endian
	SzipNN  = 32 // SZ_NN_OPTION_MASK: nearest-neighbour preprocessing
)

// szipSETableSize is the largest fundamental sequence a second-extension
// pair may be (SE_TABLE_SIZE of libaec's decode.h): pairs (a, b) with
// a+b <= 12 are coded as (a+b)(a+b+1)/2 + b.
const szipSETableSize = 90

// Szip decodes a chunk of HDF5's szip filter (H5Z_FILTER_SZIP, 4) as
// libhdf5 built with libaec's szip compatibility layer does, given the
// filter's cd_values (H5Z__set_local_szip): [0] the option mask, [1]
// pixels per block, [2] bits per pixel, [3] pixels per scanline.
//
// The chunk starts with its decoded size (4 bytes, little-endian), then
// the Adaptive Entropy Coding stream of CCSDS 121.0-B (Rice coding), most
// significant bit first: blocks of pixels-per-block samples, each an ID of
// 3, 4 or 5 bits (for samples of up to 8, 16 or 32 bits) then a zero run,
// a second-extension block, k split low bits under a fundamental sequence
// of the high bits, or the samples uncompressed. Blocks are grouped in
// reference sample intervals (RSI) of one scanline rounded up to whole
// blocks; with preprocessing (SzipNN) the first sample of each interval is
// stored as it is and every other one as the mapped difference from its
// predecessor. Samples of 32 and 64 bits are coded as 8-bit samples of
// the chunk's bytes reordered into planes (byte j of every element, then
// byte j+1); others are written in the byte order the options give, in 1,
// 2 or 4 bytes. The padding of a scanline to whole blocks is dropped.
func Szip(dst, src []byte, cdValues []uint32, limit int) ([]byte, error) {
	const format = "szip"
	limit = max(limit, 0)
	if len(cdValues) < 4 {
		return nil, formatErr(format, -1, "%d cd_values, want 4", len(cdValues))
	}
	opts, ppb, bpp, ppsl := cdValues[0], cdValues[1], cdValues[2], cdValues[3]
	switch {
	case ppb == 0 || ppb%2 != 0 || ppb > 64:
		return nil, formatErr(format, -1, "%d pixels per block, want an even number up to 64", ppb)
	case bpp == 0 || bpp > 32 && bpp != 64:
		return nil, formatErr(format, -1, "%d bits per pixel, want 1 to 32 or 64", bpp)
	case ppsl == 0:
		return nil, formatErr(format, -1, "0 pixels per scanline")
	}
	if len(src) < 4 {
		return nil, formatErr(format, 0, "%d bytes cannot hold the 4-byte size", len(src))
	}
	size := binary.LittleEndian.Uint32(src)
	if uint64(size) > uint64(limit) {
		return nil, formatErr(format, 0, "declared size %d is more than %d bytes", size, limit)
	}
	n := int(size)

	d := szipDecoder{
		r:         bitReader{src: src, pos: 4},
		blockSize: int(ppb),
		bits:      uint(bpp),
		msb:       opts&SzipMSB != 0,
		pp:        opts&SzipNN != 0,
		lineLen:   int64(ppsl),
	}
	interleaved := bpp == 32 || bpp == 64
	if interleaved {
		d.bits = 8
	}
	d.pixel = 1
	if d.bits > 16 {
		d.pixel = 4
	} else if d.bits > 8 {
		d.pixel = 2
	}
	word := d.pixel
	if interleaved {
		word = int(bpp / 8)
	}
	if n%word != 0 {
		return nil, formatErr(format, 0, "declared size %d is not a whole number of %d-byte pixels", n, word)
	}
	rsi := (int64(ppsl) + int64(ppb) - 1) / int64(ppb)
	d.rsiBlocks = rsi
	d.rsiLen = rsi * int64(ppb)
	d.xmax = uint32(1<<d.bits - 1)

	out := grow(dst, n)
	if interleaved {
		scratch := getScratch(n)
		defer scratchPool.Put(scratch)
		d.out = *scratch
	} else {
		d.out = out
	}
	if err := d.decode(); err != nil {
		return nil, err
	}
	if interleaved {
		// Byte j of element i is byte i of plane j.
		planes := n / word
		for j := range word {
			plane := d.out[j*planes : (j+1)*planes]
			for i, b := range plane {
				out[i*word+j] = b
			}
		}
	}
	return out, nil
}

// szipDecoder is the state of one stream (libaec's decode.c): the samples
// are written to out in pixel-size units as they are decoded, skipping the
// padding at the end of every scanline.
type szipDecoder struct {
	r         bitReader
	blockSize int
	bits      uint // bits per sample as coded
	pixel     int  // bytes per sample in out
	msb, pp   bool
	lineLen   int64 // pixels per scanline
	rsiBlocks int64 // blocks per reference sample interval
	rsiLen    int64 // samples per interval: the scanline padded to whole blocks
	xmax      uint32

	out  []byte
	done int    // bytes of out written
	used int64  // samples of the current interval decoded
	last uint32 // the previous sample, for preprocessing
}

func (d *szipDecoder) full() bool { return d.done == len(d.out) }

func (d *szipDecoder) decode() error {
	idLen := uint(3)
	if d.bits > 16 {
		idLen = 5
	} else if d.bits > 8 {
		idLen = 4
	}
	uncompressed := uint32(1)<<idLen - 1
	var block [64]uint32
	for !d.full() {
		if d.used == d.rsiLen {
			d.used = 0
		}
		ref := 0
		if d.pp && d.used == 0 {
			ref = 1
		}
		id, err := d.r.get(idLen)
		if err != nil {
			return err
		}
		switch {
		case id == 0:
			// Low entropy: a second-extension block or a run of zero
			// blocks, after the reference sample.
			se, err := d.r.get(1)
			if err != nil {
				return err
			}
			if err := d.reference(ref); err != nil {
				return err
			}
			if se == 1 {
				err = d.secondExtension(ref)
			} else {
				err = d.zeroBlocks(ref)
			}
			if err != nil {
				return err
			}
		case id == uncompressed:
			for range d.blockSize {
				v, err := d.r.get(d.bits)
				if err != nil {
					return err
				}
				if d.put(v); d.full() {
					return nil
				}
			}
		default:
			// Split samples: the high bits as fundamental sequences, then
			// the k low bits of every sample.
			if err := d.reference(ref); err != nil {
				return err
			}
			if d.full() {
				// The reference sample was the chunk's last.
				return nil
			}
			k := uint(id - 1)
			m := d.blockSize - ref
			for i := range m {
				fs, err := d.r.fs()
				if err != nil {
					return err
				}
				block[i] = fs << k
			}
			if k > 0 {
				for i := range m {
					v, err := d.r.get(k)
					if err != nil {
						return err
					}
					block[i] += v
				}
			}
			for _, v := range block[:m] {
				if d.put(v); d.full() {
					return nil
				}
			}
		}
	}
	return nil
}

// reference copies the interval's reference sample when the block has one.
func (d *szipDecoder) reference(ref int) error {
	if ref == 0 || d.full() {
		return nil
	}
	v, err := d.r.get(d.bits)
	if err != nil {
		return err
	}
	d.put(v)
	return nil
}

// secondExtension decodes the block's samples in pairs, each pair one
// fundamental sequence; with a reference sample the first pair is only
// its second sample.
func (d *szipDecoder) secondExtension(ref int) error {
	for i := ref; i < d.blockSize && !d.full(); {
		m, err := d.r.fs()
		if err != nil {
			return err
		}
		if m > szipSETableSize {
			return formatErr("szip", d.r.pos, "second-extension value %d is more than %d", m, szipSETableSize)
		}
		// m = s(s+1)/2 + b for the pair (s-b, b).
		var s uint32
		for (s+1)*(s+2)/2 <= m {
			s++
		}
		b := m - s*(s+1)/2
		if i%2 == 0 {
			if d.put(s - b); d.full() {
				return nil
			}
			i++
		}
		d.put(b)
		i++
	}
	return nil
}

// zeroBlocks decodes a run of zero blocks: its length minus one as a
// fundamental sequence, where 4 (ROS) means to the end of the interval or
// of the current group of 64 blocks, whichever is first, and longer runs
// are one less than their sequence says.
func (d *szipDecoder) zeroBlocks(ref int) error {
	fs, err := d.r.fs()
	if err != nil {
		return err
	}
	const ros = 5
	blocks := int64(fs) + 1
	if blocks == ros {
		b := d.used / int64(d.blockSize)
		blocks = min(d.rsiBlocks-b, 64-b%64)
	} else if blocks > ros {
		blocks--
	}
	samples := blocks*int64(d.blockSize) - int64(ref)
	if samples > d.rsiLen-d.used {
		return formatErr("szip", d.r.pos, "a run of %d zero blocks passes the end of the reference sample interval", blocks)
	}
	for ; samples > 0 && !d.full(); samples-- {
		d.put(0)
	}
	return nil
}

// put takes the next sample of the interval: undoes the preprocessing
// (libaec's flush functions, for unsigned samples) and writes it unless
// it is scanline padding.
func (d *szipDecoder) put(v uint32) {
	if d.pp {
		if d.used == 0 {
			d.last = v
		} else {
			// v maps the difference from the last sample: while the
			// difference fits on both sides of it (|diff| <= theta, theta
			// the distance to the nearer end of the range) even values are
			// positive and odd ones negative; beyond, v is the distance
			// from the nearer end.
			data := d.last
			var mask uint32
			if data&(d.xmax/2+1) != 0 {
				mask = d.xmax
			}
			if half := v>>1 + v&1; half <= mask^data {
				if v&1 == 0 {
					data += v >> 1
				} else {
					data -= v>>1 + 1
				}
			} else {
				data = mask ^ v
			}
			d.last = data
			v = data
		}
	}
	if d.used < d.lineLen && !d.full() {
		p := d.out[d.done : d.done+d.pixel]
		switch {
		case d.pixel == 1:
			p[0] = byte(v)
		case d.pixel == 2 && d.msb:
			binary.BigEndian.PutUint16(p, uint16(v))
		case d.pixel == 2:
			binary.LittleEndian.PutUint16(p, uint16(v))
		case d.msb:
			binary.BigEndian.PutUint32(p, v)
		default:
			binary.LittleEndian.PutUint32(p, v)
		}
		d.done += d.pixel
	}
	d.used++
}

// bitReader reads a byte stream most significant bit first.
type bitReader struct {
	src []byte
	pos int    // next byte of src
	acc uint64 // the low n bits are the next bits of the stream
	n   uint
}

func (r *bitReader) truncated() error {
	return formatErr("szip", len(r.src), "truncated stream")
}

// get returns the next k bits (k <= 32).
func (r *bitReader) get(k uint) (uint32, error) {
	for r.n < k {
		if r.pos == len(r.src) {
			return 0, r.truncated()
		}
		r.acc = r.acc<<8 | uint64(r.src[r.pos])
		r.pos++
		r.n += 8
	}
	r.n -= k
	v := uint32(r.acc>>r.n) & uint32(1<<k-1)
	r.acc &= 1<<r.n - 1
	return v, nil
}

// fs returns the next fundamental sequence: the number of 0 bits before
// the next 1 bit.
func (r *bitReader) fs() (uint32, error) {
	var count uint32
	for r.acc == 0 {
		count += uint32(r.n)
		if r.pos == len(r.src) {
			return 0, r.truncated()
		}
		r.acc = uint64(r.src[r.pos])
		r.pos++
		r.n = 8
	}
	top := uint(bits.Len64(r.acc)) // the 1 bit is bit top-1
	count += uint32(r.n - top)
	r.n = top - 1
	r.acc &= 1<<r.n - 1
	return count, nil
}
