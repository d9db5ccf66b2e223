package combine

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

// docOf is the metadata document key of s as the writers encode it.
func docOf(t testing.TB, s *refs.Set, key string) []byte {
	t.Helper()
	docs, err := s.Documents()
	if err != nil {
		t.Fatal(err)
	}
	return docs[key]
}
