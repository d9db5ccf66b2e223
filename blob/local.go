package blob

import (
	"errors"
	"fmt"
	"io/fs"
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
	// The errors are *fs.PathErrors that name the input once, as given.
	f, err := os.Open(path)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: url, Err: unwrapPath(err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "stat", Path: url, Err: unwrapPath(err)}
	}
	if fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: url, Err: errIsDir}
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: url, Err: fmt.Errorf("not a regular file (mode %s)", fi.Mode())}
	}
	return &localFile{f: f, url: url, size: fi.Size(), shared: shared}, nil
}

// errIsDir is the error of opening a directory as an input file.
var errIsDir = errors.New("is a directory, not a file")

// unwrapPath is the cause of an *fs.PathError, which names the path the
// caller names again.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
