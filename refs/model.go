package refs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Group is a Zarr v2 group: its .zgroup (always {"zarr_format": 2}) and
// its attributes.
type Group struct {
	// Attrs is the group's .zattrs; nil when it has none.
	Attrs Attrs
}

// Array is a Zarr v2 array: its metadata, its attributes and the manifest
// of its chunks.
type Array struct {
	ZArray *ZArray
	// Attrs is the array's .zattrs; nil when it has none.
	Attrs Attrs
	*Manifest
	// Source, when Manifest is nil, produces the chunk references on
	// demand (see ChunkSource). The writers and Retarget.Apply read an
	// array through Chunks, so either will do for them; other code that
	// reads Manifest must Materialize the set (or ReadManifest the array)
	// first. OpenParquet makes arrays with a Source.
	Source ChunkSource
}

// Attrs holds a node's attributes, each as the JSON text of its value
// exactly as it was read or made (non-finite numbers as the bare words
// NaN, Infinity and -Infinity, as Python's json writes them), so that
// numbers keep their formatting through a read and a write.
type Attrs map[string]json.RawMessage

// zgroupDoc is the one .zgroup document of Zarr v2.
const zgroupDoc = `{"zarr_format": 2}`

// Marshal encodes the attributes as a .zattrs document: keys sorted and
// ASCII-escaped, values as they are.
func (a Attrs) Marshal() []byte {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		writeASCIIString(&b, k)
		b.WriteString(": ")
		if v := a[k]; len(v) == 0 {
			b.WriteString("null")
		} else {
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// ParseAttrs decodes a .zattrs document, keeping each value's text.
func ParseAttrs(doc []byte) (Attrs, error) {
	p := &refParser{b: doc}
	a := Attrs{}
	err := p.object(func(key string) error {
		p.skipSpace()
		start := p.pos
		if err := p.skipValue(0); err != nil {
			return err
		}
		v := bytes.TrimSpace(doc[start:p.pos])
		if !json.Valid(finiteJSON(v)) {
			return fmt.Errorf("value of %q is not JSON", key)
		}
		a[strings.Clone(key)] = bytes.Clone(v)
		return nil
	})
	if err == nil && p.peek() != 0 {
		err = p.errorf("data after the object")
	}
	if err != nil {
		return nil, fmt.Errorf(".zattrs: %w", err)
	}
	return a, nil
}

// PutArray adds an array with its metadata, attributes (nil for none) and
// manifest.
func (s *Set) PutArray(path string, z *ZArray, attrs Attrs, m *Manifest) *Array {
	a := &Array{ZArray: z, Attrs: attrs, Manifest: m}
	s.Arrays[path] = a
	return a
}

// Attrs returns the attributes of the group or array at path, nil when it
// has none or there is no such node.
func (s *Set) Attrs(path string) Attrs {
	if a, ok := s.Arrays[path]; ok {
		return a.Attrs
	}
	if g, ok := s.Groups[path]; ok {
		return g.Attrs
	}
	return nil
}

// splitMetaKey splits a metadata key into its node path and document name.
func splitMetaKey(key string) (path, name string) {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return "", key
	}
	return key[:i], key[i+1:]
}

// PutDocuments parses Zarr v2 metadata documents by key (".zgroup",
// "grp/.zattrs", "grp/var/.zarray", ...) into the set's groups and arrays,
// each validated once. An array made here has no manifest yet. Documents
// the model does not hold (.zmetadata, attributes of no node) go to Extra
// as they are.
func (s *Set) PutDocuments(docs map[string][]byte) error {
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path, name := splitMetaKey(k)
		switch name {
		case ".zarray":
			z, err := ParseZArray(docs[k])
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if a, ok := s.Arrays[path]; ok {
				a.ZArray = z
			} else {
				s.PutArray(path, z, nil, nil)
			}
		case ".zgroup":
			if err := checkZGroup(docs[k]); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if _, ok := s.Groups[path]; !ok {
				s.Groups[path] = &Group{}
			}
		}
	}
	for _, k := range keys {
		path, name := splitMetaKey(k)
		switch name {
		case ".zarray", ".zgroup":
			continue
		case ".zattrs":
			a, isArray := s.Arrays[path]
			g, isGroup := s.Groups[path]
			if !isArray && !isGroup {
				break
			}
			attrs, err := ParseAttrs(docs[k])
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			if isArray {
				a.Attrs = attrs
			} else {
				g.Attrs = attrs
			}
			continue
		}
		s.Extra[k] = Ref{Data: docs[k]}
	}
	return nil
}

// checkZGroup accepts a .zgroup document of Zarr v2.
func checkZGroup(doc []byte) error {
	var g struct {
		ZarrFormat int `json:"zarr_format"`
	}
	if err := json.Unmarshal(doc, &g); err != nil {
		return fmt.Errorf("parse .zgroup: %w", err)
	}
	if g.ZarrFormat != 2 {
		return fmt.Errorf(".zgroup: zarr_format %d, want 2", g.ZarrFormat)
	}
	return nil
}

// Documents encodes the set's groups and arrays as Zarr v2 metadata
// documents by key, the inverse of PutDocuments (Extra aside).
func (s *Set) Documents() (map[string][]byte, error) {
	docs := make(map[string][]byte, 2*(len(s.Groups)+len(s.Arrays)))
	for p, g := range s.Groups {
		docs[MetaKey(p, ".zgroup")] = []byte(zgroupDoc)
		if g.Attrs != nil {
			docs[MetaKey(p, ".zattrs")] = g.Attrs.Marshal()
		}
	}
	for p, a := range s.Arrays {
		if a.ZArray == nil {
			return nil, fmt.Errorf("array %q has no .zarray metadata", p)
		}
		doc, err := a.ZArray.Marshal()
		if err != nil {
			return nil, fmt.Errorf("array %q: %w", p, err)
		}
		docs[MetaKey(p, ".zarray")] = doc
		if a.Attrs != nil {
			docs[MetaKey(p, ".zattrs")] = a.Attrs.Marshal()
		}
	}
	return docs, nil
}

// String returns a string attribute; false when it is absent or not a
// string.
func (a Attrs) String(name string) (string, bool) {
	var s string
	raw, ok := a[name]
	if !ok || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// Strings returns an attribute that is a list of strings (such as
// _ARRAY_DIMENSIONS); false when it is absent or not one.
func (a Attrs) Strings(name string) ([]string, bool) {
	var s []string
	raw, ok := a[name]
	if !ok || json.Unmarshal(raw, &s) != nil {
		return nil, false
	}
	return s, true
}
