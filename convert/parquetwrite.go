package convert

import (
	"fmt"
	"math"
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
// Every column but booleans is dictionary-encoded, with a fall back to
// plain pages when a column chunk's dictionary passes dictionaryMaxBytes,
// as pyarrow writes them. Measured on GHCN against plain pages and zstd:
// dictionaries for the strings halve the files, and for DATE and
// DATA_VALUE make them 5% smaller, in no more time.

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
			n = parquet.String()
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
		if c.Type != Bool {
			n = parquet.Encoded(n, &parquet.RLEDictionary)
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
