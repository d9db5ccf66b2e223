package refs

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadJSON: any input either fails to read or reads into a set that
// writes and reads back to the same document.
func FuzzReadJSON(f *testing.F) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleSet(f)); err != nil {
		f.Fatal(err)
	}
	f.Add(b.String())
	f.Add(`{"a": ["u", 1, 2], "b": "base64:AAE="}`)
	f.Add(`{"version": 1, "templates": {"u": "x"}, "refs": {"k": ["{{u}}"]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		s, err := ReadJSON(strings.NewReader(doc))
		if err != nil {
			return
		}
		var once, twice bytes.Buffer
		if err := WriteJSON(&once, s); err != nil {
			t.Fatalf("write: %v", err)
		}
		back, err := ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("our own output does not read back: %v\n%s", err, once.String())
		}
		if err := WriteJSON(&twice, back); err != nil {
			t.Fatal(err)
		}
		if once.String() != twice.String() {
			t.Fatalf("not stable:\n%s\n%s", once.String(), twice.String())
		}
	})
}
