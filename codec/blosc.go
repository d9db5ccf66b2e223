package codec

import (
	"encoding/binary"
	"fmt"
)

// The Blosc1 container ("Blosc Chunk Format" of c-blosc; blosc.c of
// c-blosc 1.21, which numcodecs 0.11 and HDF5 filter 32001 use) is a
// 16-byte header, a table of block offsets, and the blocks. A block is
// byte- or bit-shuffled as a whole, then cut into one stream per byte of
// the type ("splits") or kept as one, and each stream is stored as its
// compressed size (4 bytes, little-endian) and data, or as it is when
// compressing did not shrink it.
const (
	bloscHeaderSize    = 16
	bloscVersionFormat = 2         // BLOSC_VERSION_FORMAT
	bloscMaxSplits     = 16        // MAX_SPLITS
	bloscMinBufferSize = 128       // MIN_BUFFERSIZE
	bloscMaxBlocksize  = 536866816 // BLOSC_MAX_BLOCKSIZE

	bloscDoShuffle    = 0x01 // BLOSC_DOSHUFFLE
	bloscMemcpyed     = 0x02 // BLOSC_MEMCPYED: the data follows the header as it is
	bloscDoBitshuffle = 0x04 // BLOSC_DOBITSHUFFLE
	bloscFutureFlag   = 0x08 // refused by c-blosc 1.x as "from the future"
	bloscDontSplit    = 0x10 // blocks are not split
)

// Compressor formats, the top 3 bits of the flags (BLOSC_*_FORMAT).
const (
	bloscBlosclz = 0
	bloscLZ4     = 1 // lz4 and lz4hc
	bloscSnappy  = 2
	bloscZlib    = 3
	bloscZstd    = 4
)

// bloscHeader is the 16-byte header: version, versionlz, flags, typesize,
// then nbytes (decoded size), blocksize and cbytes (size of the whole
// container), each a little-endian 32-bit integer.
type bloscHeader struct {
	version, versionLZ, flags, typesize uint8
	nbytes, blocksize, cbytes           uint32
}

func parseBloscHeader(b []byte) bloscHeader {
	return bloscHeader{
		version: b[0], versionLZ: b[1], flags: b[2], typesize: b[3],
		nbytes:    binary.LittleEndian.Uint32(b[4:]),
		blocksize: binary.LittleEndian.Uint32(b[8:]),
		cbytes:    binary.LittleEndian.Uint32(b[12:]),
	}
}

// Blosc decodes a Blosc1 container: numcodecs.Blosc chunks and HDF5 filter
// 32001 chunks, which store the same bytes. The compressors blosclz, lz4,
// lz4hc, zlib and zstd are decoded; snappy is not.
func Blosc(dst, src []byte, limit int) ([]byte, error) {
	const format = "blosc"
	limit = max(limit, 0)
	if len(src) < bloscHeaderSize {
		return nil, formatErr(format, 0, "%d bytes cannot hold the 16-byte header", len(src))
	}
	h := parseBloscHeader(src)
	if h.version != bloscVersionFormat {
		return nil, &UnsupportedError{Format: format, Feature: fmt.Sprintf("format version %d", h.version)}
	}
	if h.flags&bloscFutureFlag != 0 {
		return nil, &UnsupportedError{Format: format, Feature: "flag 0x08"}
	}
	if h.cbytes < bloscHeaderSize || uint64(h.cbytes) > uint64(len(src)) {
		return nil, formatErr(format, 12, "header gives a size of %d bytes for a %d-byte buffer", h.cbytes, len(src))
	}
	// Bytes past cbytes are not Blosc's; libblosc never reads them.
	src = src[:h.cbytes]
	if uint64(h.nbytes) > uint64(limit) {
		return nil, formatErr(format, 4, "decoded size %d is more than %d bytes", h.nbytes, limit)
	}
	nbytes := int(h.nbytes)
	out := grow(dst, nbytes)
	if nbytes == 0 {
		return out, nil
	}
	// libblosc refuses these, copied buffers included; a block larger than
	// the whole buffer is one numcodecs gives it no room to decode.
	if h.typesize == 0 {
		return nil, formatErr(format, 3, "type size 0")
	}
	if h.blocksize == 0 || h.blocksize > bloscMaxBlocksize || h.blocksize > h.nbytes {
		return nil, formatErr(format, 8, "block size %d for %d bytes", h.blocksize, nbytes)
	}
	if h.flags&bloscMemcpyed != 0 {
		if len(src) != bloscHeaderSize+nbytes {
			return nil, formatErr(format, 12, "a copied buffer of %d bytes in a %d-byte container", nbytes, len(src))
		}
		copy(out, src[bloscHeaderSize:])
		return out, nil
	}
	compformat := h.flags >> 5
	switch compformat {
	case bloscBlosclz, bloscLZ4, bloscZlib, bloscZstd:
	case bloscSnappy:
		return nil, &UnsupportedError{Format: format, Feature: "the snappy compressor"}
	default:
		return nil, &UnsupportedError{Format: format, Feature: fmt.Sprintf("compressor format %d", compformat)}
	}
	blocksize := int(h.blocksize)
	nblocks := (nbytes + blocksize - 1) / blocksize
	if nblocks > (len(src)-bloscHeaderSize)/4 {
		return nil, formatErr(format, bloscHeaderSize, "%d block offsets do not fit in %d bytes", nblocks, len(src))
	}
	d := bloscDecoder{src: src, h: h, typesize: int(h.typesize), decompress: bloscDecompressors[compformat]}
	if h.flags&(bloscDoShuffle|bloscDoBitshuffle) != 0 {
		tmp := getScratch(blocksize)
		defer scratchPool.Put(tmp)
		d.tmp = *tmp
	}
	for j := range nblocks {
		block := out[j*blocksize : min((j+1)*blocksize, nbytes)]
		start := int32(binary.LittleEndian.Uint32(src[bloscHeaderSize+4*j:]))
		leftover := j == nblocks-1 && nbytes%blocksize != 0
		if err := d.block(block, int(start), leftover); err != nil {
			return nil, &FormatError{Format: format, Offset: bloscHeaderSize + 4*j, Msg: fmt.Sprintf("block %d", j), Err: err}
		}
	}
	return out, nil
}

// bloscDecompressors decode one split stream into exactly len(dst) bytes.
var bloscDecompressors = [...]func(dst, src []byte) error{
	bloscBlosclz: func(dst, src []byte) error { return exactly("blosclz", dst, src, decodeBlosclz) },
	bloscLZ4:     func(dst, src []byte) error { return exactly("lz4", dst, src, decodeLZ4) },
	bloscSnappy:  nil,
	bloscZlib:    zlibExact,
	bloscZstd:    zstdExact,
}

func exactly(format string, dst, src []byte, decode func(dst, src []byte) (int, error)) error {
	n, err := decode(dst, src)
	if err != nil {
		return err
	}
	if n != len(dst) {
		return formatErr(format, len(src), "decodes to %d bytes, want %d", n, len(dst))
	}
	return nil
}

type bloscDecoder struct {
	src        []byte
	h          bloscHeader
	typesize   int
	decompress func(dst, src []byte) error
	tmp        []byte // holds a shuffled block
}

// block decodes the block whose first split starts at src[start:] into out
// (blosc_d).
func (d *bloscDecoder) block(out []byte, start int, leftover bool) error {
	bsize := len(out)
	shuffle := d.h.flags&bloscDoShuffle != 0 && d.typesize > 1
	bitshuffle := !shuffle && d.h.flags&bloscDoBitshuffle != 0 && bsize >= d.typesize
	target := out
	if shuffle || bitshuffle {
		target = d.tmp[:bsize]
	}
	// The leftover block is never split; nor, since before the flag
	// existed, are blocks of too few or too large elements.
	nsplits := 1
	if d.h.flags&bloscDontSplit == 0 && d.typesize <= bloscMaxSplits && bsize/d.typesize >= bloscMinBufferSize && !leftover {
		nsplits = d.typesize
	}
	neblock := bsize / nsplits
	if neblock*nsplits != bsize {
		return fmt.Errorf("%d bytes do not split into %d streams", bsize, nsplits)
	}
	pos := start
	for k := range nsplits {
		if pos < 0 || pos > len(d.src)-4 {
			return formatErr("blosc", pos, "split %d starts outside the buffer", k)
		}
		cbytes := int32(binary.LittleEndian.Uint32(d.src[pos:]))
		pos += 4
		if cbytes < 0 || int(cbytes) > len(d.src)-pos {
			return formatErr("blosc", pos-4, "split %d of %d bytes runs past the %d-byte buffer", k, cbytes, len(d.src))
		}
		stream := d.src[pos : pos+int(cbytes)]
		part := target[k*neblock : (k+1)*neblock]
		if int(cbytes) == neblock {
			copy(part, stream)
		} else if err := d.decompress(part, stream); err != nil {
			return &FormatError{Format: "blosc", Offset: pos, Msg: fmt.Sprintf("split %d", k), Err: err}
		}
		pos += int(cbytes)
	}
	switch {
	case shuffle:
		unshuffleInto(out, target, d.typesize)
	case bitshuffle:
		// Only a whole multiple of 8 elements is bit-shuffled, with the
		// bytes after the last whole element copied; any other block is
		// stored as it is (bitunshuffle of c-blosc's shuffle.c).
		n := bsize / d.typesize
		if n%8 != 0 {
			copy(out, target)
			break
		}
		bitUnshuffle(out, target, n, d.typesize)
		copy(out[n*d.typesize:], target[n*d.typesize:])
	}
	return nil
}
