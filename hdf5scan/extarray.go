package hdf5scan

import (
	"context"
	"math/bits"
)

// Extensible array chunk index (spec §III.H "Extensible Array";
// HDF5-STRUCTURES §7.5): a header (EAHD), an index block (EAIB) with the
// first elements inline and the first data blocks' addresses, then super
// blocks (EASB) of data blocks (EADB) that double in size every other
// super block. Large data blocks are split into pages, with the pages'
// initialisation bits in the super block.

// eaSuperBlock is one row of the derived super block table
// (H5EA_sblk_info_t).
type eaSuperBlock struct {
	ndblks     uint64 // data blocks in this super block
	dblkNelmts uint64 // elements per data block
	startIdx   uint64 // first element, counted after the index block's
	startDblk  uint64 // data blocks in earlier super blocks
}

// extArray is a decoded EAHD header with its derived geometry.
type extArray struct {
	entry      chunkEntry
	p          eaParams
	iblock     uint64
	arrOffSize int            // width of the "block offset" fields
	sblks      []eaSuperBlock // every super block the array may have
	iblockSblk int            // super blocks whose data blocks the index block lists
	pageN      uint64         // elements per data block page
}

func (f *file) readExtArrayHeader(addr uint64, l *layout, filters bool) (*extArray, error) {
	const structure = "extensible array header"
	d, err := f.decode(structure, addr, faPrefix+6+6*f.lengthSize+f.offsetSize+4)
	if err != nil {
		return nil, err
	}
	d.signature("EAHD")
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	client, elemSize := d.u8(), d.u8()
	ea := &extArray{}
	// EAHD's order: min elements per data block before min pointers.
	ea.p.maxBits, ea.p.idxBlkElmts, ea.p.minElmts, ea.p.minDataPtrs, ea.p.pageBits = d.u8(), d.u8(), d.u8(), d.u8(), d.u8()
	d.skip(6 * f.lengthSize) // statistics
	ea.iblock = d.addr()
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	off := f.abs(addr)
	p := ea.p
	switch {
	case p != l.ea:
		return nil, f.formatError(structure, off, "parameters %+v, layout message says %+v", p, l.ea)
	case p.maxBits == 0 || p.maxBits > 64:
		return nil, f.formatError(structure, off, "maximum element bits %d", p.maxBits)
	case bits.OnesCount8(p.minElmts) != 1 || bits.OnesCount8(p.minDataPtrs) != 1:
		return nil, f.formatError(structure, off, "minimum elements %d and data pointers %d must be powers of 2", p.minElmts, p.minDataPtrs)
	case p.pageBits > maxPageBits || p.pageBits > p.maxBits || uint8(bits.TrailingZeros8(p.minElmts)) > p.maxBits:
		return nil, f.formatError(structure, off, "page bits %d, minimum elements %d for %d-bit arrays", p.pageBits, p.minElmts, p.maxBits)
	}
	if ea.entry, err = f.newChunkEntry(structure, off, client, elemSize, filters); err != nil {
		return nil, err
	}
	ea.arrOffSize = (int(p.maxBits) + 7) / 8
	ea.pageN = 1 << p.pageBits
	ea.sblks = eaSuperBlocks(p)
	ea.iblockSblk = 2 * bits.TrailingZeros8(p.minDataPtrs)
	if ea.iblockSblk > len(ea.sblks) {
		return nil, f.formatError(structure, off, "%d super blocks, fewer than the index block's %d", len(ea.sblks), ea.iblockSblk)
	}
	return ea, nil
}

// eaSuperBlocks derives the super block table as H5EA__hdr_init does:
// super block s has 2^⌊s/2⌋ data blocks of 2^⌈s/2⌉·min_elements elements.
// Start indexes saturate: elements past 2^64 are unreachable.
func eaSuperBlocks(p eaParams) []eaSuperBlock {
	nsblks := 1 + int(p.maxBits) - bits.TrailingZeros8(p.minElmts)
	sblks := make([]eaSuperBlock, 0, nsblks)
	var start, dblk uint64
	for s := range nsblks {
		sb := eaSuperBlock{ndblks: 1 << (s / 2), dblkNelmts: uint64(1) << ((s + 1) / 2) * uint64(p.minElmts), startIdx: start, startDblk: dblk}
		sblks = append(sblks, sb)
		hi, n := bits.Mul64(sb.ndblks, sb.dblkNelmts)
		if start+n < start || hi != 0 {
			start = ^uint64(0)
		} else {
			start += n
		}
		dblk += sb.ndblks
	}
	return sblks
}

// dblkPages is the number of pages of a data block with n elements (0:
// not paged).
func (ea *extArray) dblkPages(n uint64) uint64 {
	if n > ea.pageN {
		return n / ea.pageN
	}
	return 0
}

// extensibleArrayChunks walks the index block, then every super block and
// data block that may hold elements meeting the current shape.
func (f *file) extensibleArrayChunks(ctx context.Context, ds *dataset, cs *chunkSpace, sink chunkSink) error {
	hdr := ds.layout.address
	ea, err := f.readExtArrayHeader(hdr, ds.layout, len(ds.filters) > 0)
	if err != nil || ea.iblock == undefinedAddr {
		return err
	}
	esize := ea.entry.size
	ndblkAddrs := 2 * (int(ea.p.minDataPtrs) - 1)
	nsblkAddrs := len(ea.sblks) - ea.iblockSblk
	d, err := f.decode("extensible array index block", ea.iblock, faPrefix+f.offsetSize+int(ea.p.idxBlkElmts)*esize+(ndblkAddrs+nsblkAddrs)*f.offsetSize+4)
	if err != nil {
		return err
	}
	checkArrayPrefix(d, "EAIB", ea.entry, hdr)
	if err := readEntries(ctx, d, ea.entry, cs, 0, int(ea.p.idxBlkElmts), sink); err != nil {
		return err
	}
	dblkAddrs := make([]uint64, ndblkAddrs)
	for i := range dblkAddrs {
		dblkAddrs[i] = d.addr()
	}
	sblkAddrs := make([]uint64, nsblkAddrs)
	for i := range sblkAddrs {
		sblkAddrs[i] = d.addr()
	}
	if d.checksum(0); d.err != nil {
		return d.err
	}

	// Data blocks of a valid array do not overlap, so reading more than the
	// file holds means a corrupt (or hostile) index that reuses blocks.
	budget := 2*f.size + 1<<16
	base := uint64(ea.p.idxBlkElmts)
	for si, sb := range ea.sblks {
		first := base + sb.startIdx
		if first < base || first >= cs.limit {
			break // this and later super blocks hold no chunk of the shape
		}
		npages := ea.dblkPages(sb.dblkNelmts)
		var addrs []uint64
		var pageInit []byte
		if si < ea.iblockSblk {
			if sb.startDblk+sb.ndblks > uint64(len(dblkAddrs)) {
				return f.formatError("extensible array index block", f.abs(ea.iblock), "super block %d's data blocks are not in the index block", si)
			}
			if npages > 0 {
				return errUnsupported("extensible array with paged data blocks in the index block")
			}
			addrs = dblkAddrs[sb.startDblk : sb.startDblk+sb.ndblks]
		} else {
			a := sblkAddrs[si-ea.iblockSblk]
			if a == undefinedAddr {
				continue
			}
			if addrs, pageInit, err = f.readExtSuperBlock(ea, a, hdr, sb, npages); err != nil {
				return err
			}
		}
		for k, a := range addrs {
			blockOff := sb.startIdx + uint64(k)*sb.dblkNelmts
			if base+blockOff >= cs.limit {
				break
			}
			if a == undefinedAddr {
				continue
			}
			if budget -= int64(sb.dblkNelmts) * int64(ea.entry.size); budget < 0 {
				return f.formatError("extensible array data block", f.abs(a), "data blocks hold more than the %d-byte file: blocks overlap", f.size)
			}
			if err := f.readExtDataBlock(ctx, ea, cs, a, hdr, blockOff, sb.dblkNelmts, npages, pageInit, uint64(k)*npages, sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// readExtSuperBlock returns a super block's data block addresses and its
// page-init bitmap: ⌈pages/8⌉ bytes reserved per data block, bits numbered
// contiguously across blocks (HDF5-STRUCTURES §7.5).
func (f *file) readExtSuperBlock(ea *extArray, addr, hdr uint64, sb eaSuperBlock, npages uint64) ([]uint64, []byte, error) {
	const structure = "extensible array super block"
	perBlock := uint64(f.offsetSize) + (npages+7)/8
	if sb.ndblks > uint64(f.size)/perBlock {
		return nil, nil, f.formatError(structure, f.abs(addr), "%d data blocks do not fit in the file", sb.ndblks)
	}
	bitmap := int(sb.ndblks * ((npages + 7) / 8))
	d, err := f.decode(structure, addr, faPrefix+f.offsetSize+ea.arrOffSize+bitmap+int(sb.ndblks)*f.offsetSize+4)
	if err != nil {
		return nil, nil, err
	}
	checkArrayPrefix(d, "EASB", ea.entry, hdr)
	if off := d.uint(ea.arrOffSize); d.err == nil && off != sb.startIdx {
		d.fail("block offset %d, want %d", off, sb.startIdx)
	}
	pageInit := d.bytes(bitmap)
	addrs := make([]uint64, sb.ndblks)
	for i := range addrs {
		addrs[i] = d.addr()
	}
	d.checksum(0)
	return addrs, pageInit, d.err
}

// readExtDataBlock yields the chunks of one data block of n elements whose
// first element is blockOff (counted after the index block's elements).
// A paged block is read page by page; bit initBit+p of pageInit tells
// whether page p was ever written.
func (f *file) readExtDataBlock(ctx context.Context, ea *extArray, cs *chunkSpace, addr, hdr, blockOff, n, npages uint64, pageInit []byte, initBit uint64, sink chunkSink) error {
	const structure = "extensible array data block"
	esize := uint64(ea.entry.size)
	if n > uint64(f.size)/esize {
		return f.formatError(structure, f.abs(addr), "%d elements do not fit in the file", n)
	}
	prefix := faPrefix + f.offsetSize + ea.arrOffSize
	body := int(n * esize)
	if npages > 0 {
		body = 0
	}
	d, err := f.decode(structure, addr, prefix+body+4)
	if err != nil {
		return err
	}
	checkArrayPrefix(d, "EADB", ea.entry, hdr)
	// The block offset is not checked: for data blocks listed in the index
	// block libhdf5 1.10 computes it from the global data block number
	// (start_idx + start_dblk·nelmts, not start_idx), and no reader uses it.
	d.skip(ea.arrOffSize)
	first := uint64(ea.p.idxBlkElmts) + blockOff
	if npages == 0 {
		if err := readEntries(ctx, d, ea.entry, cs, first, int(n), sink); err != nil {
			return err
		}
		d.checksum(0)
		return d.err
	}
	if d.checksum(0); d.err != nil {
		return d.err
	}
	pageSize := ea.pageN*esize + 4
	for p := range npages {
		bit := initBit + p
		if bit/8 >= uint64(len(pageInit)) {
			return f.formatError(structure, f.abs(addr), "page %d has no bit in the super block's bitmap", p)
		}
		if pageInit[bit/8]&(0x80>>(bit%8)) == 0 || first+p*ea.pageN >= cs.limit {
			continue
		}
		pd, err := f.decode("extensible array data block page", addr+uint64(prefix+4)+p*pageSize, int(pageSize))
		if err != nil {
			return err
		}
		if err := readEntries(ctx, pd, ea.entry, cs, first+p*ea.pageN, int(ea.pageN), sink); err != nil {
			return err
		}
		if pd.checksum(0); pd.err != nil {
			return pd.err
		}
	}
	return nil
}
