package hdf5scan

import "fmt"

// Messages found only in the superblock extension (spec §II.C, §IV.A.2.p
// and §IV.A.2.x).
const (
	msgSharedMessageTable = 0x0F
	msgFileSpaceInfo      = 0x17
)

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
			fs, err := f.parseFileSpaceInfo(m)
			if err != nil {
				return err
			}
			f.ext.fileSpace = fs
		}
	}
	return nil
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
	return out
}
