package hdf5scan

import "context"

// v1 B-tree chunk index (spec §III.A.1, node type 1), the index of data
// layout messages version 1 to 3. The tree walk itself is walkBTree1's.

// walkBTree1Chunks yields every chunk the tree lists, also those beyond the
// current shape (a dataset that shrank keeps them). A key holds the
// chunk's stored size, filter mask and element offsets: rank+1 of 8 bytes,
// the last (the element size dimension) always 0.
func (f *file) walkBTree1Chunks(ctx context.Context, ds *dataset, sink chunkSink) error {
	chunk := ds.layout.chunk
	rank := len(chunk)
	keySize := 8 + 8*(rank+1)
	coords := make([]int, rank)
	n := 0
	return f.walkBTree1(ds.layout.address, btree1Chunk, keySize, func(e btree1Entry) error {
		if n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n++
		d := f.decoderOver("v1 B-tree chunk key", 0, e.key)
		r := chunkRecord{coords: coords, addr: e.child, size: int64(d.u32()), mask: d.u32()}
		for i, c := range chunk {
			off := d.u64()
			if off%c != 0 {
				return f.formatError("v1 B-tree chunk key", f.abs(ds.layout.address), "%s: chunk offset %d is not a multiple of the chunk size %d", ds.path, off, c)
			}
			if off/c > 1<<62 {
				return f.formatError("v1 B-tree chunk key", f.abs(ds.layout.address), "%s: chunk offset %d", ds.path, off)
			}
			coords[i] = int(off / c)
		}
		return sink.chunk(r)
	})
}
