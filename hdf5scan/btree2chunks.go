package hdf5scan

import "context"

// v2 B-tree chunk index (spec §III.A.2 record types 10 and 11;
// HDF5-STRUCTURES §7.6), used for datasets with two or more unlimited
// dimensions. The tree walk itself is walkBTree2's.

const (
	btree2ChunkRecord         = 10 // chunk address, scaled offsets
	btree2FilteredChunkRecord = 11 // address, stored size, filter mask, scaled offsets
)

// btree2Chunks yields the index's records that meet the current shape. A
// record's scaled offsets are chunk-grid indices (rank of them, 8 bytes
// each); a filtered record's size width is what remains of the record.
func (f *file) btree2Chunks(ctx context.Context, ds *dataset, cs *chunkSpace, sink chunkSink) error {
	rank := len(ds.layout.chunk)
	typ := uint8(btree2ChunkRecord)
	fixed := f.offsetSize + 8*rank
	if len(ds.filters) > 0 {
		typ = btree2FilteredChunkRecord
		fixed += 4
	}
	n := 0
	return f.walkBTree2(ds.layout.address, typ, func(rec []byte) error {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		width := len(rec) - fixed
		if width < 0 || (typ == btree2ChunkRecord && width != 0) || (typ == btree2FilteredChunkRecord && (width == 0 || width > 8)) {
			return f.formatError("v2 B-tree header", f.abs(ds.layout.address), "%d-byte chunk records for rank %d", len(rec), rank)
		}
		d := f.decoderOver("v2 B-tree chunk record", f.abs(ds.layout.address), rec)
		r := chunkRecord{coords: cs.idx, addr: d.addr()}
		if typ == btree2FilteredChunkRecord {
			size := d.uint(width)
			r.mask = d.u32()
			if size > uint64(f.size) {
				return f.formatError("v2 B-tree chunk record", f.abs(ds.layout.address), "chunk of %d bytes in a %d-byte file", size, f.size)
			}
			r.size = int64(size)
		}
		for i := 0; i < rank; i++ {
			c := d.u64()
			if c >= uint64(cs.extent[i]) {
				return nil // beyond the current shape (the dataset shrank)
			}
			cs.idx[i] = int(c)
		}
		if d.err != nil || r.addr == undefinedAddr {
			return d.err
		}
		n++
		return sink.chunk(r)
	})
}
