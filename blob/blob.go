// Package blob gives random access to the bytes of a target named by URL
// (local paths and file:// URLs today; s3:// and http(s):// later behind the
// same Reader interface), counts the reads made through it, and writes local
// outputs atomically.
package blob

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Reader is random access to one target's bytes.
type Reader interface {
	io.ReaderAt
	// Size is the target's length in bytes, fixed when it was opened.
	Size() int64
	Close() error
}

// SchemeError reports a URL whose scheme has no reader yet.
type SchemeError struct {
	Scheme string
	URL    string
}

func (e *SchemeError) Error() string {
	return fmt.Sprintf("%s:// is not supported yet (%s)", e.Scheme, e.URL)
}

// Open opens a local path or a file:// URL. Any other scheme gives a
// *SchemeError.
func Open(ctx context.Context, url string) (Reader, error) {
	return open(ctx, url, nil)
}

func open(ctx context.Context, url string, shared *Stats) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	path, err := localPath(url)
	if err != nil {
		return nil, err
	}
	return openLocal(url, path, shared)
}

// localPath returns the file system path that url names. A "file://" prefix
// is stripped literally, without percent-decoding, as fsspec's local file
// system does, so that the URLs kerchunk writes resolve to the same files.
func localPath(url string) (string, error) {
	scheme, rest, ok := splitScheme(url)
	if !ok {
		return url, nil
	}
	if scheme != "file" {
		return "", &SchemeError{Scheme: scheme, URL: url}
	}
	// file://localhost/x is file:///x; any other host is a remote file.
	if after, ok := strings.CutPrefix(rest, "localhost/"); ok {
		rest = "/" + after
	}
	if rest == "" {
		return "", fmt.Errorf("open %s: the URL names no file", url)
	}
	return rest, nil
}

// splitScheme splits "scheme://rest" when url starts with a syntactically
// valid scheme (RFC 3986 §3.1), so a local path that merely contains "://"
// stays a path. The scheme is lower-cased.
func splitScheme(url string) (scheme, rest string, ok bool) {
	i := strings.Index(url, "://")
	if i <= 0 {
		return "", "", false
	}
	for j, c := range url[:i] {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (j == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", "", false
		}
	}
	return strings.ToLower(url[:i]), url[i+3:], true
}
