package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// httpObject reads an http(s):// URL with Range requests (RFC 9110 §14).
type httpObject struct {
	client *http.Client
	url    string
}

func (h *httpObject) request(ctx context.Context, method, rng string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, h.url, nil)
	if err != nil {
		return nil, err
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	// Ask for the stored bytes: a compressed answer to a range request
	// would be a range of something else.
	req.Header.Set("Accept-Encoding", "identity")
	return h.client.Do(req)
}

func (h *httpObject) getHead(ctx context.Context, p []byte) (int, int64, error) {
	resp, err := h.request(ctx, http.MethodGet, fmt.Sprintf("bytes=0-%d", len(p)-1))
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		start, end, size, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != 0 || end >= int64(len(p)) || end < 0 {
			return 0, 0, fmt.Errorf("%s: asked for bytes 0-%d, got Content-Range %q", h.url, len(p)-1, resp.Header.Get("Content-Range"))
		}
		if size < 0 {
			if size, err = h.sizeByHead(ctx); err != nil {
				return 0, 0, err
			}
		}
		n, err := readBody(resp, p[:end+1])
		return n, size, err
	case http.StatusOK:
		// The server ignores Range: fine while the whole object fits in
		// the head, useless otherwise (every read would fetch it all).
		size := resp.ContentLength
		if size < 0 || size > int64(len(p)) {
			return 0, 0, fmt.Errorf("%s: the server ignores Range requests (HTTP 200 to a range request; %d bytes)", h.url, size)
		}
		n, err := readBody(resp, p[:size])
		return n, size, err
	case http.StatusRequestedRangeNotSatisfiable:
		// An empty object has no byte 0.
		if _, _, size, err := parseContentRange(resp.Header.Get("Content-Range")); err == nil && size == 0 {
			return 0, 0, nil
		}
		size, err := h.sizeByHead(ctx)
		if err == nil && size != 0 {
			err = fmt.Errorf("%s: HTTP 416 for bytes 0-%d of a %d-byte object", h.url, len(p)-1, size)
		}
		return 0, size, err
	}
	return 0, 0, statusError(h.url, resp)
}

func (h *httpObject) sizeByHead(ctx context.Context) (int64, error) {
	resp, err := h.request(ctx, http.MethodHead, "")
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, statusError(h.url, resp)
	}
	if resp.ContentLength < 0 {
		return 0, fmt.Errorf("%s: the server tells no size (no Content-Length, no complete Content-Range)", h.url)
	}
	return resp.ContentLength, nil
}

func (h *httpObject) getRange(ctx context.Context, off int64, p []byte) (int, error) {
	last := off + int64(len(p)) - 1
	resp, err := h.request(ctx, http.MethodGet, fmt.Sprintf("bytes=%d-%d", off, last))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent {
		return 0, statusError(h.url, resp)
	}
	start, end, _, err := parseContentRange(resp.Header.Get("Content-Range"))
	if err != nil || start != off || end != last {
		return 0, fmt.Errorf("%s: asked for bytes %d-%d, got Content-Range %q", h.url, off, last, resp.Header.Get("Content-Range"))
	}
	return readBody(resp, p)
}

// readBody fills p from the body; a body that ends early is errTruncated.
func readBody(resp *http.Response, p []byte) (int, error) {
	n, err := io.ReadFull(resp.Body, p)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return n, fmt.Errorf("%w after %d of %d bytes", errTruncated, n, len(p))
	}
	if err != nil {
		return n, fmt.Errorf("after %d of %d bytes: %w", n, len(p), err)
	}
	return n, nil
}

// statusError describes an unexpected status; 404 and 410 wrap
// fs.ErrNotExist.
func statusError(url string, resp *http.Response) error {
	e := &StatusError{URL: url, Code: resp.StatusCode, Status: resp.Status}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if secs, err := strconv.Atoi(s); err == nil && secs >= 0 {
			e.RetryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(s); err == nil {
			e.RetryAfter = max(time.Until(t), 0)
		}
	}
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone {
		return fmt.Errorf("%w: %w", e, fs.ErrNotExist)
	}
	return e
}

// parseContentRange parses "bytes START-END/SIZE" (SIZE may be "*": -1)
// and "bytes */SIZE" (START and END -1).
func parseContentRange(s string) (start, end, size int64, err error) {
	bad := fmt.Errorf("bad Content-Range %q", s)
	rest, ok := strings.CutPrefix(s, "bytes ")
	if !ok {
		return 0, 0, 0, bad
	}
	rng, total, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, 0, bad
	}
	size = -1
	if total != "*" {
		if size, err = strconv.ParseInt(total, 10, 64); err != nil || size < 0 {
			return 0, 0, 0, bad
		}
	}
	if rng == "*" {
		return -1, -1, size, nil
	}
	a, b, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, 0, bad
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || start < 0 || end < start || size >= 0 && end >= size {
		return 0, 0, 0, bad
	}
	return start, end, size, nil
}
