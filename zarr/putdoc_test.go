package zarr

import (
	"testing"

	"gokerchunk/refs"
)

// putDoc adds one metadata document to s.
func putDoc(t testing.TB, s *refs.Set, key string, doc []byte) {
	t.Helper()
	if err := s.PutDocuments(map[string][]byte{key: doc}); err != nil {
		t.Fatal(err)
	}
}
