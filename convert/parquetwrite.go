package convert

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
)

// The Parquet files: one per partition, every CSV column but the partition
// columns (their values are in the directory names, as Hive, Spark and
// pyarrow's write_to_dataset lay datasets out), in CSV order, all OPTIONAL.
// Strings are dictionary-encoded (with a fall back to plain pages when a
// column chunk's dictionary passes dictionaryMaxBytes, as pyarrow does): it
// halves GHCN's files against plain strings and zstd. Numbers, dates and
// booleans are plain: the compressor gets most of what a dictionary would,
// at less cost per value.

const (
	// pageBufferSize bounds a column's values buffered before they are
	// encoded into a page. Every open partition holds up to one per column.
	pageBufferSize = 64 << 10
	// dictionaryMaxBytes is pyarrow's dictionary_pagesize_limit.
	dictionaryMaxBytes = 1 << 20
)

// Codec returns the Parquet compression codec for a name: zstd or snappy.
func Codec(name string) (compress.Codec, error) {
	switch name {
	case "", "zstd":
		return zstdFastest, nil
	case "snappy":
		return &parquet.Snappy, nil
	}
	return nil, fmt.Errorf("compression %q: want zstd or snappy", name)
}

// zstdFastest is zstd at the level pyarrow and Arrow use by default (1):
// parquet-go's default (3) costs about twice the time for a few per cent.
var zstdFastest = &zstd.Codec{Level: zstd.SpeedFastest}

// fileSchema is the Parquet schema of the data columns.
func fileSchema(cols []ColumnType) *parquet.Schema {
	g := &orderedGroup{}
	for _, c := range cols {
		var n parquet.Node
		switch c.Type {
		case String:
			n = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
		case Int32:
			n = parquet.Leaf(parquet.Int32Type)
		case Int64:
			n = parquet.Leaf(parquet.Int64Type)
		case Float32:
			n = parquet.Leaf(parquet.FloatType)
		case Float64:
			n = parquet.Leaf(parquet.DoubleType)
		case Bool:
			n = parquet.Leaf(parquet.BooleanType)
		case Date:
			n = parquet.Date()
		}
		g.fields = append(g.fields, orderedField{Node: parquet.Optional(n), name: c.Name})
	}
	// "schema" is the root's name as pyarrow and fastparquet write it.
	return parquet.NewSchema("schema", g)
}

// orderedGroup is a Parquet group whose fields keep the order they were
// given in: parquet.Group is a map and sorts them by name, and a CSV's
// columns should stay in the order the CSV has them.
type orderedGroup struct{ fields []orderedField }

type orderedField struct {
	parquet.Node
	name string
}

func (f orderedField) Name() string { return f.name }

// Value is used only when rows are built from Go values, which this
// package never does.
func (f orderedField) Value(base reflect.Value) reflect.Value { return reflect.Value{} }

func (g *orderedGroup) ID() int                     { return 0 }
func (g *orderedGroup) String() string              { return parquet.Group{}.String() }
func (g *orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g *orderedGroup) Optional() bool              { return false }
func (g *orderedGroup) Repeated() bool              { return false }
func (g *orderedGroup) Required() bool              { return true }
func (g *orderedGroup) Leaf() bool                  { return false }
func (g *orderedGroup) Encoding() encoding.Encoding { return nil }
func (g *orderedGroup) Compression() compress.Codec { return nil }
func (g *orderedGroup) GoType() reflect.Type        { return g.goType() }
func (g *orderedGroup) Fields() []parquet.Field     { return g.fieldList() }
func (g *orderedGroup) fieldList() (out []parquet.Field) {
	for _, f := range g.fields {
		out = append(out, f)
	}
	return out
}

// goType is a struct of the fields' Go types, with field names that are
// valid Go identifiers whatever the column names are.
func (g *orderedGroup) goType() reflect.Type {
	fields := make([]reflect.StructField, len(g.fields))
	for i, f := range g.fields {
		fields[i] = reflect.StructField{
			Name: "F" + strconv.Itoa(i),
			Type: f.GoType(),
			Tag:  reflect.StructTag(`parquet:` + strconv.Quote(f.name)),
		}
	}
	return reflect.StructOf(fields)
}

// writerOptions are the options of every partition file's writer.
//
// Statistics: parquet-go writes a page's min and max twice, in the column
// index (which readers use to skip pages, and from which it also derives
// each column chunk's statistics) and in the page header; the page-header
// copy is left out, as it costs a second pass over every page. For string
// columns the bounds are left out altogether unless stringStats: comparing
// strings is a tenth of the conversion's time, and min/max of IDs and
// flags prune nothing in data ordered by date, as GHCN's is.
func writerOptions(schema *parquet.Schema, codec compress.Codec, stringStats bool) []parquet.WriterOption {
	var opts []parquet.WriterOption
	for _, f := range schema.Fields() {
		// Each option takes one column path, as its components.
		opts = append(opts, parquet.SkipPageStatistics(f.Name()))
		if !stringStats && f.Type().Kind() == parquet.ByteArray {
			opts = append(opts, parquet.SkipPageBounds(f.Name()))
		}
	}
	return append(opts,
		schema,
		parquet.Compression(codec),
		// Version 1 data pages, the most widely read.
		parquet.DataPageVersion(1),
		parquet.PageBufferSize(pageBufferSize),
		parquet.DictionaryMaxBytes(dictionaryMaxBytes),
		// A fixed name: the default carries parquet-go's build, and the
		// output must not change with it.
		&parquet.WriterConfig{CreatedBy: "gokerchunk"},
	)
}

// columnValues turns the fields of some records of a block into the
// parquet.Values of column k, into dst (which has room), in one loop
// specialised for the column's type. Strings refer to the block's text:
// the Values must be written before the block is reused.
func columnValues(dst []parquet.Value, k int, t Type, blk *block, rows []int32, src int, vals []value) []parquet.Value {
	dst = dst[:len(rows)]
	m := newValueMaker(t, k)
	if !valueLayoutOK {
		return m.slowValues(dst, blk, rows, src, vals)
	}
	// Each Value is made in place: the column's template, then its data
	// words (see parquetvalue.go).
	if t == String {
		for j, r := range rows {
			f := blk.field(int(r), src)
			if len(f) == 0 {
				dst[j] = m.null
				continue
			}
			dst[j] = m.tmpl
			w := (*valueWords)(unsafe.Pointer(&dst[j]))
			w.ptr = unsafe.Pointer(unsafe.SliceData(f))
			w.u64 = uint64(len(f))
		}
		return dst
	}
	for j, r := range rows {
		v := &vals[r]
		if v.null {
			dst[j] = m.null
			continue
		}
		var word uint64
		switch t {
		case Int32, Date:
			word = uint64(int32(v.i))
		case Float32:
			word = uint64(math.Float32bits(float32(v.f)))
		case Float64:
			word = math.Float64bits(v.f)
		default: // Int64, Bool
			word = uint64(v.i)
		}
		dst[j] = m.tmpl
		(*valueWords)(unsafe.Pointer(&dst[j])).u64 = word
	}
	return dst
}

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

	out   OutputFile // the output file, once the parts are done
	bytes int64      // its size
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
func (p *partitionFile) writeOutput(ctx context.Context, out Output, fileName string, opts []parquet.WriterOption) error {
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
