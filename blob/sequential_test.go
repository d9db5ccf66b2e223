package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
)

// failingReaderAt fails every read that reaches past failAt.
type failingReaderAt struct {
	data   []byte
	failAt int64
}

var errInjected = errors.New("injected read failure")

func (f failingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.failAt {
		return 0, errInjected
	}
	return copy(p, f.data[off:]), nil
}

func TestSequentialReader(t *testing.T) {
	data := make([]byte, 1<<20+12345)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, chunk := range []int64{1, 1000, 64 << 10, 2 << 20} {
		s := NewSequentialReader(context.Background(), bytes.NewReader(data), int64(len(data)), chunk, 3)
		got, err := io.ReadAll(s)
		s.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("chunk %d: %d bytes, err %v; want the %d bytes", chunk, len(got), err, len(data))
		}
	}
	// An empty input is at EOF at once.
	s := NewSequentialReader(context.Background(), bytes.NewReader(nil), 0, 10, 2)
	if got, err := io.ReadAll(s); err != nil || len(got) != 0 {
		t.Errorf("empty: %d bytes, %v", len(got), err)
	}
	s.Close()

	// A failed chunk: the bytes before it, then its error.
	s = NewSequentialReader(context.Background(), failingReaderAt{data, 300_000}, int64(len(data)), 100_000, 4)
	got, err := io.ReadAll(s)
	if !errors.Is(err, errInjected) || !bytes.Equal(got, data[:300_000]) {
		t.Errorf("failing: %d bytes, %v", len(got), err)
	}
	s.Close()

	// A reader that ends early is a short read, not a clean EOF.
	s = NewSequentialReader(context.Background(), bytes.NewReader(data[:1000]), 2000, 300, 2)
	if _, err := io.ReadAll(s); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short: %v", err)
	}
	s.Close()

	// Closing before the end stops the fetches ahead.
	s = NewSequentialReader(context.Background(), bytes.NewReader(data), int64(len(data)), 1000, 2)
	if _, err := s.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	s.Close()
}
