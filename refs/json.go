package refs

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// WriteJSON writes s as kerchunk reference JSON version 1, streaming: the
// metadata documents and extra keys first, sorted, then each array's chunks
// in the C order of its grid, arrays sorted by path. Nothing but one
// reference at a time is formatted in memory, so writing a million chunk
// references costs no more memory than the Set itself. Key order means
// nothing to readers; fixing it makes equal sets give equal bytes.
func WriteJSON(w io.Writer, s *Set) error {
	keys := make([]string, 0, len(s.Meta)+len(s.Extra))
	for k := range s.Meta {
		keys = append(keys, k)
	}
	for k := range s.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)

	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(`{"version": 1, "refs": {`)
	var scratch bytes.Buffer
	first := true
	emit := func(key string, ref Ref) {
		scratch.Reset()
		if !first {
			scratch.WriteByte(',')
		}
		first = false
		scratch.WriteByte('\n')
		writeASCIIString(&scratch, key)
		scratch.WriteString(": ")
		writeRefValue(&scratch, ref)
		bw.Write(scratch.Bytes())
	}
	for _, k := range keys {
		if doc, ok := s.Meta[k]; ok {
			emit(k, Ref{Data: doc})
		} else {
			emit(k, s.Extra[k])
		}
	}
	var key []byte
	for _, path := range s.ArrayPaths() {
		m := s.Arrays[path]
		sep := "."
		if z, err := s.ZArray(path); err == nil {
			sep = z.Separator()
		}
		coords := make([]int, len(m.Grid))
		for i, t := range m.Target {
			if i > 0 {
				m.advance(coords)
			}
			if t == NoChunk {
				continue
			}
			key = appendChunkKey(key[:0], path, coords, sep)
			ref, _ := m.Chunk(i)
			emit(string(key), ref)
		}
	}
	bw.WriteString("\n}}\n")
	return bw.Flush()
}

func writeRefValue(b *bytes.Buffer, r Ref) {
	if r.URL == "" {
		writeASCIIString(b, EncodeInline(r.Data))
		return
	}
	b.WriteByte('[')
	writeASCIIString(b, r.URL)
	if r.Length >= 0 {
		b.WriteString(", ")
		b.WriteString(strconv.FormatInt(r.Offset, 10))
		b.WriteString(", ")
		b.WriteString(strconv.FormatInt(r.Length, 10))
	}
	b.WriteByte(']')
}

// EncodeInline applies kerchunk's rule for inline values: the bytes as a
// plain string when all are printable ASCII and they do not start with
// "base64:", otherwise "base64:" followed by the standard encoding.
func EncodeInline(data []byte) string {
	plain := !bytes.HasPrefix(data, []byte("base64:"))
	for _, c := range data {
		if c < 0x20 || c >= 0x7f {
			plain = false
			break
		}
	}
	if plain {
		return string(data)
	}
	return "base64:" + base64.StdEncoding.EncodeToString(data)
}

// DecodeInline reverses EncodeInline.
func DecodeInline(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "base64:"); ok {
		return base64.StdEncoding.DecodeString(rest)
	}
	return []byte(s), nil
}

// ReadJSON reads kerchunk reference JSON, version 0 (a flat object of keys)
// or version 1 ({"version": 1, "refs": ..., "templates": ...}).
func ReadJSON(r io.Reader) (*Set, error) {
	var top map[string]json.RawMessage
	dec := json.NewDecoder(r)
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("reference JSON: %w", err)
	}
	raw := top
	templates := map[string]string{}
	if v, ok := top["version"]; ok {
		var version int
		if err := json.Unmarshal(v, &version); err != nil || version != 1 {
			return nil, fmt.Errorf("reference JSON: version %s is not supported (0 or 1)", v)
		}
		if _, ok := top["gen"]; ok {
			return nil, fmt.Errorf("reference JSON: \"gen\" key generators are not supported")
		}
		if t, ok := top["templates"]; ok {
			if err := json.Unmarshal(t, &templates); err != nil {
				return nil, fmt.Errorf("reference JSON: templates: %w", err)
			}
		}
		raw = map[string]json.RawMessage{}
		if rr, ok := top["refs"]; ok {
			if err := json.Unmarshal(rr, &raw); err != nil {
				return nil, fmt.Errorf("reference JSON: refs: %w", err)
			}
		}
	}
	all := make(map[string]Ref, len(raw))
	for k, v := range raw {
		ref, err := parseRefValue(v, templates)
		if err != nil {
			return nil, fmt.Errorf("reference JSON: key %q: %w", k, err)
		}
		all[k] = ref
	}
	return FromRefs(all)
}

func parseRefValue(v json.RawMessage, templates map[string]string) (Ref, error) {
	v = bytes.TrimSpace(v)
	if len(v) > 0 && v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return Ref{}, err
		}
		data, err := DecodeInline(s)
		return Ref{Data: data}, err
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(v, &parts); err != nil {
		return Ref{}, fmt.Errorf("value is neither a string nor a list")
	}
	if len(parts) != 1 && len(parts) != 3 {
		return Ref{}, fmt.Errorf("reference list has %d items, want [url] or [url, offset, length]", len(parts))
	}
	var url string
	if err := json.Unmarshal(parts[0], &url); err != nil {
		return Ref{}, fmt.Errorf("reference URL: %w", err)
	}
	url = expandTemplates(url, templates)
	ref := Ref{URL: url, Length: -1}
	if len(parts) == 3 {
		if err := json.Unmarshal(parts[1], &ref.Offset); err != nil {
			return Ref{}, fmt.Errorf("reference offset: %w", err)
		}
		if err := json.Unmarshal(parts[2], &ref.Length); err != nil {
			return Ref{}, fmt.Errorf("reference length: %w", err)
		}
		if ref.Offset < 0 || ref.Length < 0 {
			return Ref{}, fmt.Errorf("negative offset or length")
		}
	}
	return ref, nil
}

// expandTemplates substitutes kerchunk's "{{name}}" placeholders.
func expandTemplates(s string, templates map[string]string) string {
	if len(templates) == 0 || !strings.Contains(s, "{{") {
		return s
	}
	for name, val := range templates {
		s = strings.ReplaceAll(s, "{{"+name+"}}", val)
	}
	return s
}

// IsMetaKey reports whether key names a Zarr v2 metadata document.
func IsMetaKey(key string) bool {
	name := key[strings.LastIndexByte(key, '/')+1:]
	switch name {
	case ".zarray", ".zattrs", ".zgroup", ".zmetadata":
		return true
	}
	return false
}

// FromRefs builds a Set from a flat key → reference map: metadata documents
// go to Meta, chunk keys of every array described by a .zarray into its
// manifest, and anything else into Extra.
func FromRefs(all map[string]Ref) (*Set, error) {
	s := NewSet()
	for k, ref := range all {
		if !IsMetaKey(k) {
			continue
		}
		if ref.URL != "" {
			return nil, fmt.Errorf("metadata key %q refers to %s instead of holding the document", k, ref.URL)
		}
		s.Meta[k] = ref.Data
	}
	zarrays := map[string]*ZArray{}
	for k := range s.Meta {
		if path, ok := strings.CutSuffix(k, ".zarray"); ok {
			path = strings.TrimSuffix(path, "/")
			z, err := ParseZArray(s.Meta[k])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			zarrays[path] = z
			s.Arrays[path] = NewManifest(z.Grid())
		}
	}
	for k, ref := range all {
		if IsMetaKey(k) {
			continue
		}
		slash := strings.LastIndexByte(k, '/')
		path, rest := "", k
		if slash >= 0 {
			path, rest = k[:slash], k[slash+1:]
		}
		z, ok := zarrays[path]
		if !ok {
			// A "/" separator spreads the chunk indices over path levels.
			for p, cand := range zarrays {
				if cand.Separator() == "/" && strings.HasPrefix(k, p+"/") {
					path, rest, z, ok = p, k[len(p)+1:], cand, true
					break
				}
			}
		}
		if !ok {
			s.Extra[k] = ref
			continue
		}
		m := s.Arrays[path]
		idx, err := ParseChunkKey(rest, m.Grid, z.Separator())
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		i := m.Linear(idx)
		if ref.URL == "" {
			m.SetInline(i, ref.Data)
		} else {
			m.SetRange(i, ref.URL, ref.Offset, ref.Length)
		}
	}
	return s, nil
}
