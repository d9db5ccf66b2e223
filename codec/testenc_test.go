package codec

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// Encoders for round-trip tests. LZ4 comes from github.com/pierrec/lz4, an
// implementation independent of this package; the container encoders are
// written from the format descriptions and checked against the golden
// vectors' decoding, so they only widen the shapes tested.

var lz4Compressors sync.Pool

// lz4Encode compresses data into one LZ4 block; data pierrec/lz4 does not
// shrink becomes a block of literals.
func lz4Encode(t testing.TB, data []byte) []byte {
	t.Helper()
	dst := make([]byte, lz4.CompressBlockBound(len(data)))
	// A Compressor holds a 256 KiB table: reuse them.
	c, _ := lz4Compressors.Get().(*lz4.Compressor)
	if c == nil {
		c = new(lz4.Compressor)
	}
	defer lz4Compressors.Put(c)
	n, err := c.CompressBlock(data, dst)
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		return dst[:n]
	}
	return lz4Literals(data)
}

// lz4Literals is a block holding data as one literal run.
func lz4Literals(data []byte) []byte {
	var out []byte
	n := len(data)
	if n < 15 {
		out = append(out, byte(n<<4))
	} else {
		out = append(out, 15<<4)
		for n -= 15; n >= 255; n -= 255 {
			out = append(out, 255)
		}
		out = append(out, byte(n))
	}
	return append(out, data...)
}

// bitShuffleNaive is the definition of bitshuffle's transposition of n
// elements (n a multiple of 8): bit k of byte j of element i goes to bit
// i%8 of byte i/8 of row 8j+k, each row n/8 bytes.
func bitShuffleNaive(src []byte, n, size int) []byte {
	out := make([]byte, len(src))
	rowLen := n / 8
	for i := range n {
		for j := range size {
			for k := range 8 {
				if src[i*size+j]>>k&1 != 0 {
					out[(8*j+k)*rowLen+i/8] |= 1 << (i % 8)
				}
			}
		}
	}
	return out
}

// bloscOptions choose how bloscEncode lays out a container.
type bloscOptions struct {
	typesize, blocksize int
	shuffle             byte // 0, bloscDoShuffle or bloscDoBitshuffle
	dontSplit           bool
	stored              bool // store every split as it is
}

// bloscEncode writes a Blosc1 container with LZ4 streams, following
// blosc_c: shuffle each block, split it when the rules allow, store a
// split as it is when LZ4 does not shrink it.
func bloscEncode(t testing.TB, data []byte, o bloscOptions) []byte {
	t.Helper()
	// compute_blocksize: a block is a whole number of elements, at most the
	// whole buffer.
	o.blocksize = min(o.blocksize, len(data))
	if o.blocksize > o.typesize {
		o.blocksize = o.blocksize / o.typesize * o.typesize
	}
	nblocks := (len(data) + o.blocksize - 1) / o.blocksize
	flags := o.shuffle | bloscLZ4<<5
	if o.dontSplit {
		flags |= bloscDontSplit
	}
	out := make([]byte, bloscHeaderSize+4*nblocks)
	out[0], out[1], out[2], out[3] = bloscVersionFormat, 1, flags, byte(o.typesize)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(data)))
	binary.LittleEndian.PutUint32(out[8:], uint32(o.blocksize))
	for j := range nblocks {
		block := data[j*o.blocksize : min((j+1)*o.blocksize, len(data))]
		leftover := len(block) < o.blocksize
		binary.LittleEndian.PutUint32(out[bloscHeaderSize+4*j:], uint32(len(out)))
		switch {
		case o.shuffle == bloscDoShuffle && o.typesize > 1:
			block = Shuffle(nil, block, o.typesize)
		case o.shuffle == bloscDoBitshuffle && len(block) >= o.typesize:
			n := len(block) / o.typesize
			if n%8 == 0 {
				sh := append(bitShuffleNaive(block[:n*o.typesize], n, o.typesize), block[n*o.typesize:]...)
				block = sh
			}
		}
		nsplits := 1
		if !o.dontSplit && o.typesize <= bloscMaxSplits && len(block)/o.typesize >= bloscMinBufferSize && !leftover {
			nsplits = o.typesize
		}
		neblock := len(block) / nsplits
		for k := range nsplits {
			part := block[k*neblock : (k+1)*neblock]
			enc := lz4Encode(t, part)
			if o.stored || len(enc) >= len(part) {
				enc = part
			}
			out = binary.LittleEndian.AppendUint32(out, uint32(len(enc)))
			out = append(out, enc...)
		}
	}
	binary.LittleEndian.PutUint32(out[12:], uint32(len(out)))
	return out
}

// hdf5BitshuffleEncode writes a chunk of HDF5 filter 32008 with LZ4
// compression, as bshuf_h5filter.c does.
func hdf5BitshuffleEncode(t testing.TB, data []byte, size, blockSize int) []byte {
	n := len(data) / size
	out := binary.BigEndian.AppendUint64(nil, uint64(len(data)))
	out = binary.BigEndian.AppendUint32(out, uint32(blockSize*size))
	pos := 0
	for k := range bitshuffleBlockCount(n, blockSize) {
		b := bitshuffleBlockLen(k, n, blockSize) * size
		enc := lz4Encode(t, bitShuffleNaive(data[pos:pos+b], b/size, size))
		out = binary.BigEndian.AppendUint32(out, uint32(len(enc)))
		out = append(out, enc...)
		pos += b
	}
	return append(out, data[pos:]...)
}

// signal is test data that compresses like real arrays: a slow quantized
// wave in little-endian float32, with a few random bytes mixed in.
func signal(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := make([]byte, n)
	for i := 0; i+4 <= n; i += 4 {
		v := float32(math.Round(40*math.Sin(float64(i/4)*0.002))) / 4
		binary.LittleEndian.PutUint32(out[i:], math.Float32bits(v))
	}
	for range n / 64 {
		out[rng.IntN(n)] = byte(rng.Uint32())
	}
	return out
}
