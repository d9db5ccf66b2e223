package convert

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
)

// CSV as RFC 4180 writes it, read leniently where that loses nothing:
//
//   - Records end at LF or CRLF; the last one may lack its line end. Empty
//     lines are skipped, as encoding/csv skips them.
//   - Fields are separated by commas. A field that starts with a double
//     quote is quoted: it runs to the next quote not doubled, may hold
//     commas and line ends, and "" in it is one quote. Anything but a comma
//     or the record's end after its closing quote makes the record bad, as
//     does a quoted field still open at the end of the input.
//   - A quote inside an unquoted field is an ordinary character.
//   - A UTF-8 byte order mark at the start of the input is dropped.
//
// Records are read a block at a time and split in place, column by column:
// a field is a span of its record's text, which stays in the read buffer
// (a quoted record's text, unquoted, goes to the block's arena). Spans are
// numbers, not slices: splitting stores no pointer per field, and the
// garbage collector has nothing to scan in them.

// DefaultMaxRecordBytes bounds one record (one line, or several lines for
// quoted line ends): a longer one fails the conversion rather than grow the
// buffer without end.
const DefaultMaxRecordBytes = 16 << 20

// readBufferSize is the first size of the read buffer, and the size of
// each read from the input.
const readBufferSize = 1 << 20

// block is a run of records with a known number of columns. Its text
// refers to the reader's buffer and is valid until the reader's next call.
type block struct {
	text [][]byte // each record's text
	line []int64  // the line each record starts on, from 1
	// bad says why a record is bad: it could not be split, or it has not
	// the block's number of fields; "" for a good record.
	bad []string
	// spans holds each good record's fields, record after record, ncols
	// each, as start<<32 | end in its text.
	spans []uint64
	ncols int
	rows  int // the records spans has room for
	// open is set while the number of columns is not known (the header):
	// a record adds the columns it has.
	open bool
	// arena holds quoted records' text, unquoted. It is only appended to
	// while the block fills, so text made earlier stays valid when it
	// grows.
	arena []byte
}

// newBlock returns a block of ncols columns (0: open, as many as its first
// record has) with room for rows records.
func newBlock(ncols, rows int) *block {
	if ncols == 0 {
		return &block{open: true, rows: 1}
	}
	return &block{spans: make([]uint64, ncols*rows), ncols: ncols, rows: rows}
}

func (b *block) reset() {
	b.text, b.line, b.bad, b.arena = b.text[:0], b.line[:0], b.bad[:0], b.arena[:0]
}

func (b *block) len() int { return len(b.line) }

// field returns field c of good record r.
func (b *block) field(r, c int) []byte {
	s := b.spans[r*b.ncols+c]
	return b.text[r][s>>32 : uint32(s)]
}

// record appends the fields of good record r to dst.
func (b *block) record(dst [][]byte, r int) [][]byte {
	for c := range b.ncols {
		dst = append(dst, b.field(r, c))
	}
	return dst
}

func span(start, end int) uint64 { return uint64(start)<<32 | uint64(end) }

// setSpan stores field col of the record being split, unless the record
// has more fields than the block's columns.
func (b *block) setSpan(col, start, end int) {
	if col >= b.ncols {
		if !b.open {
			return
		}
		b.spans = append(b.spans, 0)
		b.ncols++
	}
	b.spans[len(b.line)*b.ncols+col] = span(start, end)
}

// end ends the record being split, of text and nfields fields.
func (b *block) end(text []byte, line int64, nfields int, bad string) {
	if bad == "" && nfields != b.ncols {
		bad = fmt.Sprintf("%d fields, want %d", nfields, b.ncols)
	}
	b.text = append(b.text, text)
	b.line = append(b.line, line)
	b.bad = append(b.bad, bad)
	if b.ncols > 0 {
		b.open = false
	}
}

// appendRecord copies good record r of src, text and all, to the end of
// b (which has the same columns and grows as needed).
func (b *block) appendRecord(src *block, r int) {
	start := len(b.arena)
	b.arena = append(b.arena, src.text[r]...)
	b.text = append(b.text, b.arena[start:len(b.arena):len(b.arena)])
	b.spans = append(b.spans, src.spans[r*src.ncols:(r+1)*src.ncols]...)
	b.line = append(b.line, src.line[r])
	b.bad = append(b.bad, "")
	b.rows = len(b.line)
}

// clone copies the block, text and all, so that the copy outlives the
// reader's buffer.
func (b *block) clone() *block {
	n := b.len()
	d := &block{line: append([]int64(nil), b.line...), bad: append([]string(nil), b.bad...),
		spans: append([]uint64(nil), b.spans[:n*b.ncols]...), ncols: b.ncols, rows: n}
	size := 0
	for _, t := range b.text {
		size += len(t)
	}
	d.arena = make([]byte, 0, size)
	for _, t := range b.text {
		start := len(d.arena)
		d.arena = append(d.arena, t...)
		d.text = append(d.text, d.arena[start:len(d.arena):len(d.arena)])
	}
	return d
}

// recordReader splits CSV text into blocks of records.
type recordReader struct {
	src       io.Reader
	buf       []byte
	pos, end  int // unread input is buf[pos:end]
	eof       bool
	started   bool // the byte order mark was looked for
	maxRecord int
	line      int64 // line of the next record's first byte
	read      int64 // bytes read from src
	ends      []int // field ends of a quoted record
}

func newRecordReader(src io.Reader, maxRecord int) *recordReader {
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordBytes
	}
	return &recordReader{
		src:       src,
		buf:       make([]byte, min(readBufferSize, maxRecord+1)),
		maxRecord: maxRecord,
		line:      1,
	}
}

// bytesRead is the input read so far (ahead of the records returned by at
// most one buffer).
func (r *recordReader) bytesRead() int64 { return r.read }

// Outcomes of splitting one record.
const (
	splitDone   = iota
	splitMore   // the record's end is not in the buffer yet
	splitQuoted // the record has a quote: splitQuoted reads it
)

// readBlock fills b with up to max records (no more than its spans have
// room for): as many as the buffered input holds, reading more only while b
// is empty. It returns io.EOF, with b empty, after the last record.
func (r *recordReader) readBlock(b *block, max int) error {
	b.reset()
	max = min(max, b.rows)
	if cap(b.line) < max {
		b.line = make([]int64, 0, max)
	}
	for b.len() < max {
		if !r.started && (r.end-r.pos >= 3 || r.eof) {
			r.started = true
			if bytes.HasPrefix(r.buf[r.pos:r.end], []byte("\xef\xbb\xbf")) {
				r.pos += 3
			}
		}
		window := r.buf[r.pos:r.end]
		if len(window) == 0 && r.eof {
			break
		}
		status := splitMore
		size := 0
		if r.started {
			size, status = r.splitPlain(b, window)
			if status == splitQuoted {
				size, status = r.splitQuoted(b, window)
			}
		}
		if status == splitMore {
			if b.len() > 0 {
				// The records in b refer to the buffer that fill moves.
				return nil
			}
			if err := r.fill(); err != nil {
				return err
			}
			continue
		}
		r.pos += size
	}
	if b.len() == 0 {
		return io.EOF
	}
	return nil
}

// splitPlain splits the record at the start of window at its commas into
// b, in one pass that stops at the line end, or at a quote. Empty lines are
// skipped; size is the input consumed, line end included.
//
// The pass takes eight bytes at a time and finds the commas, line feeds
// and quotes among them at once, as bits of a mask (see byteMask), which it
// then visits lowest first.
func (r *recordReader) splitPlain(b *block, window []byte) (size int, status int) {
	const ones = 0x0101010101010101
	row := len(b.line)
	spans := b.spans[row*b.ncols : (row+1)*b.ncols : (row+1)*b.ncols]
	col, start := 0, 0
	for base := 0; ; base += 8 {
		var m uint64
		if base+8 <= len(window) {
			x := binary.LittleEndian.Uint64(window[base:])
			m = byteMask(x^(','*ones)) | byteMask(x^('\n'*ones)) | byteMask(x^('"'*ones))
		} else {
			// The last bytes of the window, one at a time.
			for j := len(window) - 1; j >= base; j-- {
				if c := window[j]; c == ',' || c == '\n' || c == '"' {
					m |= 0x80 << (8 * (j - base))
				}
			}
		}
		for ; m != 0; m &= m - 1 {
			i := base + bits.TrailingZeros64(m)>>3
			switch window[i] {
			case ',':
				if col < len(spans) {
					spans[col] = span(start, i)
				} else if b.open {
					b.setSpan(col, start, i)
					spans = b.spans[row*b.ncols:]
				}
				col++
				start = i + 1
			case '\n':
				end := i
				if end > start && window[end-1] == '\r' {
					end--
				}
				line := r.line
				r.line++
				if end == 0 && col == 0 {
					return i + 1, splitDone // an empty line
				}
				b.setSpan(col, start, end)
				b.end(window[:end:end], line, col+1, "")
				return i + 1, splitDone
			default: // '"'
				return 0, splitQuoted
			}
		}
		if base+8 >= len(window) {
			break
		}
	}
	if !r.eof {
		return 0, splitMore
	}
	// The last record, without a line end.
	end := len(window)
	if end > start && window[end-1] == '\r' {
		end--
	}
	line := r.line
	r.line++
	if end == 0 && col == 0 {
		return len(window), splitDone
	}
	b.setSpan(col, start, end)
	b.end(window[:end:end], line, col+1, "")
	return len(window), splitDone
}

// byteMask has the high bit of each byte of x that is zero set, and no
// other bit: (x&0x7f..7f)+0x7f..7f sets a byte's high bit when its low
// seven bits are not all zero, without carrying into the next byte; or-ed
// with x, only a zero byte keeps its high bit clear.
func byteMask(x uint64) uint64 {
	const low7 = 0x7f7f7f7f7f7f7f7f
	return ^((x&low7 + low7) | x | low7)
}

// splitQuoted splits the record at the start of window, which has quotes,
// into b: its fields unquoted into b's arena.
func (r *recordReader) splitQuoted(b *block, window []byte) (size int, status int) {
	text := len(b.arena)
	// Field bounds are collected as offsets first, then stored as spans.
	r.ends = r.ends[:0]
	more := func() (int, int) {
		b.arena = b.arena[:text]
		return 0, splitMore
	}
	lines := int64(0)
	i := 0
	bad := ""
	for {
		if i < len(window) && window[i] == '"' {
			i++
			closed := false
			for i < len(window) {
				c := window[i]
				if c == '"' {
					if i+1 < len(window) && window[i+1] == '"' {
						b.arena = append(b.arena, '"')
						i += 2
						continue
					}
					if i+1 == len(window) && !r.eof {
						return more() // "" may be split by the buffer
					}
					i++
					closed = true
					break
				}
				if c == '\n' {
					lines++
				}
				b.arena = append(b.arena, c)
				i++
			}
			if !closed {
				if !r.eof {
					return more()
				}
				bad = fmt.Sprintf("quoted field %d is not closed before the end of the input", len(r.ends)+1)
				break
			}
			r.ends = append(r.ends, len(b.arena)-text)
			rest := window[i:]
			switch {
			case len(rest) > 0 && rest[0] == ',':
				i++
				continue
			case !r.eof && (len(rest) == 0 || len(rest) == 1 && rest[0] == '\r'):
				return more() // what follows is not read yet
			case len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r' && (len(rest) == 1 || rest[1] == '\n'):
			default:
				bad = fmt.Sprintf("text after the closing quote of field %d", len(r.ends))
			}
			break
		}
		// An unquoted field runs to the next comma or line end.
		j := i
		for j < len(window) && window[j] != ',' && window[j] != '\n' {
			j++
		}
		if j == len(window) && !r.eof {
			return more()
		}
		field := window[i:j]
		if (j == len(window) || window[j] == '\n') && len(field) > 0 && field[len(field)-1] == '\r' {
			field = field[:len(field)-1]
		}
		b.arena = append(b.arena, field...)
		r.ends = append(r.ends, len(b.arena)-text)
		i = j
		if i < len(window) && window[i] == ',' {
			i++
			continue
		}
		break
	}
	// Consume through the end of the record's last line.
	if nl := bytes.IndexByte(window[i:], '\n'); nl >= 0 {
		i += nl + 1
	} else if !r.eof {
		return more()
	} else {
		i = len(window)
	}
	line := r.line
	r.line += lines + 1
	if bad != "" {
		b.arena = b.arena[:text]
		b.end(nil, line, 0, bad)
		return i, splitDone
	}
	start := 0
	for col, e := range r.ends {
		b.setSpan(col, start, e)
		start = e
	}
	b.end(b.arena[text:len(b.arena):len(b.arena)], line, len(r.ends), "")
	return i, splitDone
}

// fill moves the unread input to the front of the buffer and reads more,
// growing the buffer when one record fills it.
func (r *recordReader) fill() error {
	if r.eof {
		return nil
	}
	if r.pos > 0 {
		copy(r.buf, r.buf[r.pos:r.end])
		r.end -= r.pos
		r.pos = 0
	}
	if r.end == len(r.buf) {
		if len(r.buf) > r.maxRecord {
			return fmt.Errorf("line %d: a record longer than %d bytes", r.line, r.maxRecord)
		}
		grown := make([]byte, min(2*len(r.buf), r.maxRecord+1))
		copy(grown, r.buf[:r.end])
		r.buf = grown
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	r.read += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		r.eof = true
	case err != nil:
		return fmt.Errorf("read: %w", err)
	}
	return nil
}
