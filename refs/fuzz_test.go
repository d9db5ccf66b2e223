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
	f.Add(`{"version": 1, "refs": {".zgroup": "{\"zarr_format\": 2}", "a/.zarray": "{\"chunks\": [2], \"compressor\": null, \"dtype\": \"<i4\", \"fill_value\": 0, \"filters\": null, \"order\": \"C\", \"shape\": [4], \"zarr_format\": 2}", "a/0": ["u", 1, 2], "a/1": "xy", "a/.zattrs": "{}"}}`)
	// A grid too large for a dense manifest: read sparse.
	f.Add(`{"version": 1, "refs": {"a/.zarray": "{\"chunks\": [1, 1], \"compressor\": null, \"dtype\": \"|u1\", \"fill_value\": 7, \"filters\": null, \"order\": \"C\", \"shape\": [100000, 10000], \"zarr_format\": 2}", "a/99999.9999": ["u", 1, 2], "a/0.5": "base64:AA==", "a/0.5": ["v", 3, 1]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		s, err := ReadJSON(strings.NewReader(doc))
		// The direct reading of "refs" and the general one agree.
		general, gerr := parseJSONMode([]byte(doc), false)
		if (err == nil) != (gerr == nil) || (err != nil && err.Error() != gerr.Error()) {
			t.Fatalf("ReadJSON: %v; read the general way: %v", err, gerr)
		}
		if err != nil {
			return
		}
		var direct, slow bytes.Buffer
		if WriteJSON(&direct, s) != nil || WriteJSON(&slow, general) != nil || direct.String() != slow.String() {
			t.Fatalf("ReadJSON and the general way differ:\n%s\n%s", direct.String(), slow.String())
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
