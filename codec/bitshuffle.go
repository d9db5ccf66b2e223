package codec

import (
	"encoding/binary"
	"fmt"
)

// Compression values of HDF5 filter 32008, its cd_values[4]
// (bshuf_h5filter.h).
const (
	BitshuffleNone = 0
	BitshuffleLZ4  = 2
	BitshuffleZstd = 3
)

// bitshuffleDefaultBlock is bshuf_default_block_size: blocks of about
// 8 KiB, a multiple of 8 elements, at least 128 elements.
func bitshuffleDefaultBlock(elemSize int) int {
	return max(8192/elemSize/8*8, 128)
}

// HDF5Bitshuffle decodes a chunk of HDF5 filter 32008, bitshuffle by
// Kiyoshi Masui (bshuf_h5filter.c of bitshuffle 0.4), given the filter's
// cd_values: [2] the element size, [3] the block size in elements (0 for
// the default), [4] the compression (BitshuffleNone, BitshuffleLZ4 or
// BitshuffleZstd; the filter treats any other value as none).
//
// The data is cut into blocks of the block size, a last block of what
// remains rounded down to a multiple of 8 elements, and the trailing
// elements, which are not bit-shuffled. Without compression the chunk is
// those blocks bit-shuffled one by one. With compression it starts with
// the decoded size (8 bytes, big-endian) and the block size in bytes (4
// bytes, big-endian), then per block its compressed size (4 bytes,
// big-endian) and an LZ4 block or a zstd frame of the bit-shuffled block,
// then the trailing elements as they are.
//
// bitshuffle before 0.4 knows only LZ4 and writes chunks of filters asking
// for zstd uncompressed, with cd_values[4] still 3: those fail here as
// malformed zstd chunks.
func HDF5Bitshuffle(dst, src []byte, cdValues []uint32, limit int) ([]byte, error) {
	const format = "hdf5-bitshuffle"
	limit = max(limit, 0)
	if len(cdValues) < 3 {
		return nil, formatErr(format, -1, "%d cd_values, want at least 3", len(cdValues))
	}
	elemSize := int(cdValues[2])
	if elemSize == 0 {
		return nil, formatErr(format, -1, "element size %d", cdValues[2])
	}
	blockSize := 0
	if len(cdValues) > 3 {
		blockSize = int(min(cdValues[3], 1<<30))
	}
	compression := uint32(BitshuffleNone)
	if len(cdValues) > 4 {
		compression = cdValues[4]
	}
	var decompress func(dst, src []byte) error
	switch compression {
	case BitshuffleLZ4:
		decompress = func(dst, src []byte) error { return exactly("lz4", dst, src, decodeLZ4) }
	case BitshuffleZstd:
		decompress = zstdExact
	default:
		if len(src) > limit {
			return nil, formatErr(format, -1, "%d bytes, more than %d", len(src), limit)
		}
		if len(src)%elemSize != 0 {
			return nil, formatErr(format, -1, "%d bytes are not a whole number of %d-byte elements", len(src), elemSize)
		}
		if blockSize == 0 {
			blockSize = bitshuffleDefaultBlock(elemSize)
		}
		if blockSize%8 != 0 {
			return nil, formatErr(format, -1, "block size %d is not a multiple of 8 elements", blockSize)
		}
		out := grow(dst, len(src))
		n := len(src) / elemSize
		pos := 0
		for k := range bitshuffleBlockCount(n, blockSize) {
			b := bitshuffleBlockLen(k, n, blockSize) * elemSize
			bitUnshuffle(out[pos:pos+b], src[pos:pos+b], b/elemSize, elemSize)
			pos += b
		}
		copy(out[pos:], src[pos:])
		return out, nil
	}

	if len(src) < 12 {
		return nil, formatErr(format, 0, "%d bytes cannot hold the 12-byte header", len(src))
	}
	total := binary.BigEndian.Uint64(src)
	if total > uint64(limit) {
		return nil, formatErr(format, 0, "declared size %d is more than %d bytes", total, limit)
	}
	if total%uint64(elemSize) != 0 {
		return nil, formatErr(format, 0, "declared size %d is not a whole number of %d-byte elements", total, elemSize)
	}
	// The header's block size overrides cd_values[3].
	blockSize = int(binary.BigEndian.Uint32(src[8:])) / elemSize
	if blockSize == 0 {
		blockSize = bitshuffleDefaultBlock(elemSize)
	}
	if blockSize%8 != 0 {
		return nil, formatErr(format, 8, "block size %d is not a multiple of 8 elements", blockSize)
	}
	n := int(total) / elemSize
	out := grow(dst, int(total))
	scratch := getScratch(min(blockSize, n) * elemSize)
	defer scratchPool.Put(scratch)
	tmp := *scratch
	pos, done := 12, 0
	for k := range bitshuffleBlockCount(n, blockSize) {
		size := bitshuffleBlockLen(k, n, blockSize)
		if len(src)-pos < 4 {
			return nil, formatErr(format, pos, "missing the size of block %d", k)
		}
		csize := binary.BigEndian.Uint32(src[pos:])
		pos += 4
		if uint64(csize) > uint64(len(src)-pos) {
			return nil, formatErr(format, pos-4, "block %d of %d bytes runs past the %d-byte chunk", k, csize, len(src))
		}
		b := size * elemSize
		if err := decompress(tmp[:b], src[pos:pos+int(csize)]); err != nil {
			return nil, &FormatError{Format: format, Offset: pos, Msg: fmt.Sprintf("block %d", k), Err: err}
		}
		bitUnshuffle(out[done:done+b], tmp[:b], size, elemSize)
		pos += int(csize)
		done += b
	}
	if len(src)-pos < len(out)-done {
		return nil, formatErr(format, pos, "%d trailing bytes, want %d", len(src)-pos, len(out)-done)
	}
	copy(out[done:], src[pos:])
	return out, nil
}

// The bit-shuffled blocks of n elements (bshuf_blocked_wrap_fun) are whole
// blocks, then what remains rounded down to a multiple of 8 elements.
func bitshuffleBlockCount(n, blockSize int) int {
	if n%blockSize >= 8 {
		return n/blockSize + 1
	}
	return n / blockSize
}

// bitshuffleBlockLen is the number of elements of block k.
func bitshuffleBlockLen(k, n, blockSize int) int {
	if k < n/blockSize {
		return blockSize
	}
	return n % blockSize / 8 * 8
}

// bitUnshuffle undoes bitshuffle's transposition of n elements (n a
// multiple of 8) of size bytes each, from src into dst, both n*size bytes.
// The shuffled form (bshuf_trans_bit_elem) holds, for every byte j of an
// element and every bit k of that byte, a row of n/8 bytes: bit k of byte j
// of element i is bit i%8 of byte i/8 of row 8j+k. Decoding gathers the
// eight rows of byte j for 8 elements into a word, transposes it as an 8x8
// bit matrix and scatters the 8 bytes to the elements.
func bitUnshuffle(dst, src []byte, n, size int) {
	rowLen := n / 8
	for j := range size {
		rows := src[8*j*rowLen : 8*(j+1)*rowLen]
		r0, r1, r2, r3 := rows[:rowLen], rows[rowLen:2*rowLen], rows[2*rowLen:3*rowLen], rows[3*rowLen:4*rowLen]
		r4, r5, r6, r7 := rows[4*rowLen:5*rowLen], rows[5*rowLen:6*rowLen], rows[6*rowLen:7*rowLen], rows[7*rowLen:8*rowLen]
		for g := range r0 {
			x := uint64(r0[g]) | uint64(r1[g])<<8 | uint64(r2[g])<<16 | uint64(r3[g])<<24 |
				uint64(r4[g])<<32 | uint64(r5[g])<<40 | uint64(r6[g])<<48 | uint64(r7[g])<<56
			e := dst[8*g*size+j:]
			_ = e[7*size]
			if x == 0 {
				// Constant bits (sign, exponent, high bits of small
				// integers) make many zero words: no transposition.
				e[0], e[size], e[2*size], e[3*size], e[4*size], e[5*size], e[6*size], e[7*size] = 0, 0, 0, 0, 0, 0, 0, 0
				continue
			}
			x = transpose8x8(x)
			e[0] = byte(x)
			e[size] = byte(x >> 8)
			e[2*size] = byte(x >> 16)
			e[3*size] = byte(x >> 24)
			e[4*size] = byte(x >> 32)
			e[5*size] = byte(x >> 40)
			e[6*size] = byte(x >> 48)
			e[7*size] = byte(x >> 56)
		}
	}
}

// transpose8x8 transposes the 8x8 bit matrix whose row r is byte r of x
// (bit c of it column c): bitshuffle's TRANS_BIT_8X8.
func transpose8x8(x uint64) uint64 {
	t := (x ^ x>>7) & 0x00AA00AA00AA00AA
	x ^= t ^ t<<7
	t = (x ^ x>>14) & 0x0000CCCC0000CCCC
	x ^= t ^ t<<14
	t = (x ^ x>>28) & 0x00000000F0F0F0F0
	x ^= t ^ t<<28
	return x
}
