package refs

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// refParser reads kerchunk reference JSON without reflection: the document
// is one object of keys to a string (inline data, base64: or plain) or a
// list [url] / [url, offset, length], a shape encoding/json handles ten
// times slower than this one loop does. Anything else is a syntax error
// naming the byte offset.
type refParser struct {
	b   []byte
	pos int
	buf []byte // scratch for unescaping
	// lastURL is the target of the previous reference: files hold
	// thousands of references to one target, which then share a string.
	lastURL string
	// inPlace: the last string strBytes returned is a slice of b.
	inPlace bool
}

func (p *refParser) errorf(format string, args ...any) error {
	return fmt.Errorf("reference JSON: byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *refParser) skipSpace() {
	for p.pos < len(p.b) {
		switch p.b[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (p *refParser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.b) {
		return 0
	}
	return p.b[p.pos]
}

func (p *refParser) expect(c byte) error {
	if p.peek() != c {
		if p.pos >= len(p.b) {
			return p.errorf("unexpected end, want %q", c)
		}
		return p.errorf("found %q, want %q", p.b[p.pos], c)
	}
	p.pos++
	return nil
}

// object calls fn for each key of the object that starts here; fn parses
// the value.
func (p *refParser) object(fn func(key string) error) error {
	if err := p.expect('{'); err != nil {
		return err
	}
	if p.peek() == '}' {
		p.pos++
		return nil
	}
	for {
		key, err := p.key()
		if err != nil {
			return err
		}
		if err := p.expect(':'); err != nil {
			return err
		}
		if err := fn(key); err != nil {
			return err
		}
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return nil
		default:
			return p.errorf("want ',' or '}' after the value of %q", key)
		}
	}
}

// key parses an object key. A key without escapes is a string over the
// document's own bytes, which are never modified: a million chunk keys
// then cost no allocation. Whoever keeps a key beyond the parse (metadata
// and extra keys) must clone it.
func (p *refParser) key() (string, error) {
	b, err := p.strBytes()
	if err != nil || len(b) == 0 || !p.inPlace {
		return string(b), err
	}
	return unsafe.String(&b[0], len(b)), nil
}

// str parses a JSON string.
func (p *refParser) str() (string, error) {
	b, err := p.strBytes()
	return string(b), err
}

// strBytes parses a JSON string; the result is valid until the next call.
// Invalid UTF-8 becomes U+FFFD byte by byte, as encoding/json does, so
// that what WriteJSON writes back reads back the same.
func (p *refParser) strBytes() ([]byte, error) {
	b, err := p.rawString()
	if err != nil || utf8.Valid(b) {
		return b, err
	}
	fixed := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		fixed = utf8.AppendRune(fixed, r)
		b = b[n:]
	}
	p.inPlace = false
	p.buf = fixed
	return fixed, nil
}

// rawString parses a JSON string, unescaping it.
func (p *refParser) rawString() ([]byte, error) {
	if err := p.expect('"'); err != nil {
		return nil, err
	}
	start := p.pos
	// Fast path: no escapes.
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		if c == '"' {
			p.pos++
			p.inPlace = true
			return p.b[start : p.pos-1], nil
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return nil, p.errorf("control character in a string")
		}
		p.pos++
	}
	p.inPlace = false
	p.buf = append(p.buf[:0], p.b[start:p.pos]...)
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case c == '"':
			p.pos++
			return p.buf, nil
		case c < 0x20:
			return nil, p.errorf("control character in a string")
		case c != '\\':
			p.buf = append(p.buf, c)
			p.pos++
			continue
		}
		if p.pos+1 >= len(p.b) {
			break
		}
		e := p.b[p.pos+1]
		p.pos += 2
		switch e {
		case '"', '\\', '/':
			p.buf = append(p.buf, e)
		case 'b':
			p.buf = append(p.buf, '\b')
		case 'f':
			p.buf = append(p.buf, '\f')
		case 'n':
			p.buf = append(p.buf, '\n')
		case 'r':
			p.buf = append(p.buf, '\r')
		case 't':
			p.buf = append(p.buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return nil, p.errorf("bad \\u escape")
			}
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if p.pos+1 < len(p.b) && p.b[p.pos] == '\\' && p.b[p.pos+1] == 'u' {
					save := p.pos
					p.pos += 2
					if lo, ok := p.hex4(); ok {
						if d := utf16.DecodeRune(r, lo); d != utf8.RuneError {
							r2 = d
						} else {
							p.pos = save
						}
					} else {
						p.pos = save
					}
				}
				r = r2
			}
			p.buf = utf8.AppendRune(p.buf, r)
		default:
			return nil, p.errorf("bad escape \\%c", e)
		}
	}
	return nil, p.errorf("unterminated string")
}

func (p *refParser) hex4() (rune, bool) {
	if p.pos+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	p.pos += 4
	return r, true
}

// integer parses a JSON number that must be a whole number (kerchunk
// writes offsets and lengths as integers; 1.0e3 style is accepted when
// whole).
func (p *refParser) integer() (int64, error) {
	p.skipSpace()
	start := p.pos
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			p.pos++
			continue
		}
		break
	}
	lit := p.b[start:p.pos]
	// The common case, a plain non-negative integer, without allocating.
	if len(lit) > 0 && len(lit) < 19 {
		var n int64
		plain := true
		for _, c := range lit {
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			return n, nil
		}
	}
	if n, err := strconv.ParseInt(string(lit), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || f != float64(int64(f)) {
		p.pos = start
		return 0, p.errorf("%q is not an integer", lit)
	}
	return int64(f), nil
}

// skipValue skips any JSON value (for keys a reader ignores).
func (p *refParser) skipValue(depth int) error {
	if depth > 64 {
		return p.errorf("nesting too deep")
	}
	switch c := p.peek(); {
	case c == '"':
		_, err := p.strBytes()
		return err
	case c == '{':
		return p.object(func(string) error { return p.skipValue(depth + 1) })
	case c == '[':
		p.pos++
		if p.peek() == ']' {
			p.pos++
			return nil
		}
		for {
			if err := p.skipValue(depth + 1); err != nil {
				return err
			}
			switch p.peek() {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return nil
			default:
				return p.errorf("want ',' or ']' in a list")
			}
		}
	case c == 0:
		return p.errorf("unexpected end")
	default:
		start := p.pos
		for p.pos < len(p.b) && (isLiteralByte(p.b[p.pos])) {
			p.pos++
		}
		if p.pos == start {
			return p.errorf("unexpected %q", c)
		}
		return nil
	}
}

func isLiteralByte(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.'
}

// refValue parses one reference: "inline" or [url] or [url, offset, length].
func (p *refParser) refValue() (Ref, error) {
	switch p.peek() {
	case '"':
		s, err := p.strBytes()
		if err != nil {
			return Ref{}, err
		}
		data, err := decodeInlineBytes(s)
		return Ref{Data: data}, err
	case '[':
		p.pos++
	default:
		return Ref{}, errors.New("value is neither a string nor a list")
	}
	b, err := p.strBytes()
	if err != nil {
		return Ref{}, fmt.Errorf("reference URL: %w", err)
	}
	if string(b) != p.lastURL {
		p.lastURL = string(b)
	}
	ref := Ref{URL: p.lastURL, Length: -1}
	if p.peek() == ']' {
		p.pos++
		return ref, nil
	}
	if err := p.expect(','); err != nil {
		return Ref{}, err
	}
	if ref.Offset, err = p.integer(); err != nil {
		return Ref{}, fmt.Errorf("reference offset: %w", err)
	}
	if err := p.expect(','); err != nil {
		return Ref{}, err
	}
	if ref.Length, err = p.integer(); err != nil {
		return Ref{}, fmt.Errorf("reference length: %w", err)
	}
	if err := p.expect(']'); err != nil {
		return Ref{}, fmt.Errorf("reference list has more than [url, offset, length]: %w", err)
	}
	if ref.Offset < 0 || ref.Length < 0 {
		return Ref{}, fmt.Errorf("negative offset or length")
	}
	return ref, nil
}
