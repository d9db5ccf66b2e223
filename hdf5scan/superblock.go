package hdf5scan

import (
	"bytes"
	"io"

	"gokerchunk/format"
)

// signature is the 8-byte HDF5 format signature (spec §II.A).
var signature = []byte("\x89HDF\r\n\x1a\n")

// superblock holds what the scanner needs from the superblock (spec §II.A):
// the root group's object header and the version, for info and errors.
type superblock struct {
	version    int
	rootHeader uint64 // address of the root group's object header
	extension  uint64 // superblock extension object header (v2/v3), or undefined
	eof        uint64 // stored end-of-file address
}

// findSuperblock searches for the signature at 0, 512, 1024, 2048, ... as
// libhdf5 does (a user block of any power-of-two size ≥ 512 may precede it).
func findSuperblock(f *file) (int64, error) {
	buf := make([]byte, len(signature))
	for off := int64(0); off+int64(len(signature)) <= f.size; {
		if _, err := f.r.ReadAt(buf, off); err != nil {
			return 0, f.formatError("superblock", off, "reading signature: %v", err)
		}
		if bytes.Equal(buf, signature) {
			return off, nil
		}
		if off == 0 {
			off = 512
		} else {
			off *= 2
		}
	}
	return 0, f.formatError("superblock", 0, "no HDF5 signature found: not an HDF5/netCDF-4 file")
}

// open parses the superblock of r.
func open(r io.ReaderAt, size int64, name string) (*file, *superblock, error) {
	f := &file{r: r, size: size, name: name, headers: map[uint64]*objectHeader{}}
	sb, err := readSuperblock(f)
	if err != nil {
		return nil, nil, err
	}
	return f, sb, nil
}

// readSuperblock locates and parses the superblock, setting f.base and the
// sizes of offsets and lengths.
func readSuperblock(f *file) (*superblock, error) {
	base, err := findSuperblock(f)
	if err != nil {
		return nil, err
	}
	f.base = base
	// Enough for every version with 8-byte offsets; smaller files are read
	// up to their end and the decoder reports what is missing.
	n := int64(128)
	if base+n > f.size {
		n = f.size - base
	}
	// Temporary sizes so the decoder can read the fixed prefix.
	f.offsetSize, f.lengthSize = 8, 8
	d, err := f.decode("superblock", 0, int(n))
	if err != nil {
		return nil, err
	}
	d.skip(len(signature))
	sb := &superblock{version: int(d.u8())}
	switch sb.version {
	case 0, 1:
		// Versions of free-space storage, root group symbol table entry,
		// reserved, shared header message format.
		d.skip(4)
		f.offsetSize, f.lengthSize = int(d.u8()), int(d.u8())
		if err := checkSizes(f, d); err != nil {
			return nil, err
		}
		d.skip(1)     // reserved
		d.skip(2 + 2) // group leaf node K, group internal node K
		d.skip(4)     // file consistency flags
		if sb.version == 1 {
			d.skip(2 + 2) // indexed storage internal node K, reserved
		}
		d.addr() // base address: ignored, the signature's position is used
		d.addr() // free-space info address
		sb.eof = d.addr()
		d.addr() // driver information block
		sb.extension = undefinedAddr
		// Root group symbol table entry (§III.C): link name offset, then
		// the object header address.
		d.addr()
		sb.rootHeader = d.addr()
	case 2, 3:
		f.offsetSize, f.lengthSize = int(d.u8()), int(d.u8())
		if err := checkSizes(f, d); err != nil {
			return nil, err
		}
		d.skip(1) // file consistency flags
		d.addr()  // base address
		sb.extension = d.addr()
		sb.eof = d.addr()
		sb.rootHeader = d.addr()
		d.checksum(0)
	default:
		return nil, f.formatError("superblock", base+8, "version %d is not defined (0 to 3)", sb.version)
	}
	if d.err != nil {
		return nil, d.err
	}
	// libhdf5 refuses a file shorter than its stored end-of-file address
	// ("truncated file"); so do we, before a structure past the end is
	// reported as damage.
	if sb.eof != undefinedAddr && sb.eof <= uint64(1<<63-1-base) && base+int64(sb.eof) > f.size {
		return nil, &format.TruncatedError{File: f.name, Size: f.size, Want: base + int64(sb.eof), Source: "the superblock"}
	}
	if sb.rootHeader == undefinedAddr {
		return nil, f.formatError("superblock", base, "root group object header address is undefined")
	}
	if err := f.readSuperblockExt(sb.extension); err != nil {
		return nil, err
	}
	return sb, nil
}

func checkSizes(f *file, d *decoder) error {
	for _, s := range []int{f.offsetSize, f.lengthSize} {
		switch s {
		case 2, 4, 8:
		default:
			return f.formatError("superblock", d.offset(), "size of offsets %d / lengths %d: only 2, 4 and 8 are supported", f.offsetSize, f.lengthSize)
		}
	}
	return nil
}
