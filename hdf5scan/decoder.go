package hdf5scan

import (
	"encoding/binary"
	"fmt"
	"io"

	"gokerchunk/format"
)

// undefinedAddr is HDF5's "address not allocated" (all bits set), normalised
// to 64 bits whatever the file's size of offsets.
const undefinedAddr = ^uint64(0)

// file is an open HDF5 file: the byte source plus the sizes from the
// superblock that every later structure depends on.
type file struct {
	r    io.ReaderAt
	size int64
	name string
	// base is the absolute offset of the superblock signature; every stored
	// address is relative to it (libhdf5 trusts the signature's position, not
	// the stored base address field).
	base       int64
	offsetSize int // "O" in the spec: width of addresses
	lengthSize int // "L": width of lengths and dataspace dimensions

	// headers caches parsed object headers by address: dimension scales
	// and hard links reach the same header more than once.
	headers map[uint64]*objectHeader
	// reading marks the object headers being parsed: resolving a shared
	// message may read another header (a committed datatype), and a chain
	// that comes back to one of them is a cycle.
	reading map[uint64]bool

	// extAddr is the superblock extension's object header (v2/v3
	// superblocks), ext what it says once read (superblockext.go).
	extAddr uint64
	ext     *superblockExt
	// sohmHeaps caches the fractal heaps of shared object header messages
	// by address, with their block caches.
	sohmHeaps map[uint64]*fractalHeap
	// attrFormats caches decoded attribute datatypes and dataspaces
	// (attribute.go).
	attrFormats attrFormats
}

func (f *file) formatError(structure string, off int64, msg string, args ...any) error {
	return &format.Error{File: f.name, Structure: structure, Offset: off, Msg: fmt.Sprintf(msg, args...)}
}

// abs converts a stored address to an absolute file offset.
func (f *file) abs(addr uint64) int64 { return f.base + int64(addr) }

// read returns n bytes of structure at stored address addr, refusing
// addresses and lengths that lie outside the file before allocating.
func (f *file) read(structure string, addr uint64, n int) ([]byte, error) {
	if addr == undefinedAddr {
		return nil, f.formatError(structure, -1, "address is undefined")
	}
	if n < 0 || addr > uint64(f.size) || int64(addr)+f.base+int64(n) > f.size {
		return nil, f.formatError(structure, f.abs(addr), "%d bytes do not fit in the file (size %d)", n, f.size)
	}
	buf := make([]byte, n)
	if _, err := f.r.ReadAt(buf, f.abs(addr)); err != nil && !(err == io.EOF && n > 0) {
		return nil, fmt.Errorf("%s: read %s at offset %d: %w", f.name, structure, f.abs(addr), err)
	}
	f.overlayCacheImage(addr, buf)
	return buf, nil
}

// decoder reads little-endian fields from one structure's bytes. Errors are
// sticky: after the first short read every accessor returns zero and err
// says where the structure ended early, so parsers check once per record.
type decoder struct {
	f    *file
	what string
	off  int64 // absolute file offset of buf[0]
	buf  []byte
	pos  int
	err  error
}

// decode reads n bytes at addr and returns a decoder over them.
func (f *file) decode(structure string, addr uint64, n int) (*decoder, error) {
	buf, err := f.read(structure, addr, n)
	if err != nil {
		return nil, err
	}
	return &decoder{f: f, what: structure, off: f.abs(addr), buf: buf}, nil
}

// decoderOver returns a decoder over bytes already in memory that start at
// absolute file offset off (a message inside an object header, say).
func (f *file) decoderOver(structure string, off int64, buf []byte) *decoder {
	return &decoder{f: f, what: structure, off: off, buf: buf}
}

// offset is the absolute file offset of the next byte.
func (d *decoder) offset() int64 { return d.off + int64(d.pos) }

// remaining is the number of unread bytes.
func (d *decoder) remaining() int { return len(d.buf) - d.pos }

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = d.f.formatError(d.what, d.offset(), format, args...)
	}
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || d.pos+n > len(d.buf) {
		d.fail("structure ends after %d bytes, %d more needed", d.pos, n)
		return false
	}
	return true
}

func (d *decoder) bytes(n int) []byte {
	if !d.need(n) {
		return nil
	}
	b := d.buf[d.pos : d.pos+n]
	d.pos += n
	return b
}

func (d *decoder) skip(n int) { d.bytes(n) }

func (d *decoder) u8() uint8 {
	if !d.need(1) {
		return 0
	}
	d.pos++
	return d.buf[d.pos-1]
}

func (d *decoder) u16() uint16 {
	if !d.need(2) {
		return 0
	}
	d.pos += 2
	return binary.LittleEndian.Uint16(d.buf[d.pos-2:])
}

func (d *decoder) u32() uint32 {
	if !d.need(4) {
		return 0
	}
	d.pos += 4
	return binary.LittleEndian.Uint32(d.buf[d.pos-4:])
}

func (d *decoder) u64() uint64 {
	if !d.need(8) {
		return 0
	}
	d.pos += 8
	return binary.LittleEndian.Uint64(d.buf[d.pos-8:])
}

// uint reads a little-endian unsigned integer of width bytes (1 to 8; wider
// fields must have zero high bytes).
func (d *decoder) uint(width int) uint64 {
	b := d.bytes(width)
	if b == nil {
		return 0
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		if i >= 8 {
			if b[i] != 0 {
				d.fail("%d-byte value does not fit in 64 bits", width)
				return 0
			}
			continue
		}
		v = v<<8 | uint64(b[i])
	}
	return v
}

// addr reads an address of the file's size of offsets; all bits set becomes
// undefinedAddr.
func (d *decoder) addr() uint64 {
	w := d.f.offsetSize
	v := d.uint(w)
	if w < 8 && v == 1<<(8*uint(w))-1 {
		return undefinedAddr
	}
	return v
}

// length reads a length of the file's size of lengths.
func (d *decoder) length() uint64 { return d.uint(d.f.lengthSize) }

// signature checks a 4-byte structure signature.
func (d *decoder) signature(sig string) {
	b := d.bytes(len(sig))
	if b != nil && string(b) != sig {
		d.pos -= len(sig)
		d.fail("signature %q, want %q", b, sig)
	}
}

// checksum reads the 4-byte lookup3 checksum that follows buf[start:pos] and
// verifies it.
func (d *decoder) checksum(start int) {
	if d.err != nil {
		return
	}
	want := lookup3(d.buf[start:d.pos])
	if got := d.u32(); d.err == nil && got != want {
		d.pos -= 4
		d.fail("checksum %#08x, computed %#08x", got, want)
	}
}

// bytesNeeded is the width HDF5 uses for a field that must hold n: the
// number of bytes in n's binary representation (H5VM_limit_enc_size).
func bytesNeeded(n uint64) int {
	w := 1
	for n >>= 8; n > 0; n >>= 8 {
		w++
	}
	return w
}

// readUpTo reads up to n bytes at addr, fewer when the file ends first; for
// structures whose size is only known after their prefix is parsed.
func (f *file) readUpTo(structure string, addr uint64, n int) ([]byte, error) {
	if addr != undefinedAddr && addr < uint64(f.size) && f.abs(addr)+int64(n) > f.size {
		n = int(f.size - f.abs(addr))
	}
	return f.read(structure, addr, n)
}
