package refs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// ZArray is a Zarr v2 .zarray document.
type ZArray struct {
	ZarrFormat int     `json:"zarr_format"`
	Shape      []int64 `json:"shape"`
	Chunks     []int64 `json:"chunks"`
	// DType is the numpy type string ("<f4", "|S1") or, for structured
	// types, a JSON list of [name, dtype] fields.
	DType     json.RawMessage `json:"dtype"`
	FillValue json.RawMessage `json:"fill_value"`
	Order     string          `json:"order"`
	// Filters are applied in order when encoding; readers decode in reverse
	// after the compressor. HDF5 pipelines map onto Filters in their own order.
	Filters            []Codec `json:"filters"`
	Compressor         Codec   `json:"compressor"`
	DimensionSeparator string  `json:"dimension_separator,omitempty"`
}

// Codec is a numcodecs configuration: {"id": "zlib", "level": 4}.
type Codec map[string]any

// ID is the codec's "id" entry.
func (c Codec) ID() string {
	s, _ := c["id"].(string)
	return s
}

// Int reads an integer parameter, accepting the float64 that encoding/json
// produces when the codec was read from a document.
func (c Codec) Int(name string) (int, bool) {
	switch v := c[name].(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		if v == math.Trunc(v) {
			return int(v), true
		}
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// ParseZArray decodes a .zarray document and checks the fields every reader
// relies on.
func ParseZArray(doc []byte) (*ZArray, error) {
	var z ZArray
	// Numbers stay json.Number so that codec parameters such as
	// "elementsize": 4 are written back as integers (Marshal), not 4.0.
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&z); err != nil {
		return nil, fmt.Errorf("parse .zarray: %w", err)
	}
	if z.ZarrFormat != 2 {
		return nil, fmt.Errorf(".zarray: zarr_format %d, want 2", z.ZarrFormat)
	}
	if len(z.Shape) != len(z.Chunks) {
		return nil, fmt.Errorf(".zarray: shape %v and chunks %v differ in rank", z.Shape, z.Chunks)
	}
	for d := range z.Shape {
		if z.Shape[d] < 0 || z.Chunks[d] <= 0 {
			return nil, fmt.Errorf(".zarray: bad shape %v or chunks %v", z.Shape, z.Chunks)
		}
	}
	if z.Order != "C" && z.Order != "" {
		return nil, fmt.Errorf(".zarray: order %q is not supported (only C)", z.Order)
	}
	return &z, nil
}

// Separator is the dimension separator of chunk keys.
func (z *ZArray) Separator() string {
	if z.DimensionSeparator == "" {
		return "."
	}
	return z.DimensionSeparator
}

// Grid is the number of chunks along each dimension (divided, then
// rounded up, so that no shape overflows it).
func (z *ZArray) Grid() []int {
	g := make([]int, len(z.Shape))
	for d := range z.Shape {
		g[d] = int(z.Shape[d] / z.Chunks[d])
		if z.Shape[d]%z.Chunks[d] != 0 {
			g[d]++
		}
	}
	return g
}

// SimpleDType returns the numpy type string of a non-structured dtype.
func (z *ZArray) SimpleDType() (string, bool) {
	var s string
	if err := json.Unmarshal(z.DType, &s); err != nil {
		return "", false
	}
	return s, true
}

// Marshal encodes the document canonically (sorted keys, ASCII only), as
// MarshalCanonical would, without reflection: scans write one per array.
func (z *ZArray) Marshal() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(256)
	ints := func(v []int64) { encodeIntSlice(&b, v) }
	raw := func(r json.RawMessage) error {
		if len(r) == 0 {
			b.WriteString("null")
			return nil
		}
		if !json.Valid(r) {
			return fmt.Errorf(".zarray: invalid JSON fragment %q", r)
		}
		b.Write(r)
		return nil
	}
	codec := func(c any) error {
		doc, err := MarshalCanonical(c)
		b.Write(doc)
		return err
	}
	b.WriteString(`{"chunks": `)
	ints(z.Chunks)
	b.WriteString(`, "compressor": `)
	if z.Compressor == nil {
		b.WriteString("null")
	} else if err := codec(z.Compressor); err != nil {
		return nil, err
	}
	if z.DimensionSeparator != "" {
		b.WriteString(`, "dimension_separator": `)
		writeASCIIString(&b, z.DimensionSeparator)
	}
	b.WriteString(`, "dtype": `)
	if err := raw(z.DType); err != nil {
		return nil, err
	}
	b.WriteString(`, "fill_value": `)
	if err := raw(z.FillValue); err != nil {
		return nil, err
	}
	b.WriteString(`, "filters": `)
	if len(z.Filters) == 0 {
		b.WriteString("null")
	} else if err := codec(z.Filters); err != nil {
		return nil, err
	}
	b.WriteString(`, "order": `)
	writeASCIIString(&b, z.Order)
	b.WriteString(`, "shape": `)
	ints(z.Shape)
	fmt.Fprintf(&b, `, "zarr_format": %d}`, z.ZarrFormat)
	return b.Bytes(), nil
}

// FillFloat encodes a floating-point fill value the way Zarr v2 requires:
// NaN and the infinities as strings, everything else as a JSON number.
func FillFloat(v float64) json.RawMessage {
	switch {
	case math.IsNaN(v):
		return json.RawMessage(`"NaN"`)
	case math.IsInf(v, 1):
		return json.RawMessage(`"Infinity"`)
	case math.IsInf(v, -1):
		return json.RawMessage(`"-Infinity"`)
	}
	return json.RawMessage(formatFloat(v))
}

// formatFloat writes the shortest representation that parses back to v,
// always with a decimal point or exponent so readers keep it a float.
func formatFloat(v float64) string {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if !bytes.ContainsAny([]byte(s), ".eEn") {
		s += ".0"
	}
	return s
}
