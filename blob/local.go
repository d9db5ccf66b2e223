package blob

import (
	"fmt"
	"os"
)

// localFile is a Reader over a local file.
type localFile struct {
	f     *os.File
	url   string
	size  int64
	stats Stats
	// shared also counts every read, for an Opener's totals; nil when the
	// file was opened on its own.
	shared *Stats
}

func openLocal(url, path string, shared *Stats) (*localFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("open %s: not a regular file (%s)", url, fi.Mode().Type())
	}
	return &localFile{f: f, url: url, size: fi.Size(), shared: shared}, nil
}

func (l *localFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := l.f.ReadAt(p, off)
	l.stats.add(n)
	l.shared.add(n)
	return n, err
}

func (l *localFile) Size() int64 { return l.size }

func (l *localFile) Stats() *Stats { return &l.stats }

func (l *localFile) Close() error {
	if err := l.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", l.url, err)
	}
	return nil
}
