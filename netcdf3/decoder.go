package netcdf3

import (
	"encoding/binary"
	"fmt"
	"io"

	"gokerchunk/format"
)

// decoder reads the header as a stream from the start of the file. The
// header's size is known only once it is parsed, so the bytes read so far
// grow as the parse needs them: first firstRead bytes, then twice as many
// each time, never past the end of the file. Every count and length is
// checked against the bytes the file has left before anything is
// allocated for it, so a corrupt header costs at most the file's size.
//
// After the first failure every read returns zeros and err keeps the
// failure, so that a record is decoded in one place and checked once.
type decoder struct {
	r       io.ReaderAt
	size    int64  // of the file
	file    string // name of the file, for errors
	buf     []byte // the file's bytes [0, len(buf))
	pos     int64
	version byte // 1, 2 or 5 once the magic number is read
	err     error
	// short is set when err says the file ends before the header does.
	short bool
}

// firstRead is the size of the first read of the header: most headers fit
// in it (netCDF-C reads 4096 bytes first), and a remote reader serves it
// from the head it fetched on open.
const firstRead = 8 << 10

func newDecoder(r io.ReaderAt, size int64, name string) *decoder {
	return &decoder{r: r, size: size, file: name}
}

// fail records the first failure: a structure that does not parse at off.
func (d *decoder) fail(structure string, off int64, msg string, args ...any) {
	if d.err == nil {
		d.err = &format.Error{File: d.file, Structure: structure, Offset: off, Msg: fmt.Sprintf(msg, args...)}
	}
}

// failShort records a failure that is the file ending inside the header.
func (d *decoder) failShort(structure string, off int64, msg string, args ...any) {
	if d.err == nil {
		d.fail(structure, off, msg, args...)
		d.short = true
	}
}

// headerError is err, as a *format.TruncatedError when the file ends
// inside the header.
func (d *decoder) headerError() error {
	if !d.short {
		return d.err
	}
	return &format.TruncatedError{File: d.file, Size: d.size, Reading: "the header", Err: d.err}
}

// remaining is the number of bytes of the file after pos.
func (d *decoder) remaining() int64 { return d.size - d.pos }

// need makes the n bytes at pos available, reading more of the file when
// the buffer ends before them; false (and err set) when the file ends
// first or a read fails.
func (d *decoder) need(structure string, n int64) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || n > d.remaining() {
		d.failShort(structure, d.pos, "%d bytes needed, the file ends %d bytes after this offset", n, d.remaining())
		return false
	}
	end := d.pos + n
	if end <= int64(len(d.buf)) {
		return true
	}
	grow := max(end, int64(2*len(d.buf)), min(firstRead, d.size))
	grow = min(grow, d.size)
	old := len(d.buf)
	buf := make([]byte, grow)
	copy(buf, d.buf)
	if _, err := d.r.ReadAt(buf[old:], int64(old)); err != nil && err != io.EOF {
		d.err = fmt.Errorf("%s: reading the netCDF-3 header (bytes %d to %d): %w", d.file, old, grow, err)
		return false
	}
	d.buf = buf
	return true
}

// bytes returns the next n bytes, a slice of the buffer. The buffer's
// bytes are never changed (need copies them into a new one), so the slice
// stays valid.
func (d *decoder) bytes(structure string, n int64) []byte {
	if !d.need(structure, n) {
		return nil
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *decoder) u32(structure string) uint32 {
	b := d.bytes(structure, 4)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint32(b)
}

func (d *decoder) u64(structure string) uint64 {
	b := d.bytes(structure, 8)
	if b == nil {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// count reads a NON_NEG field: an element count, a name length, a
// dimension length or a variable size. It is 4 bytes in CDF-1 and CDF-2
// (read unsigned, as netCDF-C does) and 8 in CDF-5, where a value past
// 2^63 - 1 is not non-negative.
func (d *decoder) count(structure string) uint64 {
	off := d.pos
	if d.version != 5 {
		return uint64(d.u32(structure))
	}
	v := d.u64(structure)
	if v > 1<<63-1 {
		d.fail(structure, off, "%d is not a non-negative 64-bit integer", v)
		return 0
	}
	return v
}

// offset reads an OFFSET field (a variable's begin): a non-negative 32-bit
// integer in CDF-1, a non-negative 64-bit one in CDF-2 and CDF-5.
func (d *decoder) offset(structure string) int64 {
	off := d.pos
	var v uint64
	if d.version == 1 {
		v = uint64(d.u32(structure))
		if v > 1<<31-1 {
			d.fail(structure, off, "offset %d is negative as CDF-1's 32-bit signed offsets", v)
			return 0
		}
	} else if v = d.u64(structure); v > 1<<63-1 {
		d.fail(structure, off, "offset %d is negative as a 64-bit signed offset", v)
		return 0
	}
	return int64(v)
}

// countFits checks that n records of at least minSize bytes each can fit
// in what is left of the file, before anything is allocated for them.
func (d *decoder) countFits(structure string, off int64, n uint64, minSize int64, what string) bool {
	if d.err != nil {
		return false
	}
	if n > uint64(d.remaining())/uint64(minSize) {
		d.failShort(structure, off, "%d %s of at least %d bytes each cannot fit in the %d bytes left in the file", n, what, minSize, d.remaining())
		return false
	}
	return true
}

// padding is the number of bytes that round n up to a multiple of 4: the
// header pads names and attribute values, the data pads variables, to
// 4-byte boundaries.
func padding(n int64) int64 { return -n & 3 }
