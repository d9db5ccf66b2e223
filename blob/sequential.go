package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Defaults of NewSequentialReader: 8 MiB per GET, 4 GETs ahead of the
// reader (at most about 40 MiB held), what keeps a CSV parser fed from S3.
const (
	DefaultSequentialChunk = 8 << 20
	DefaultSequentialAhead = 4
)

// OpenStream opens url with the Default client for reading once, front to
// back.
func OpenStream(ctx context.Context, url string) (io.ReadCloser, int64, error) {
	return Default().OpenStream(ctx, url)
}

// OpenStream opens url for reading once, front to back, and returns the
// stream and the target's size: a SequentialReader over the opened
// Reader, closed with it.
func (c *Client) OpenStream(ctx context.Context, url string) (io.ReadCloser, int64, error) {
	r, err := c.Open(ctx, url)
	if err != nil {
		return nil, 0, err
	}
	s := NewSequentialReader(ctx, r, r.Size(), DefaultSequentialChunk, DefaultSequentialAhead)
	return &streamCloser{SequentialReader: s, r: r}, r.Size(), nil
}

type streamCloser struct {
	*SequentialReader
	r Reader
}

func (s *streamCloser) Close() error {
	// Closing the reader first cancels the GETs in flight rather than
	// waiting for them.
	s.cancel()
	err := s.r.Close()
	s.SequentialReader.Close()
	return err
}

// SequentialReader reads an io.ReaderAt front to back as an io.Reader,
// fetching the chunks ahead of the reader in parallel: a remote Reader
// serves each chunk by one ranged GET (reads this large bypass its block
// cache), so a whole object streams at the rate of several connections
// rather than one round trip at a time, and a failed GET is retried by
// the Reader for its chunk alone.
type SequentialReader struct {
	ctx    context.Context
	cancel context.CancelFunc
	queue  chan *seqChunk
	wg     sync.WaitGroup

	cur []byte
	err error
}

type seqChunk struct {
	done chan struct{}
	data []byte
	err  error
}

// NewSequentialReader reads r's first size bytes in chunks of chunk bytes,
// at most ahead of them fetched or held at once beyond the one being read.
func NewSequentialReader(ctx context.Context, r io.ReaderAt, size, chunk int64, ahead int) *SequentialReader {
	chunk = max(chunk, 1)
	ahead = max(ahead, 1)
	ctx, cancel := context.WithCancel(ctx)
	s := &SequentialReader{ctx: ctx, cancel: cancel, queue: make(chan *seqChunk, ahead)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer close(s.queue)
		for off := int64(0); off < size; off += chunk {
			c := &seqChunk{done: make(chan struct{}), data: make([]byte, min(chunk, size-off))}
			select {
			case s.queue <- c: // waits while ahead chunks are queued
			case <-ctx.Done():
				return
			}
			s.wg.Add(1)
			go func(off int64) {
				defer s.wg.Done()
				defer close(c.done)
				n, err := r.ReadAt(c.data, off)
				if n == len(c.data) {
					err = nil
				} else if err == nil || errors.Is(err, io.EOF) {
					err = fmt.Errorf("read at %d: %w", off+int64(n), io.ErrUnexpectedEOF)
				}
				c.data, c.err = c.data[:n], err
			}(off)
		}
	}()
	return s
}

func (s *SequentialReader) Read(p []byte) (int, error) {
	for len(s.cur) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		var c *seqChunk
		var ok bool
		select {
		case c, ok = <-s.queue:
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			continue
		}
		if !ok {
			if s.err = s.ctx.Err(); s.err == nil {
				s.err = io.EOF
			}
			continue
		}
		select {
		case <-c.done:
		case <-s.ctx.Done():
			s.err = s.ctx.Err()
			continue
		}
		s.cur, s.err = c.data, c.err
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

// Close stops the fetches ahead and waits for them; it does not close the
// underlying reader.
func (s *SequentialReader) Close() error {
	s.cancel()
	// Drain so that the producer, blocked on a full queue, sees the
	// cancellation.
	go func() {
		for range s.queue {
		}
	}()
	s.wg.Wait()
	return nil
}
