package hdf5scan

import "context"

// Fixed array chunk index (spec §III.H "Fixed Array"; HDF5-STRUCTURES
// §7.4): a header (FAHD) and one data block (FADB) holding an element per
// chunk of the max-dims grid, split into pages when there are more than
// 2^page_bits elements.

// faPrefix is the data block's signature, version and client before the
// header address (H5FA_METADATA_PREFIX_SIZE without the checksum).
const faPrefix = 4 + 1 + 1

// maxPageBits bounds the page-size exponents of fixed and extensible
// arrays; libhdf5 accepts at most 32 and so does this reader.
const maxPageBits = 32

// fixedArray is a decoded FAHD header.
type fixedArray struct {
	entry    chunkEntry
	pageBits uint8
	nelmts   uint64
	dblock   uint64
}

func (f *file) readFixedArrayHeader(addr uint64, l *layout, filters bool) (*fixedArray, error) {
	const structure = "fixed array header"
	d, err := f.decode(structure, addr, faPrefix+2+f.lengthSize+f.offsetSize+4)
	if err != nil {
		return nil, err
	}
	d.signature("FAHD")
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	client, elemSize := d.u8(), d.u8()
	fa := &fixedArray{pageBits: d.u8(), nelmts: d.length(), dblock: d.addr()}
	d.checksum(0)
	if d.err != nil {
		return nil, d.err
	}
	if fa.pageBits != l.faPageBits || fa.pageBits > maxPageBits {
		return nil, f.formatError(structure, f.abs(addr), "page bits %d, layout message says %d", fa.pageBits, l.faPageBits)
	}
	if fa.entry, err = f.newChunkEntry(structure, f.abs(addr), client, elemSize, filters); err != nil {
		return nil, err
	}
	return fa, nil
}

// fixedArrayChunks reads the data block, page by page when paged; pages
// whose bit in the page-init bitmap is clear hold no chunks.
func (f *file) fixedArrayChunks(ctx context.Context, ds *dataset, cs *chunkSpace, sink chunkSink) error {
	const structure = "fixed array data block"
	hdr := ds.layout.address
	fa, err := f.readFixedArrayHeader(hdr, ds.layout, len(ds.filters) > 0)
	if err != nil || fa.dblock == undefinedAddr {
		return err
	}
	pageN := uint64(1) << fa.pageBits
	esize := uint64(fa.entry.size)
	// Every element takes esize bytes of the data block, so a count the
	// file cannot hold is corrupt; this bounds all the loops below.
	if fa.nelmts > uint64(f.size)/esize {
		return f.formatError("fixed array header", f.abs(hdr), "%d elements do not fit in the file", fa.nelmts)
	}
	prefix := faPrefix + f.offsetSize
	if fa.nelmts <= pageN {
		d, err := f.decode(structure, fa.dblock, prefix+int(fa.nelmts*esize)+4)
		if err != nil {
			return err
		}
		checkArrayPrefix(d, "FADB", fa.entry, hdr)
		if err := readEntries(ctx, d, fa.entry, cs, 0, int(fa.nelmts), sink); err != nil {
			return err
		}
		d.checksum(0)
		return d.err
	}
	npages := (fa.nelmts + pageN - 1) / pageN
	bitmap := int((npages + 7) / 8)
	d, err := f.decode(structure, fa.dblock, prefix+bitmap+4)
	if err != nil {
		return err
	}
	checkArrayPrefix(d, "FADB", fa.entry, hdr)
	init := d.bytes(bitmap)
	d.checksum(0)
	if d.err != nil {
		return d.err
	}
	pageSize := pageN*esize + 4
	for p := uint64(0); p < npages; p++ {
		if init[p/8]&(0x80>>(p%8)) == 0 {
			continue
		}
		n := min(pageN, fa.nelmts-p*pageN)
		pd, err := f.decode("fixed array data block page", fa.dblock+uint64(prefix+bitmap+4)+p*pageSize, int(n*esize)+4)
		if err != nil {
			return err
		}
		if err := readEntries(ctx, pd, fa.entry, cs, p*pageN, int(n), sink); err != nil {
			return err
		}
		if pd.checksum(0); pd.err != nil {
			return pd.err
		}
	}
	return nil
}

// checkArrayPrefix reads the signature, version, client and header address
// that start every fixed and extensible array block after the header.
func checkArrayPrefix(d *decoder, sig string, e chunkEntry, hdr uint64) {
	d.signature(sig)
	if v := d.u8(); d.err == nil && v != 0 {
		d.fail("version %d, want 0", v)
	}
	want := uint8(0)
	if e.filtered {
		want = 1
	}
	if c := d.u8(); d.err == nil && c != want {
		d.fail("client %d, the header's is %d", c, want)
	}
	if a := d.addr(); d.err == nil && a != hdr {
		d.fail("header address %d, want %d", a, hdr)
	}
}
