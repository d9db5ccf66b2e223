package zarrcheck

import (
	"context"
	"fmt"
	"sync"

	"gokerchunk/blob"
	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// checkRefs checks every stored chunk of one array: a byte range must lie
// inside its target, and the stored bytes must decode to exactly one chunk
// (for an object array, one string per chunk element).
// It checks all chunks even after a failure so the error can say how many
// are broken, and returns how many chunks it checked.
func (c *checker) checkRefs(ctx context.Context, a *zarr.Array) (int, error) {
	want := int64(a.ChunkBytes())
	var (
		checked, broken int
		first           error
		total           int
	)
	if c.progress != nil {
		total = a.StoredChunks()
	}
	err := a.EachChunk(func(i int, ref refs.Ref) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		checked++
		if err := c.checkChunk(ctx, a, i, ref, want); err != nil {
			broken++
			if first == nil {
				first = fmt.Errorf("chunk %s: %w", a.ChunkKey(i), err)
			}
		}
		if c.progress != nil {
			c.progress(a.Path, checked, total)
		}
		return nil
	})
	if err != nil {
		return checked, err
	}
	if first != nil {
		return checked, fmt.Errorf("%d of %d chunks broken; first: %w", broken, checked, first)
	}
	return checked, nil
}

// checkChunk checks chunk i, whose reference is ref, against want decoded
// bytes (ignored for object arrays).
func (c *checker) checkChunk(ctx context.Context, a *zarr.Array, i int, ref refs.Ref, want int64) error {
	if ref.URL != "" {
		size, err := c.targets.size(ctx, ref.URL)
		if err != nil {
			return err
		}
		if ref.Offset < 0 || ref.Offset > size || (ref.Length >= 0 && ref.Length > size-ref.Offset) {
			return fmt.Errorf("bytes [%d, %d) lie outside %s (%d bytes)", ref.Offset, ref.Offset+ref.Length, ref.URL, size)
		}
	}
	raw, ok, err := a.RawChunk(ctx, i)
	if err != nil {
		return fmt.Errorf("fetch: %w", err)
	}
	if !ok {
		return fmt.Errorf("the manifest has a reference but the store finds no chunk")
	}
	if a.DType.Kind == 'O' {
		strs, err := a.DecodeStrings(raw)
		if err != nil {
			return fmt.Errorf("decode %d stored bytes: %w", len(raw), err)
		}
		if len(strs) != a.ChunkElements() {
			return fmt.Errorf("decodes to %d strings, want %d", len(strs), a.ChunkElements())
		}
		return nil
	}
	dec, err := a.DecodeChunk(raw)
	if err != nil {
		return fmt.Errorf("decode %d stored bytes: %w", len(raw), err)
	}
	if int64(len(dec)) != want {
		return fmt.Errorf("decodes to %d bytes, want %d", len(dec), want)
	}
	return nil
}

// targetSizes remembers the size of every chunk target, opened once each.
type targetSizes struct {
	opener *blob.Opener
	mu     sync.Mutex
	sizes  map[string]int64
	errs   map[string]error
}

func (t *targetSizes) size(ctx context.Context, url string) (int64, error) {
	t.mu.Lock()
	if t.sizes == nil {
		t.sizes, t.errs = map[string]int64{}, map[string]error{}
	}
	n, ok := t.sizes[url]
	err := t.errs[url]
	t.mu.Unlock()
	if ok || err != nil {
		return n, err
	}
	n, err = t.open(ctx, url)
	t.mu.Lock()
	switch {
	case err == nil:
		t.sizes[url] = n
	case ctx.Err() == nil: // a cancelled open says nothing about the target
		t.errs[url] = err
	}
	t.mu.Unlock()
	return n, err
}

func (t *targetSizes) open(ctx context.Context, url string) (int64, error) {
	r, err := t.opener.Open(ctx, url)
	if err != nil {
		return 0, fmt.Errorf("open target: %w", err)
	}
	n := r.Size()
	if err := r.Close(); err != nil {
		return 0, fmt.Errorf("close target %s: %w", url, err)
	}
	return n, nil
}
