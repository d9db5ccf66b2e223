package refs

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkWriteJSON streams 1 M references (benchSet) as kerchunk JSON.
func BenchmarkWriteJSON(b *testing.B) {
	s := benchSet(b)
	var n int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		cw := &countingWriter{}
		if err := WriteJSON(cw, s); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.SetBytes(n)
}

// BenchmarkReadJSON parses 1 M references of kerchunk JSON into a Set.
func BenchmarkReadJSON(b *testing.B) {
	var doc bytes.Buffer
	if err := WriteJSON(&doc, benchSet(b)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(doc.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := ReadJSON(bytes.NewReader(doc.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkReadJSONGeneral parses the same document the general way (every
// key listed, then placed), which ReadJSON falls back to.
func BenchmarkReadJSONGeneral(b *testing.B) {
	var doc bytes.Buffer
	if err := WriteJSON(&doc, benchSet(b)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(doc.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := parseJSONMode(doc.Bytes(), false); err != nil {
			b.Fatal(err)
		}
	}
}
