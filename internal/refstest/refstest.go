// Package refstest holds the tests' shortcuts for building reference sets
// document by document, shared by the packages that read sets.
package refstest

import (
	"testing"

	"gokerchunk/refs"
)

// PutDoc adds one metadata document to s, failing the test if the model
// refuses it.
func PutDoc(t testing.TB, s *refs.Set, key string, doc []byte) {
	t.Helper()
	if err := s.PutDocuments(map[string][]byte{key: doc}); err != nil {
		t.Fatal(err)
	}
}

// DocOf is the metadata document key of s as the writers encode it.
func DocOf(t testing.TB, s *refs.Set, key string) []byte {
	t.Helper()
	docs, err := s.Documents()
	if err != nil {
		t.Fatal(err)
	}
	return docs[key]
}
