package refs

// parquet-go trusts the sizes a file declares: a footer length, a Thrift list
// length or a page size read from the file becomes an allocation before it is
// checked against what the file holds, so a few corrupt bytes can ask for
// gigabytes. The checks here walk the same structures first (Parquet format:
// file layout, Thrift compact protocol, PageHeader) and refuse what the file
// or the limits below cannot justify; only then is parquet-go let in.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

const (
	// maxParquetFooter bounds a refs file's footer (FileMetaData). One with
	// four columns and one row group takes about a kilobyte; Thrift lists in
	// it become slices of structs hundreds of bytes large each.
	maxParquetFooter = 1 << 16
	// maxRefsFileSize bounds a refs file read into memory.
	maxRefsFileSize = 1 << 30
	// maxRefsDecoded bounds the sum of the uncompressed page sizes of one
	// refs file: what decoding it may allocate.
	maxRefsDecoded = 1 << 30
	// maxThriftDepth bounds the nesting of Thrift structs and containers.
	maxThriftDepth = 32
)

var errThriftShort = errors.New("thrift structure runs past its bytes")

// skimThrift walks one Thrift compact-protocol struct at the start of b and
// returns its encoded length. It checks that every length and element count
// fits in the bytes that follow, so decoding the struct allocates at most in
// proportion to len(b).
func skimThrift(b []byte) (int, error) {
	t := thriftSkimmer{b: b}
	if err := t.skim(12, 0, false); err != nil {
		return 0, err
	}
	return t.pos, nil
}

type thriftSkimmer struct {
	b   []byte
	pos int
}

func (t *thriftSkimmer) byte() (byte, error) {
	if t.pos >= len(t.b) {
		return 0, errThriftShort
	}
	c := t.b[t.pos]
	t.pos++
	return c, nil
}

func (t *thriftSkimmer) uvarint() (uint64, error) {
	v, n := binary.Uvarint(t.b[t.pos:])
	if n <= 0 {
		return 0, fmt.Errorf("bad varint at byte %d of a thrift structure", t.pos)
	}
	t.pos += n
	return v, nil
}

// count reads a length or element count and checks that at least min bytes
// per element remain.
func (t *thriftSkimmer) count(v uint64, min int) (int, error) {
	if v > uint64(len(t.b)-t.pos)/uint64(min) {
		return 0, fmt.Errorf("thrift count %d at byte %d exceeds the %d bytes left", v, t.pos, len(t.b)-t.pos)
	}
	return int(v), nil
}

// skim passes over one value of compact type typ; elem tells a container
// element from a struct field, whose booleans live in the field header.
func (t *thriftSkimmer) skim(typ byte, depth int, elem bool) error {
	if depth > maxThriftDepth {
		return fmt.Errorf("thrift structure nested deeper than %d", maxThriftDepth)
	}
	switch typ {
	case 1, 2: // boolean true, false: in the field header, or one byte in a list
		if elem {
			_, err := t.byte()
			return err
		}
		return nil
	case 3: // i8
		_, err := t.byte()
		return err
	case 4, 5, 6: // i16, i32, i64: zigzag varints
		_, err := t.uvarint()
		return err
	case 7: // double
		if len(t.b)-t.pos < 8 {
			return errThriftShort
		}
		t.pos += 8
		return nil
	case 8: // binary: length, bytes
		v, err := t.uvarint()
		if err != nil {
			return err
		}
		n, err := t.count(v, 1)
		t.pos += n
		return err
	case 9, 10: // list, set: size and element type, elements
		h, err := t.byte()
		if err != nil {
			return err
		}
		size, elem := uint64(h>>4), h&0x0F
		if size == 15 {
			if size, err = t.uvarint(); err != nil {
				return err
			}
		}
		n, err := t.count(size, 1)
		if err != nil {
			return err
		}
		return t.elements(n, elem, depth)
	case 11: // map: size, key and value types, entries
		v, err := t.uvarint()
		if err != nil {
			return err
		}
		n, err := t.count(v, 2)
		if err != nil || n == 0 {
			return err
		}
		kv, err := t.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := t.elements(1, kv>>4, depth); err != nil {
				return err
			}
			if err := t.elements(1, kv&0x0F, depth); err != nil {
				return err
			}
		}
		return nil
	case 12: // struct: fields up to a stop byte
		for {
			h, err := t.byte()
			if err != nil {
				return err
			}
			if h == 0 {
				return nil
			}
			if h>>4 == 0 { // long form: the field id follows
				if _, err := t.uvarint(); err != nil {
					return err
				}
			}
			if err := t.skim(h&0x0F, depth+1, false); err != nil {
				return err
			}
		}
	}
	return fmt.Errorf("unknown thrift type %d at byte %d", typ, t.pos)
}

// elements skims n container elements of type elem.
func (t *thriftSkimmer) elements(n int, elem byte, depth int) error {
	for range n {
		if err := t.skim(elem, depth+1, true); err != nil {
			return err
		}
	}
	return nil
}

// decodePageHeader skims and decodes the page header at the start of b and
// returns it with its encoded length.
func decodePageHeader(b []byte) (*format.PageHeader, int, error) {
	n, err := skimThrift(b)
	if err != nil {
		return nil, 0, fmt.Errorf("page header: %w", err)
	}
	h := new(format.PageHeader)
	if err := thrift.Unmarshal(new(thrift.CompactProtocol), b[:n], h); err != nil {
		return nil, 0, fmt.Errorf("page header: %w", err)
	}
	if h.CompressedPageSize < 0 || h.UncompressedPageSize < 0 {
		return nil, 0, fmt.Errorf("page header: negative page size %d/%d", h.CompressedPageSize, h.UncompressedPageSize)
	}
	return h, n, nil
}

// checkColumnChunk walks the pages of one column chunk in body (the file
// before its footer) and checks each page's sizes and value counts against
// the chunk, the row group's rows and budget, the bytes the file may still
// decode to. Compressed pages are test-decoded with an output bound, since
// a compressed stream can declare or produce far more than its page says.
func checkColumnChunk(body []byte, cm *format.ColumnMetaData, rows int64, budget *int64, scratch *[]byte) error {
	switch cm.Codec {
	case format.Uncompressed, format.Snappy, format.Zstd:
	default:
		return fmt.Errorf("compression codec %s is not supported (fsspec writes zstd)", cm.Codec)
	}
	start := cm.DataPageOffset
	if cm.DictionaryPageOffset > 0 && cm.DictionaryPageOffset < start {
		start = cm.DictionaryPageOffset
	}
	end := start + cm.TotalCompressedSize
	if start < 4 || cm.TotalCompressedSize < 0 || end > int64(len(body)) || end < start {
		return fmt.Errorf("column chunk at bytes %d+%d lies outside the file's %d data bytes", start, cm.TotalCompressedSize, len(body))
	}
	if cm.NumValues < 0 || cm.NumValues > rows {
		return fmt.Errorf("column chunk holds %d values for %d rows", cm.NumValues, rows)
	}
	var values int64
	for pos := start; pos < end; {
		h, n, err := decodePageHeader(body[pos:end])
		if err != nil {
			return fmt.Errorf("at byte %d: %w", pos, err)
		}
		pos += int64(n)
		size := int64(h.CompressedPageSize)
		if size > end-pos {
			return fmt.Errorf("page at byte %d: %d bytes declared, %d left in the column chunk", pos, size, end-pos)
		}
		*budget -= int64(h.UncompressedPageSize)
		if *budget < 0 {
			return fmt.Errorf("page at byte %d: pages decode to more than the limit of %d bytes", pos, maxRefsDecoded)
		}
		payload := body[pos : pos+size]
		pos += size
		decoded := int64(h.UncompressedPageSize)
		compressed := cm.Codec != format.Uncompressed
		switch {
		case h.DataPageHeader.Valid:
			values += int64(h.DataPageHeader.V.NumValues)
		case h.DataPageHeaderV2.Valid:
			v := h.DataPageHeaderV2.V
			values += int64(v.NumValues)
			levels := int64(v.DefinitionLevelsByteLength) + int64(v.RepetitionLevelsByteLength)
			if v.DefinitionLevelsByteLength < 0 || v.RepetitionLevelsByteLength < 0 || levels > size || levels > decoded {
				return fmt.Errorf("page at byte %d: levels of %d bytes in a page of %d", pos-size, levels, size)
			}
			payload, decoded = payload[levels:], decoded-levels
			if v.IsCompressed.Valid && !v.IsCompressed.V {
				compressed = false
			}
		case h.DictionaryPageHeader.Valid:
			// PLAIN dictionaries take at least 4 bytes a value (a byte
			// array's length, an int32 or more).
			if nv := int64(h.DictionaryPageHeader.V.NumValues); nv > decoded/4 {
				return fmt.Errorf("page at byte %d: dictionary of %d values in %d bytes", pos-size, nv, decoded)
			}
		}
		if values > rows {
			return fmt.Errorf("column chunk pages hold more values than its %d rows", rows)
		}
		if compressed {
			if err := checkDecodedSize(cm.Codec, payload, decoded, scratch); err != nil {
				return fmt.Errorf("page at byte %d: %w", pos-size, err)
			}
		}
	}
	return nil
}

// zstdDecoder decodes into the capacity it is given and no further.
var zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderMaxWindow(maxRefsDecoded),
		zstd.WithDecoderLowmem(true))
})

// checkDecodedSize checks that src, compressed with codec, decodes to at
// most limit bytes.
func checkDecodedSize(codec format.CompressionCodec, src []byte, limit int64, scratch *[]byte) error {
	switch codec {
	case format.Snappy:
		// A snappy block starts with its decoded length.
		n, k := binary.Uvarint(src)
		if k <= 0 || n > uint64(limit) {
			return fmt.Errorf("snappy block declares %d bytes for a page of %d", n, limit)
		}
	case format.Zstd:
		dec, err := zstdDecoder()
		if err != nil {
			return err
		}
		if int64(cap(*scratch)) < limit {
			*scratch = make([]byte, 0, limit)
		}
		if _, err := dec.DecodeAll(src, (*scratch)[:0:limit]); err != nil {
			return fmt.Errorf("zstd data does not decode to at most the page's %d bytes: %w", limit, err)
		}
	}
	return nil
}
