package hdf5scan

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"gokerchunk/refs"
)

// Variable-length string datasets store, per element, a reference into a
// global heap collection (spec §VII), so a byte range of a chunk means
// nothing to a Zarr reader. Like kerchunk's vlen_encode="embed", the scanner
// reads the strings and embeds each chunk encoded with numcodecs' vlen-utf8
// codec: a 4-byte little-endian item count, then per item a 4-byte
// little-endian byte length and the UTF-8 bytes.

// stringFill returns the fill_value of a string array (its _FillValue
// attribute, else null: xarray would mask every "") and the string its
// never-written elements read as: the _FillValue, else the fill value
// message's string, else "" (netCDF's NC_FILL_STRING).
func (s *scanner) stringFill(ds *variable, attrs map[string]any, fromAttr bool) (json.RawMessage, string, error) {
	if ds.ztype.objectRef {
		return json.RawMessage("null"), "", nil // a null reference
	}
	if v, ok := attrs["_FillValue"].(string); ok && fromAttr {
		b, err := json.Marshal(v)
		return b, v, err
	}
	if ds.hasFill && ds.fill.defined && len(ds.fill.value) == ds.dtype.size {
		str, err := s.vlenString(ds.dtype, ds.fill.value)
		if err != nil {
			return nil, "", fmt.Errorf("%s: fill value: %w", ds.path, err)
		}
		return json.RawMessage("null"), str, nil
	}
	return json.RawMessage("null"), "", nil
}

// vlenString resolves one variable-length string element.
func (s *scanner) vlenString(t *datatype, b []byte) (string, error) {
	data, n, err := s.f.vlenData(s.gh, b)
	if err != nil {
		return "", err
	}
	if uint64(len(data)) > uint64(n) {
		data = data[:n] // the count of a string is its length in bytes
	}
	str := string(data)
	if t.strPad == 0 {
		if i := strings.IndexByte(str, 0); i >= 0 {
			str = str[:i]
		}
	}
	return str, nil
}

// embedStrings embeds one chunk of a string dataset given its unfiltered
// bytes (heap references), charging its encoded size to *budget.
func (s *scanner) embedStrings(ds *variable, m *refs.Manifest, linear int, raw []byte, budget *int64) error {
	size := ds.dtype.size
	if size < 1 || len(raw)%size != 0 {
		return fmt.Errorf("%s: %d bytes of string references are not a whole number of %d-byte elements", ds.path, len(raw), size)
	}
	n := len(raw) / size
	out := binary.LittleEndian.AppendUint32(make([]byte, 0, 4+8*n), uint32(n))
	invalid := 0
	for i := 0; i < n; i++ {
		var str string
		var err error
		if ds.ztype.objectRef {
			str = s.referencedPath(ds.path, raw[i*size:(i+1)*size])
		} else if str, err = s.vlenString(ds.dtype, raw[i*size:(i+1)*size]); err != nil {
			return fmt.Errorf("%s: element %d of a chunk: %w", ds.path, i, err)
		}
		if !utf8.ValidString(str) {
			invalid++
			str = strings.ToValidUTF8(str, "\uFFFD")
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(len(str)))
		out = append(out, str...)
		if *budget -= int64(4 + len(str)); *budget < 0 {
			return errUnsupported(fmt.Sprintf("variable-length strings of more than %d MiB to embed", s.maxDecodedInline()>>20))
		}
	}
	if invalid > 0 {
		s.note("%s: %d strings are not valid UTF-8: invalid bytes replaced by U+FFFD", ds.path, invalid)
	}
	m.SetInline(linear, out)
	return nil
}

// referencedPath is the path of the object an object reference (the
// address of its header) points to, as this scan lists it; "" for a null
// reference or an object outside the group tree (noted).
func (s *scanner) referencedPath(where string, ref []byte) string {
	var addr uint64
	for i := len(ref) - 1; i >= 0; i-- {
		addr = addr<<8 | uint64(ref[i])
	}
	if addr == 0 || addr == undefinedAddr || (len(ref) < 8 && addr == 1<<(8*uint(len(ref)))-1) {
		return ""
	}
	if o, ok := s.byAddr[addr]; ok {
		return o.path
	}
	if p, ok := s.typePaths[addr]; ok {
		return p
	}
	s.note("%s: a reference to the object at address %d, which is not in the group tree, is written as \"\"", where, addr)
	return ""
}
