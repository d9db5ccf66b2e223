package convert

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"

	"gokerchunk/blob"
)

// partitionFile is one partition of the input and the Parquet file it
// becomes. While it is open its rows go to a parquet-go writer on a local
// part file; the converter closes the least recently used partition when
// too many are open (a writer keeps its page buffers and dictionaries, a
// megabyte or so, as long as it lives), and a partition that gets rows
// again opens a new part. At the end the parts become the partition's one
// output file: a single part is copied as it is, several are merged by
// copying their row groups (compressed pages and all, without decoding).
type partitionFile struct {
	dir string // "COL=VALUE/..."
	key []byte // the raw partition fields that first led here
	// key8 is key packed by pack8 when keyShort.
	key8     uint64
	keyShort bool

	parts     []string // closed part files, in order
	rowGroups int      // in the closed parts
	file      *os.File // the open part, or nil
	w         *parquet.GenericWriter[any]
	rows      int64
	// groupRows are the rows handed to w since its last row group.
	groupRows int64
	// pending estimates the memory w holds for its open row group: its
	// compressed pages, the values not yet in a page, the dictionaries.
	pending   int64
	sizeAtEnd int64 // w.Size() when the last row group was written
	lastUse   int64 // when it was last written to, for closing the least recently used
	// blockRows are the rows of the block being converted that go here.
	blockRows []int32
	// staged holds rows waiting for a writer, stagedVals their typed
	// values by column (see deliver).
	staged     *block
	stagedVals [][]value

	out   blob.TreeFile // the output file, once the parts are done
	bytes int64         // its size
}

// openPart starts a new part file in dir.
func (p *partitionFile) openPart(dir string, opts []parquet.WriterOption) error {
	f, err := os.CreateTemp(dir, "part-*.parquet")
	if err != nil {
		return fmt.Errorf("%s: %w", p.dir, err)
	}
	p.file = f
	p.w = parquet.NewGenericWriter[any](f, opts...)
	p.groupRows, p.pending, p.sizeAtEnd = 0, 0, 0
	return nil
}

// closePart writes the open part's last row group and footer and closes
// it.
func (p *partitionFile) closePart() error {
	err := p.w.Close()
	if err == nil {
		p.rowGroups += len(p.w.File().Metadata().RowGroups)
	}
	if cerr := p.file.Close(); err == nil {
		err = cerr
	}
	p.parts = append(p.parts, p.file.Name())
	p.file, p.w = nil, nil
	p.groupRows, p.pending, p.sizeAtEnd = 0, 0, 0
	if err != nil {
		return fmt.Errorf("%s: %w", p.dir, err)
	}
	return nil
}

// writeOutput creates the partition's output file and writes its parts
// into it, uncommitted.
func (p *partitionFile) writeOutput(ctx context.Context, out blob.Tree, fileName string, opts []parquet.WriterOption) error {
	f, err := out.Create(ctx, p.dir+"/"+fileName)
	if err != nil {
		return err
	}
	p.out = f
	cw := &countingWriter{w: f}
	if len(p.parts) == 1 {
		err = copyFile(cw, p.parts[0])
	} else {
		p.rowGroups, err = mergeParts(cw, p.parts, opts)
	}
	p.bytes = cw.n
	if err != nil {
		return fmt.Errorf("%s: %w", p.dir, err)
	}
	return nil
}

func copyFile(w io.Writer, name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// mergeParts writes the row groups of the parts, in order, as one file.
// Parts written with the same options have the same schema, codec and
// encodings, so parquet-go copies each column chunk's bytes as they are.
func mergeParts(w io.Writer, parts []string, opts []parquet.WriterOption) (rowGroups int, err error) {
	pw := parquet.NewGenericWriter[any](w, opts...)
	for _, name := range parts {
		if err := appendRowGroups(pw, name); err != nil {
			return 0, err
		}
	}
	if err := pw.Close(); err != nil {
		return 0, err
	}
	return len(pw.File().Metadata().RowGroups), nil
}

func appendRowGroups(pw *parquet.GenericWriter[any], name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return fmt.Errorf("part %s: %w", filepath.Base(name), err)
	}
	for _, rg := range pf.RowGroups() {
		if _, err := pw.WriteRowGroup(rg); err != nil {
			return fmt.Errorf("part %s: %w", filepath.Base(name), err)
		}
	}
	return nil
}

// countingWriter counts the bytes of a file as they are written.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Staging: the rows of a partition without a writer wait in its staged
// block, as long as they are few (stageRows) and all partitions' staged
// rows are small (stageBytes); then the partition opens, closing the least
// recently used one if MaxOpenPartitions are open. So a rare partition
// does not open, close and open again (a part, a row group, each time) as
// rows trickle in, and memory stays bounded whatever the partitions.
const (
	stageRows  = 4096
	stageBytes = 16 << 20
)

// deliver hands a partition's rows of the block to its writer, or stages
// them.
func (c *converter) deliver(p *partitionFile, b *block) error {
	if p.w == nil && c.open >= c.opts.MaxOpenPartitions {
		c.stage(p, b)
		if p.staged.len() >= stageRows || c.stagedBytes > stageBytes {
			if err := c.flushStaged(p); err != nil {
				return err
			}
		}
		for c.stagedBytes > stageBytes {
			var largest *partitionFile
			for _, q := range c.order {
				if q.staged != nil && (largest == nil || len(q.staged.arena) > len(largest.staged.arena)) {
					largest = q
				}
			}
			if err := c.flushStaged(largest); err != nil {
				return err
			}
		}
		return nil
	}
	if p.staged != nil {
		// Room opened up: the earlier rows first.
		if err := c.flushStaged(p); err != nil {
			return err
		}
	}
	if p.w == nil {
		if err := c.openPartition(p); err != nil {
			return err
		}
	}
	return c.write(p, b, p.blockRows, c.vals)
}

// stage copies a partition's rows of the block into its staged block.
func (c *converter) stage(p *partitionFile, b *block) {
	if p.staged == nil {
		p.staged = newBlock(b.ncols, 0)
		p.staged.reset()
		p.stagedVals = make([][]value, len(c.vals))
	}
	before := len(p.staged.arena)
	for _, r := range p.blockRows {
		p.staged.appendRecord(b, int(r))
		for _, col := range c.typed {
			p.stagedVals[col] = append(p.stagedVals[col], c.vals[col][r])
		}
	}
	c.stagedBytes += len(p.staged.arena) - before
}

// flushStaged opens a partition and writes its staged rows.
func (c *converter) flushStaged(p *partitionFile) error {
	if p.w == nil {
		if err := c.openPartition(p); err != nil {
			return err
		}
	}
	rows := c.seq[:0]
	for r := range p.staged.len() {
		rows = append(rows, int32(r))
	}
	c.seq = rows
	err := c.write(p, p.staged, rows, p.stagedVals)
	c.stagedBytes -= len(p.staged.arena)
	p.staged, p.stagedVals = nil, nil
	return err
}

// write hands rows of a block to a partition's writer, column by column,
// ends its row group when full, and keeps the row groups held within
// MemoryLimit: when they hold more, the partition holding the most is cut
// into a row group early (the largest frees the most per cut, and the cut
// depends only on the data, so the output stays deterministic).
func (c *converter) write(p *partitionFile, b *block, rows []int32, vals [][]value) error {
	c.writes++
	p.lastUse = c.writes
	if cap(c.values) < len(rows) {
		c.values = make([]parquet.Value, len(rows))
	}
	cws := p.w.ColumnWriters()
	for k, src := range c.dataSrc {
		c.values = columnValues(c.values[:cap(c.values)], k, c.dataCols[k].Type, b, rows, src, vals[src])
		if _, err := cws[k].WriteRowValues(c.values); err != nil {
			return fmt.Errorf("%s: column %s: %w", p.dir, c.dataCols[k].Name, err)
		}
	}
	n := int64(len(rows))
	p.rows += n
	p.groupRows += n
	if p.groupRows >= c.opts.RowGroupRows {
		return c.endRowGroup(p)
	}
	held := p.w.Size() - p.sizeAtEnd
	c.pending += held - p.pending
	p.pending = held
	for c.pending > c.opts.MemoryLimit {
		// Closed partitions hold nothing (pending 0).
		largest := c.order[0]
		for _, q := range c.order[1:] {
			if q.pending > largest.pending {
				largest = q
			}
		}
		if largest.pending == 0 {
			break
		}
		c.res.EarlyRowGroups++
		if err := c.endRowGroup(largest); err != nil {
			return err
		}
	}
	return nil
}

// openPartition gives a partition a writer on a new part file, closing
// the least recently used open partition first when MaxOpenPartitions are
// open.
func (c *converter) openPartition(p *partitionFile) error {
	if c.open >= c.opts.MaxOpenPartitions {
		var lru *partitionFile
		for _, q := range c.order {
			if q.w != nil && (lru == nil || q.lastUse < lru.lastUse) {
				lru = q
			}
		}
		c.pending -= lru.pending
		if err := lru.closePart(); err != nil {
			return err
		}
		c.open--
	}
	if len(p.parts) > 0 {
		c.res.ClosedEarly++
	}
	if err := p.openPart(c.work, c.writerOpts); err != nil {
		return err
	}
	c.open++
	return nil
}

func (c *converter) endRowGroup(p *partitionFile) error {
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("%s: %w", p.dir, err)
	}
	p.groupRows = 0
	c.pending -= p.pending
	p.pending = 0
	p.sizeAtEnd = p.w.Size()
	return nil
}

// finish closes every partition, writes the output files, commits them
// all, and removes the files an earlier run left in partitions not
// written now.
func (c *converter) finish() error {
	slices.SortFunc(c.order, func(a, b *partitionFile) int { return strings.Compare(a.dir, b.dir) })
	for _, p := range c.order {
		if p.staged != nil {
			if err := c.flushStaged(p); err != nil {
				return err
			}
		}
	}
	for _, p := range c.order {
		if p.w != nil {
			if err := p.closePart(); err != nil {
				return err
			}
			c.open--
		}
	}
	for _, p := range c.order {
		if err := p.writeOutput(c.ctx, c.out, c.fileName, c.writerOpts); err != nil {
			return err
		}
		// The parts are not needed any more: free the disk as it goes.
		for _, part := range p.parts {
			os.Remove(part)
		}
		c.res.Rows += p.rows
		c.res.Partitions = append(c.res.Partitions, PartitionFile{Dir: p.dir, Rows: p.rows, Bytes: p.bytes, RowGroups: p.rowGroups})
	}
	// Each file is committed on its own: should one commit fail (a full
	// disk, a lost connection), those before it stay.
	written := map[string]bool{}
	for _, p := range c.order {
		if err := p.out.Commit(c.ctx); err != nil {
			return err
		}
		p.out = nil
		written[p.dir] = true
	}
	c.res.Written = true
	removed, err := removeStale(c.ctx, c.out, c.partCols, c.fileName, written)
	c.res.Removed = removed
	return err
}

// abort discards every output file not committed; the part files go with
// the work directory.
func (c *converter) abort() {
	for _, p := range c.order {
		if p.file != nil {
			p.file.Close()
		}
		if p.out != nil {
			p.out.Abort()
			p.out = nil
		}
	}
}
