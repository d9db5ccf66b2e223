// Package convert turns CSV into a Hive-partitioned Parquet dataset,
// streaming: OUTPUT/COL=VALUE/.../<input name>.parquet, one file per
// partition per input, so that converting the same input again replaces
// its files rather than adding to them.
//
// The flow, a block of records at a time (convert.go): records are split
// into spans of the read buffer (csvread.go); typed columns are parsed
// column by column (schema.go; types given or inferred from a sample,
// infer.go); bad records are counted and listed by line; each good record
// goes to its partition (partition.go), whose rows are written column by
// column (parquetwrite.go) into the partition's parquet-go writer, on a
// local part file (partitionfile.go). At the end each partition's parts
// become its output file, created through a blob.Tree (the local file
// system, or an s3:// prefix: any store that can publish a file whole), and all files
// are committed together; a failure aborts them all, so it leaves nothing
// behind.
//
// Memory is bounded by the open partitions and the row-group size, never
// by the input:
//
//   - at most Options.MaxOpenPartitions writers are open; a writer holds
//     its page buffers and dictionaries, from a few kilobytes to about 1.5
//     MB for a high-cardinality string column. The least recently used is
//     closed (into a part file) when another must open; rows for a closed
//     partition wait, at most stageRows of them and stageBytes in all, so
//     that rare partitions do not open and close for every row.
//   - the row groups open in all writers (their compressed pages) hold at
//     most Options.MemoryLimit: beyond it, the partition holding the most
//     is cut into a row group early.
//   - one read buffer (1 MiB, more only for longer records) and one block.
//
// Converting a generated 1 GB GHCN-Daily year partitioned by ELEMENT
// peaks at about 110 MB resident; see testdata/bench/convert.sh.
package convert

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"

	"gokerchunk/blob"
)

// Defaults of Options.
const (
	DefaultInferRows = 100_000
	// DefaultInferBytes bounds the sample kept for inference.
	DefaultInferBytes = 16 << 20
	// DefaultRowGroupRows is pyarrow's default row group size.
	DefaultRowGroupRows = 1 << 20
	DefaultMemoryLimit  = 64 << 20
	// DefaultMaxPartitions guards against partitioning by a column with a
	// value per row.
	DefaultMaxPartitions = 10_000
	// DefaultMaxOpenPartitions: GHCN's elements all stay open (about 50 in
	// the largest years), a writer holds up to a megabyte or so.
	DefaultMaxOpenPartitions = 64
	DefaultListBadRows       = 20
)

// Options of a conversion. The zero value of a field means its default.
type Options struct {
	// PartitionBy names the columns whose values name the directories,
	// outermost first. They are not stored in the files.
	PartitionBy []string
	// Header says the first record holds the column names.
	Header bool
	// Columns names the columns; with Header, it replaces the header's
	// names. Without Columns and Header, Schema must name every column in
	// order.
	Columns []string
	// Schema gives the types of some or all columns; the others are
	// inferred from the first InferRows rows (see infer.go for the rule).
	Schema []ColumnType
	// InferRows is the size of the inference sample (at most InferBytes
	// bytes of CSV either way).
	InferRows  int
	InferBytes int
	// Compression is "zstd" (the default) or "snappy".
	Compression string
	// StringStatistics keeps the min and max of string columns in the
	// column index and row-group statistics (they are left out otherwise:
	// see writerOptions).
	StringStatistics bool
	// MaxBadRows is how many bad rows (a wrong number of fields, a value
	// that does not parse as its column's type, a broken quoted field) are
	// dropped before the conversion fails; 0, the default, fails on the
	// first, and a negative value never fails. Bad rows are never written.
	MaxBadRows int64
	// ListBadRows is how many bad rows the Result describes.
	ListBadRows int
	// RowGroupRows is the rows of a full row group.
	RowGroupRows int64
	// MemoryLimit bounds the bytes that open row groups hold across all
	// partitions (as parquet-go estimates them).
	MemoryLimit int64
	// MaxPartitions bounds the partitions of one input (the files it
	// writes); more fail the conversion.
	MaxPartitions int
	// MaxOpenPartitions bounds the partitions with an open Parquet writer:
	// when another must open, the least recently used one is closed into a
	// part file (see partitionFile).
	MaxOpenPartitions int
	// TempDir holds the part files while the input converts (os.TempDir()
	// when empty): about as much as the output.
	TempDir string
	// MaxRecordBytes bounds one CSV record.
	MaxRecordBytes int
	// Progress, when set, is called now and then with the bytes read from
	// the input (compressed ones, for gzip).
	Progress func(inputBytes int64)
}

func (o Options) withDefaults() Options {
	o.InferRows = cmp.Or(o.InferRows, DefaultInferRows)
	o.InferBytes = cmp.Or(o.InferBytes, DefaultInferBytes)
	o.ListBadRows = cmp.Or(o.ListBadRows, DefaultListBadRows)
	o.RowGroupRows = cmp.Or(o.RowGroupRows, DefaultRowGroupRows)
	o.MemoryLimit = cmp.Or(o.MemoryLimit, DefaultMemoryLimit)
	o.MaxPartitions = cmp.Or(o.MaxPartitions, DefaultMaxPartitions)
	o.MaxOpenPartitions = cmp.Or(o.MaxOpenPartitions, DefaultMaxOpenPartitions)
	o.TempDir = cmp.Or(o.TempDir, os.TempDir())
	o.MaxRecordBytes = cmp.Or(o.MaxRecordBytes, DefaultMaxRecordBytes)
	return o
}

// Result describes a conversion, also a failed one as far as it got.
type Result struct {
	// File is the name of the file written in each partition directory.
	File string
	// Columns are all CSV columns with their types; Inferred names those
	// whose type was inferred.
	Columns  []ColumnType
	Inferred []string
	// Rows is the rows written, BadRows those dropped; FirstBadRows
	// describes the first ListBadRows of them.
	Rows         int64
	BadRows      int64
	FirstBadRows []BadRow
	// Partitions are the files written, by directory.
	Partitions []PartitionFile
	// Written is set once every file is committed; an error after that
	// comes from removing an earlier run's files.
	Written bool
	// Removed are files of an earlier conversion of the same input in
	// partitions this one did not write.
	Removed []string
	// InputBytes is what was read from the input, CSVBytes the CSV in it
	// (more when the input was gzip-compressed).
	InputBytes int64
	CSVBytes   int64
	// EarlyRowGroups counts row groups cut before RowGroupRows to keep
	// within MemoryLimit; ClosedEarly counts partitions closed to keep
	// within MaxOpenPartitions that got rows again (so their files are
	// merged from parts).
	EarlyRowGroups int
	ClosedEarly    int
}

// PartitionFile is one file written.
type PartitionFile struct {
	Dir       string // COL=VALUE/...
	Rows      int64
	RowGroups int
	Bytes     int64
}

// BadRow is a row dropped, by the line it starts on.
type BadRow struct {
	Line   int64
	Reason string
}

func (b BadRow) String() string { return fmt.Sprintf("line %d: %s", b.Line, b.Reason) }

// DataError is a failure that converting the same input with the same
// options again would repeat: the CSV or the options do not fit (a header
// that disagrees with --columns, a schema or partition column that is not
// there, a broken gzip stream, too many partitions). Drivers do not retry
// it.
type DataError struct{ Err error }

func (e *DataError) Error() string { return e.Err.Error() }
func (e *DataError) Unwrap() error { return e.Err }

// dataErrorf makes a *DataError.
func dataErrorf(format string, args ...any) error {
	return &DataError{Err: fmt.Errorf(format, args...)}
}

// BadRowsError is the failure of a conversion with more bad rows than
// Options.MaxBadRows.
type BadRowsError struct {
	Max   int64
	First []BadRow
}

func (e *BadRowsError) Error() string {
	var b strings.Builder
	if e.Max == 0 {
		b.WriteString("a bad row")
	} else {
		fmt.Fprintf(&b, "more than %d bad rows", e.Max)
	}
	for i, r := range e.First {
		if i == 3 {
			b.WriteString(", ...")
			break
		}
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + r.String())
	}
	return b.String()
}

// FileName is the name an input's files get in each partition: its base
// name without .gz and .csv, with .parquet.
func FileName(input string) string {
	base := path.Base(strings.ReplaceAll(input, "\\", "/"))
	for _, ext := range []string{".gz", ".csv", ".tsv", ".txt"} {
		if len(base) > len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
			base = base[:len(base)-len(ext)]
		}
	}
	return base + ".parquet"
}

// Convert reads CSV (gzip-compressed or not) from r and writes it into out
// as partitioned Parquet files named fileName. Nothing is visible in out
// unless the whole input converted; then the files of an earlier
// conversion of the same input (the same fileName) in other partitions are
// removed. The Result is never nil.
func Convert(ctx context.Context, r io.Reader, fileName string, out blob.Tree, opts Options) (*Result, error) {
	res := &Result{File: fileName}
	opts = opts.withDefaults()
	if fileName == "" || strings.ContainsAny(fileName, "/\x00") || fileName == "." || fileName == ".." {
		return res, fmt.Errorf("output file name %q is not a file name", fileName)
	}
	if len(opts.PartitionBy) == 0 {
		return res, errors.New("no partition column")
	}
	codec, err := Codec(opts.Compression)
	if err != nil {
		return res, err
	}
	in := &countingReader{r: r}
	src, err := gunzipped(in)
	if err != nil {
		return res, err
	}
	work, err := os.MkdirTemp(opts.TempDir, "gokerchunk-csv2parquet-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	c := &converter{
		ctx:      ctx,
		opts:     opts,
		out:      out,
		fileName: fileName,
		work:     work,
		in:       in,
		res:      res,
		rr:       newRecordReader(src, opts.MaxRecordBytes),
		parts:    map[string]*partitionFile{},
		byKey:    map[string]*partitionFile{},
	}
	err = c.run(codec)
	res.InputBytes = in.n
	res.CSVBytes = c.rr.bytesRead()
	if err != nil {
		c.abort()
		return res, err
	}
	return res, nil
}

// gunzipped returns the CSV in r: r itself, or its gzip stream
// decompressed when it starts with the gzip magic bytes.
func gunzipped(r io.Reader) (io.Reader, error) {
	var magic [2]byte
	n, err := io.ReadFull(r, magic[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read: %w", err)
	}
	src := io.MultiReader(bytes.NewReader(magic[:n]), r)
	if n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		z, err := gzip.NewReader(src)
		if err != nil {
			return nil, dataErrorf("gzip: %w", err)
		}
		return z, nil
	}
	return src, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progressEvery is how often (in CSV bytes) Progress is called and the
// context looked at.
const progressEvery = 8 << 20

// blockRows is the records converted together, column by column.
const blockRows = 1024

type converter struct {
	ctx      context.Context
	opts     Options
	out      blob.Tree
	fileName string
	work     string // the part files' directory
	in       *countingReader
	res      *Result
	rr       *recordReader

	names    []string
	types    []Type
	inferred []bool
	partCols []partitionColumn
	dataCols []ColumnType
	dataSrc  []int // CSV column of each data column
	typed    []int // the columns that are not strings

	writerOpts  []parquet.WriterOption
	parts       map[string]*partitionFile // by directory
	byKey       map[string]*partitionFile // by the raw text of the partition fields
	recent      [recentPartitions]*partitionFile
	order       []*partitionFile // in the order met
	open        int              // partitions with a writer
	writes      int64            // writes to partitions, a clock for lastUse
	stagedBytes int              // Σ len(partitionFile.staged.arena)
	seq         []int32          // 0, 1, 2, ...: a staged block's rows
	pending     int64            // Σ partitionFile.pending
	nextCheck   int64

	// Per block.
	blk     *block
	vals    [][]value // the typed columns' values, by column and record
	parsed  []lastParsed
	reasons []string // why each record is bad, or ""
	anyBad  bool
	touched []*partitionFile // the partitions the block's rows go to
	values  []parquet.Value  // one column's values for one partition
	keyBuf  []byte
	dirBuf  []byte
	rowVals []value  // one record's values, by column, for partitionDir
	fields  [][]byte // one record's fields, for partitionDir
}

func (c *converter) run(codec compress.Codec) error {
	if err := c.readNames(); err != nil {
		return err
	}
	sample, err := c.resolveTypes()
	if err != nil {
		return err
	}
	c.writerOpts = writerOptions(fileSchema(c.dataCols), codec, c.opts.StringStatistics)
	c.vals = make([][]value, len(c.names))
	c.parsed = make([]lastParsed, len(c.names))
	c.rowVals = make([]value, len(c.names))
	for i, t := range c.types {
		c.parsed[i].n = -1
		if t != String {
			c.typed = append(c.typed, i)
			c.vals[i] = make([]value, blockRows)
		}
	}
	c.reasons = make([]string, blockRows)
	c.values = make([]parquet.Value, blockRows)
	for _, b := range sample {
		if err := c.convertBlock(b); err != nil {
			return err
		}
	}
	c.blk = newBlock(len(c.names), blockRows)
	for {
		err := c.rr.readBlock(c.blk, blockRows)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := c.convertBlock(c.blk); err != nil {
			return err
		}
	}
	return c.finish()
}

// readNames settles the column names: from the header record, Columns or
// Schema.
func (c *converter) readNames() error {
	o := c.opts
	switch {
	case o.Header:
		hb := newBlock(0, 1)
		err := c.rr.readBlock(hb, 1)
		if err == io.EOF {
			return errors.New("no header: the input is empty")
		}
		if err != nil {
			return err
		}
		if hb.bad[0] != "" {
			return dataErrorf("header, line %d: %s", hb.line[0], hb.bad[0])
		}
		header := hb.record(nil, 0)
		if o.Columns != nil {
			if len(o.Columns) != len(header) {
				return dataErrorf("%d column names given, the header has %d", len(o.Columns), len(header))
			}
			c.names = slices.Clone(o.Columns)
		} else {
			for _, f := range header {
				c.names = append(c.names, string(f))
			}
		}
	case o.Columns != nil:
		c.names = slices.Clone(o.Columns)
	case o.Schema != nil:
		for _, ct := range o.Schema {
			c.names = append(c.names, ct.Name)
		}
	default:
		return errors.New("no column names: give a header, the column names, or a schema of every column")
	}
	seen := map[string]bool{}
	for i, n := range c.names {
		if n == "" {
			return dataErrorf("column %d has no name", i+1)
		}
		if seen[n] {
			return dataErrorf("column name %q appears twice", n)
		}
		seen[n] = true
	}
	return nil
}

// resolveTypes gives every column its type, from Schema or inferred from
// a sample of the first rows, which it returns (as blocks) to be
// converted.
func (c *converter) resolveTypes() ([]*block, error) {
	n := len(c.names)
	c.types = make([]Type, n)
	c.inferred = make([]bool, n)
	index := map[string]int{}
	for i, name := range c.names {
		index[name] = i
	}
	for _, ct := range c.opts.Schema {
		i, ok := index[ct.Name]
		if !ok {
			return nil, dataErrorf("schema names column %q, which is not among the columns %s", ct.Name, strings.Join(c.names, ","))
		}
		c.types[i] = ct.Type
	}
	isPart := make([]bool, n)
	for _, name := range c.opts.PartitionBy {
		i, ok := index[name]
		if !ok {
			return nil, dataErrorf("partition column %q is not among the columns %s", name, strings.Join(c.names, ","))
		}
		if isPart[i] {
			return nil, dataErrorf("partition column %q given twice", name)
		}
		isPart[i] = true
		c.partCols = append(c.partCols, partitionColumn{index: i, escapedName: string(appendEscaped(nil, []byte(name)))})
	}
	if len(c.partCols) == n {
		return nil, errors.New("every column is a partition column: the files would have no columns")
	}

	var sample []*block
	if slices.Contains(c.types, 0) {
		inf := newInferer(n)
		b := newBlock(n, blockRows)
		rows, size := 0, 0
		for rows < c.opts.InferRows && size < c.opts.InferBytes {
			err := c.rr.readBlock(b, min(blockRows, c.opts.InferRows-rows))
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			kept := b.clone()
			sample = append(sample, kept)
			rows += kept.len()
			size += len(kept.arena)
			for r := range kept.len() {
				if kept.bad[r] == "" {
					for i := range n {
						inf.add(i, kept.field(r, i))
					}
				}
			}
		}
		for i, t := range c.types {
			if t == 0 {
				c.types[i] = inf.typeOf(i)
				c.inferred[i] = true
				c.res.Inferred = append(c.res.Inferred, c.names[i])
			}
		}
	}
	for i := range c.partCols {
		c.partCols[i].typ = c.types[c.partCols[i].index]
	}
	for i, name := range c.names {
		c.res.Columns = append(c.res.Columns, ColumnType{Name: name, Type: c.types[i]})
		if !isPart[i] {
			c.dataCols = append(c.dataCols, ColumnType{Name: name, Type: c.types[i]})
			c.dataSrc = append(c.dataSrc, i)
		}
	}
	return sample, nil
}

// convertBlock converts a block of records column by column: it takes
// the records the reader found bad, parses each typed column, reports the
// bad records in line order, finds each good record's partition, and hands
// each partition its rows (deliver).
func (c *converter) convertBlock(b *block) error {
	if c.rr.bytesRead() >= c.nextCheck {
		c.nextCheck = c.rr.bytesRead() + progressEvery
		if err := c.ctx.Err(); err != nil {
			return err
		}
		if c.opts.Progress != nil {
			c.opts.Progress(c.in.n)
		}
	}
	n := b.len()
	reasons := c.reasons[:n]
	c.anyBad = false
	for r, why := range b.bad {
		if why != "" {
			c.markBad(r, "%s", why)
		}
	}
	for _, col := range c.typed {
		if err := c.parseColumn(b, col); err != nil {
			return err
		}
	}
	if c.anyBad {
		for r, why := range reasons {
			if why != "" {
				if err := c.badRow(b.line[r], why); err != nil {
					return err
				}
			}
		}
	}

	c.touched = c.touched[:0]
	for r := range n {
		if c.anyBad && reasons[r] != "" {
			continue
		}
		p, err := c.partition(b, r)
		if err != nil {
			return err
		}
		if len(p.blockRows) == 0 {
			c.touched = append(c.touched, p)
		}
		p.blockRows = append(p.blockRows, int32(r))
	}
	for _, p := range c.touched {
		if err := c.deliver(p, b); err != nil {
			return err
		}
		p.blockRows = p.blockRows[:0]
	}
	if c.anyBad {
		clear(reasons)
	}
	return nil
}

// markBad notes why record r of the block is bad, unless it already is.
func (c *converter) markBad(r int, format string, args ...any) {
	if c.reasons[r] == "" {
		c.reasons[r] = fmt.Sprintf(format, args...)
		c.anyBad = true
	}
}

// parseColumn parses the fields of a typed column in the block's good
// records into c.vals[col].
func (c *converter) parseColumn(b *block, col int) error {
	vals := c.vals[col][:b.len()]
	t := c.types[col]
	pc := &c.parsed[col]
	for r := range vals {
		if c.anyBad && c.reasons[r] != "" {
			continue
		}
		f := b.field(r, col)
		if len(f) == 0 {
			vals[r] = value{null: true}
			continue
		}
		// Sorted or repetitive columns (GHCN's DATE) repeat the previous
		// row's text: its value is kept.
		key, short := pack8(f)
		if short && key == pc.key && len(f) == pc.n {
			vals[r] = pc.v
			continue
		}
		v, err := parseValue(t, f)
		if err != nil {
			if c.inferred[col] {
				c.markBad(r, "column %s: %v (its type was inferred from the first rows; --schema %s:TYPE sets it)", c.names[col], err, c.names[col])
			} else {
				c.markBad(r, "column %s: %v", c.names[col], err)
			}
			continue
		}
		vals[r] = v
		if short {
			*pc = lastParsed{key: key, n: len(f), v: v}
		}
	}
	return nil
}

func (c *converter) badRow(line int64, why string) error {
	c.res.BadRows++
	if len(c.res.FirstBadRows) < c.opts.ListBadRows {
		c.res.FirstBadRows = append(c.res.FirstBadRows, BadRow{Line: line, Reason: why})
	}
	if c.opts.MaxBadRows >= 0 && c.res.BadRows > c.opts.MaxBadRows {
		return &BadRowsError{Max: c.opts.MaxBadRows, First: c.res.FirstBadRows}
	}
	return nil
}

// lastParsed is a column's last parsed field of up to eight bytes, packed
// by pack8 with its length (-1: none), and its value.
type lastParsed struct {
	key uint64
	n   int
	v   value
}

// pack8 packs a field of up to eight bytes into a word, which compares
// faster than the bytes; with the length, it identifies the field. From
// four bytes on, the first four and the last four (which overlap below
// eight) cover it.
func pack8(b []byte) (uint64, bool) {
	n := len(b)
	switch {
	case n > 8:
		return 0, false
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32, true
	}
	var x uint64
	for i, c := range b {
		x |= uint64(c) << (8 * i)
	}
	return x, true
}
