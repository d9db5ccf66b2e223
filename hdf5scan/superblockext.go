package hdf5scan

import (
	"fmt"
	"sort"
)

// Messages found only in the superblock extension (spec §II.C, §IV.A.2.p
// and §IV.A.2.x).
const (
	msgSharedMessageTable = 0x0F
	msgFileSpaceInfo      = 0x17
	msgCacheImage         = 0x18
)

// Header message flag bits libhdf5 honours on the extension's messages
// (spec §IV.A.1): a library that did not know the message and modified the
// file sets "was unknown", so the message no longer describes the file.
const msgFlagWasUnknown = 0x20

// File space strategies of the file space info message
// (H5F_fspace_strategy_t).
var fileSpaceStrategies = map[uint8]string{0: "FSM_AGGR", 1: "PAGE", 2: "AGGR", 3: "NONE"}

// superblockExt is what the scanner uses from the superblock extension, an
// object header that superblocks v2 and v3 may point at (spec §II.C): where
// the shared object header message table is, and how file space is
// managed. Everything else there (B-tree K values, driver info, free-space
// manager addresses) does not change where data lives.
type superblockExt struct {
	// sohmTable is the SMTB address (undefined when the file shares no
	// messages) and sohmIndexes the number of indexes it holds.
	sohmTable   uint64
	sohmIndexes int
	sohm        *sohmTable // read on first use

	// File space info (message 0x17), when present: the strategy and, for
	// paged aggregation, the page size. Addresses stay plain file offsets
	// in a paged file; the page size only says how metadata is clustered.
	fileSpace *fileSpaceInfo

	// cacheImage holds the entries of a metadata cache image (message
	// 0x18), sorted by address: libhdf5 may write metadata only into the
	// image block, leaving its home addresses unwritten, and serves reads
	// of those addresses from the image.
	cacheImage []cacheImageEntry
}

// cacheImageEntry is one serialized metadata cache entry: the bytes that
// belong at stored address addr.
type cacheImageEntry struct {
	addr  uint64
	image []byte
}

type fileSpaceInfo struct {
	version  int
	strategy string
	persist  bool
	pageSize uint64 // 0 unless the strategy is PAGE
}

// readSuperblockExt parses the superblock extension's object header at
// addr, if defined. libhdf5 reads it when it opens a file, so a file whose
// extension does not parse is corrupt even if nothing else refers to it.
func (f *file) readSuperblockExt(addr uint64) error {
	f.extAddr = addr
	f.ext = &superblockExt{sohmTable: undefinedAddr}
	if addr == undefinedAddr {
		return nil
	}
	h, err := f.readObjectHeader(addr)
	if err != nil {
		return fmt.Errorf("superblock extension: %w", err)
	}
	for _, m := range h.messages {
		if m.flags&msgFlagShared != 0 {
			return f.formatError("superblock extension", f.abs(addr), "message type %#x is shared: the extension's messages never are", m.typ)
		}
		switch m.typ {
		case msgSharedMessageTable:
			// Version 0, table address, number of indexes (§IV.A.2.p).
			d := f.decoderOver("shared message table message", m.off, m.data)
			if v := d.u8(); d.err == nil && v != 0 {
				d.fail("version %d, want 0", v)
			}
			f.ext.sohmTable = d.addr()
			f.ext.sohmIndexes = int(d.u8())
			if d.err != nil {
				return d.err
			}
			if f.ext.sohmTable == undefinedAddr || f.ext.sohmIndexes == 0 {
				return f.formatError("shared message table message", m.off, "table at %#x with %d indexes", f.ext.sohmTable, f.ext.sohmIndexes)
			}
		case msgFileSpaceInfo:
			if m.flags&msgFlagWasUnknown != 0 {
				// Written by a library that did not know it, then kept
				// by one that did not update it: libhdf5 ignores it
				// (H5F__super_read).
				continue
			}
			fs, err := f.parseFileSpaceInfo(m)
			if err != nil {
				return err
			}
			f.ext.fileSpace = fs
		case msgCacheImage:
			if err := f.readCacheImage(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// readCacheImage decodes the metadata cache image message (version 0,
// address and length of the image block: H5O__mdci_decode) and the block
// it points at (H5C__decode_cache_image_header and _entry in H5Cimage.c):
// "MDCI", version 0, flags, the block's length, the number of entries,
// then per entry its type, flags, ring, age, flush-dependency child count,
// dirty child count and parent count, LRU rank, address, size, the parents'
// addresses and the entry's serialized image; a lookup3 checksum ends the
// block.
func (f *file) readCacheImage(m message) error {
	d := f.decoderOver("metadata cache image message", m.off, m.data)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	addr, size := d.addr(), d.length()
	if d.err != nil {
		return d.err
	}
	if addr == undefinedAddr || size > uint64(f.size) {
		return f.formatError("metadata cache image message", m.off, "image block at %#x of %d bytes", addr, size)
	}
	b, err := f.decode("metadata cache image", addr, int(size))
	if err != nil {
		return err
	}
	b.signature("MDCI")
	if v := b.u8(); b.err == nil && v != 0 {
		b.fail("version %d, want 0", v)
	}
	if flags := b.u8(); b.err == nil && flags != 0 {
		// Bit 0, saved resize status, is refused by libhdf5 as well.
		b.fail("flags %#x", flags)
	}
	if n := b.length(); b.err == nil && n != size {
		b.fail("block length %d, the message says %d", n, size)
	}
	count := int64(b.u32())
	if b.err == nil && (count == 0 || count > int64(size)) {
		b.fail("%d entries in a %d-byte block", count, size)
	}
	if b.err != nil {
		return b.err
	}
	entries := make([]cacheImageEntry, 0, count)
	for range count {
		b.skip(4)     // type, flags, ring, age
		b.skip(2 + 2) // flush-dependency child and dirty child counts
		parents := int(b.u16())
		b.skip(4) // LRU rank
		e := cacheImageEntry{addr: b.addr()}
		n := b.length()
		b.skip(parents * f.offsetSize)
		if b.err == nil && (e.addr == undefinedAddr || n == 0 || n > uint64(b.remaining())) {
			b.fail("entry at %#x of %d bytes", e.addr, n)
		}
		if b.err != nil {
			return b.err
		}
		e.image = b.bytes(int(n))
		entries = append(entries, e)
	}
	b.checksum(0)
	if b.err != nil {
		return b.err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].addr < entries[j].addr })
	f.ext.cacheImage = entries
	return nil
}

// overlayCacheImage copies into buf, read at stored address addr, the
// bytes of every cache image entry that overlaps it.
func (f *file) overlayCacheImage(addr uint64, buf []byte) {
	if f.ext == nil {
		return
	}
	img := f.ext.cacheImage
	end := addr + uint64(len(buf))
	// The first entry that ends after addr; entries do not overlap.
	i := sort.Search(len(img), func(i int) bool { return img[i].addr+uint64(len(img[i].image)) > addr })
	for ; i < len(img) && img[i].addr < end; i++ {
		e := img[i]
		if e.addr >= addr {
			copy(buf[e.addr-addr:], e.image)
		} else {
			copy(buf, e.image[addr-e.addr:])
		}
	}
}

// parseFileSpaceInfo decodes the file space info message (H5O__fsinfo_decode):
// version 0 (HDF5 1.10.0) had strategy and threshold only; version 1 adds
// persistence, page size, page-end threshold and the EOA before the
// free-space managers, then (if persisting) their addresses.
func (f *file) parseFileSpaceInfo(m message) (*fileSpaceInfo, error) {
	d := f.decoderOver("file space info message", m.off, m.data)
	fs := &fileSpaceInfo{version: int(d.u8())}
	switch fs.version {
	case 0:
		// Old strategies 1–4: all with persistence, all, aggregators and
		// VFD, VFD only.
		old := d.u8()
		d.length() // free-space section threshold
		names := map[uint8]string{1: "FSM_AGGR", 2: "FSM_AGGR", 3: "AGGR", 4: "NONE"}
		if fs.strategy = names[old]; fs.strategy == "" && d.err == nil {
			d.fail("file space strategy %d is not defined (1 to 4)", old)
		}
		fs.persist = old == 1
	case 1:
		s := d.u8()
		if fs.strategy = fileSpaceStrategies[s]; fs.strategy == "" && d.err == nil {
			d.fail("file space strategy %d is not defined (0 to 3)", s)
		}
		fs.persist = d.u8() != 0
		d.length() // free-space section threshold
		page := d.length()
		d.u16()  // page end metadata threshold
		d.addr() // EOA before the free-space managers
		if fs.strategy == "PAGE" {
			fs.pageSize = page
		}
	default:
		d.fail("file space info version %d is not defined (0 or 1)", fs.version)
	}
	if d.err != nil {
		return nil, d.err
	}
	return fs, nil
}

// describe summarises the extension for `gokerchunk info`.
func (e *superblockExt) describe() []string {
	var out []string
	if e.fileSpace != nil {
		s := "file space strategy " + e.fileSpace.strategy
		if e.fileSpace.pageSize > 0 {
			s += fmt.Sprintf(" (paged aggregation, %d-byte pages)", e.fileSpace.pageSize)
		}
		if e.fileSpace.persist {
			s += ", free space persisted"
		}
		out = append(out, s)
	}
	if e.sohmTable != undefinedAddr {
		out = append(out, fmt.Sprintf("shared object header messages: %d indexes", e.sohmIndexes))
	}
	if len(e.cacheImage) > 0 {
		out = append(out, fmt.Sprintf("metadata cache image: %d entries", len(e.cacheImage)))
	}
	return out
}
