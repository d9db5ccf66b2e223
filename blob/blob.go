// Package blob gives random access to the bytes of a target named by URL
// (local paths, file://, s3:// and http(s)://), counts the reads and
// requests made through it, writes outputs atomically (local files and S3
// objects), and expands input patterns (directories, S3 prefixes, globs)
// into URLs.
//
// Remote readers cache what they fetch in blocks and fetch a run of missing
// blocks in one ranged GET; their open fetches the target's head in the
// same GET that learns its size. Failed requests (throttling, 5xx, resets,
// truncated bodies) are retried with exponential backoff and jitter. The
// package knows no file format.
package blob

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Reader is random access to one target's bytes.
type Reader interface {
	io.ReaderAt
	// Size is the target's length in bytes, fixed when it was opened.
	Size() int64
	Close() error
}

// Prefetcher is implemented by readers that can fetch byte ranges
// ({offset, length}) in the background, ahead of the reads that will need
// them (remote readers). A format parser that knows what it reads next
// declares the same method set and hints through it, without importing
// this package.
type Prefetcher interface {
	Prefetch(ranges [][2]int64)
}

// SchemeError reports a URL whose scheme this package cannot read or
// write.
type SchemeError struct {
	Scheme string
	URL    string
}

func (e *SchemeError) Error() string {
	return fmt.Sprintf("%s:// is not supported (%s)", e.Scheme, e.URL)
}

// Open opens a local path, file://, s3:// or http(s):// URL for reading
// with the Default client. Any other scheme gives a *SchemeError.
func Open(ctx context.Context, url string) (Reader, error) {
	return Default().Open(ctx, url)
}

// Open opens a local path, file://, s3:// or http(s):// URL for reading.
// A remote open costs one GET, which also fetches the target's head. A
// target that does not exist gives an error wrapping fs.ErrNotExist.
func (c *Client) Open(ctx context.Context, url string) (Reader, error) {
	return c.open(ctx, url, nil, nil)
}

// open opens url; shared, when not nil, also counts its reads, and cache,
// when not nil, holds its blocks (an Opener's).
func (c *Client) open(ctx context.Context, url string, shared *Stats, cache *blockCache) (Reader, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	scheme, _, _ := splitScheme(url)
	switch scheme {
	case "s3":
		obj, err := c.s3Object(ctx, url)
		if err != nil {
			return nil, err
		}
		return c.openRemote(ctx, url, obj, shared, cache)
	case "http", "https":
		return c.openRemote(ctx, url, &httpObject{client: c.http, url: url}, shared, cache)
	}
	path, err := localPath(url)
	if err != nil {
		return nil, err
	}
	return openLocal(url, path, shared)
}

// IsRemote tells s3:// and http(s):// URLs from local paths and file://.
func IsRemote(url string) bool {
	scheme, _, _ := splitScheme(url)
	return scheme == "s3" || scheme == "http" || scheme == "https"
}

// IsS3 tells s3:// URLs.
func IsS3(url string) bool {
	scheme, _, _ := splitScheme(url)
	return scheme == "s3"
}

// Join names the file name inside the output "directory" dir: an s3://
// prefix (with or without its trailing "/") or a local directory.
func Join(dir, name string) string {
	if IsS3(dir) {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
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
