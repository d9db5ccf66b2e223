package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Tree is a tree of files under a root (a directory or a URL prefix),
// named by slash-separated paths relative to it, whose writers only ever
// create files whole, list directories and remove files: the converter's
// OUTPUT_PREFIX.
//
// DirTree is the local file system; PrefixTree an object store prefix,
// where Create is an upload that becomes visible only on Commit (a local
// temporary file put by Commit with WriteAtomic), List a delimited
// listing, and Remove a delete.
type Tree interface {
	// Create starts a new file. Nothing is visible at name until the
	// file's Commit, which replaces whatever is there.
	Create(ctx context.Context, name string) (TreeFile, error)
	// List returns the entries directly below dir ("" for the root),
	// files by name and directories by name with "/" appended, sorted.
	// A directory that does not exist lists as empty.
	List(ctx context.Context, dir string) ([]string, error)
	// Remove deletes the file name; one that does not exist is no error.
	Remove(ctx context.Context, name string) error
}

// TreeFile is a file being written. Exactly one of Commit and Abort
// ends it; Abort after a failed Commit is allowed and cleans up.
type TreeFile interface {
	io.Writer
	// Commit makes the bytes written visible at the file's name at once.
	Commit(ctx context.Context) error
	// Abort discards the bytes written.
	Abort() error
}

// DirTree is a Tree on the local file system. Files are written into
// a hidden staging directory below the root (".gokerchunk-staging-*":
// dataset readers such as pyarrow, Spark and Hive skip names that start
// with "." or "_") and renamed into place by Commit, which is atomic
// within one file system. The staging directory is removed when its last
// file is committed or aborted; only a crash leaves it behind.
//
// Directories are created as files are committed and never removed, so a
// failed conversion leaves no partition directory it did not find.
type DirTree struct {
	root string

	mu      sync.Mutex
	staging string // "" when no file is being written
	pending int
}

// NewDirTree returns the Tree rooted at dir, which need not exist yet.
func NewDirTree(dir string) *DirTree {
	return &DirTree{root: dir}
}

// Root is the directory the tree is rooted at.
func (d *DirTree) Root() string { return d.root }

// localName turns a relative output name into a path below the root,
// refusing names that would leave it.
func (d *DirTree) localName(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return filepath.Join(d.root, filepath.FromSlash(name)), nil
}

// Create implements Tree.
func (d *DirTree) Create(ctx context.Context, name string) (TreeFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	final, err := d.localName(name)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.staging == "" {
		if err := os.MkdirAll(d.root, 0o755); err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		staging, err := os.MkdirTemp(d.root, ".gokerchunk-staging-")
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", name, err)
		}
		d.staging = staging
	}
	f, err := os.CreateTemp(d.staging, "part-*")
	if err != nil {
		d.releaseLocked()
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	d.pending++
	return &dirFile{out: d, f: f, final: final, name: name}, nil
}

// releaseLocked removes the staging directory when no file uses it.
func (d *DirTree) releaseLocked() {
	if d.pending == 0 && d.staging != "" {
		os.RemoveAll(d.staging)
		d.staging = ""
	}
}

func (d *DirTree) release() {
	d.mu.Lock()
	d.pending--
	d.releaseLocked()
	d.mu.Unlock()
}

// List implements Tree.
func (d *DirTree) List(ctx context.Context, dir string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	local := d.root
	if dir != "" {
		var err error
		if local, err = d.localName(strings.TrimSuffix(dir, "/")); err != nil {
			return nil, err
		}
	}
	entries, err := os.ReadDir(local)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", local, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name()+"/")
		} else {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Remove implements Tree.
func (d *DirTree) Remove(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	local, err := d.localName(name)
	if err != nil {
		return err
	}
	if err := os.Remove(local); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", local, err)
	}
	return nil
}

// dirFile is a DirTree file in the staging directory.
type dirFile struct {
	out   *DirTree
	f     *os.File
	final string
	name  string
	done  bool
}

func (w *dirFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = fmt.Errorf("write %s: %w", w.name, err)
	}
	return n, err
}

func (w *dirFile) Commit(ctx context.Context) error {
	if w.done {
		return fmt.Errorf("commit %s: already ended", w.name)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// CreateTemp makes the file private; outputs are meant to be read.
	if err := w.f.Chmod(0o644); err != nil {
		return fmt.Errorf("commit %s: %w", w.name, err)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("commit %s: sync: %w", w.name, err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("commit %s: %w", w.name, err)
	}
	dir := filepath.Dir(w.final)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("commit %s: %w", w.name, err)
	}
	if err := os.Rename(w.f.Name(), w.final); err != nil {
		return fmt.Errorf("commit %s: %w", w.name, err)
	}
	w.done = true
	w.out.release()
	return syncDir(dir)
}

func (w *dirFile) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	err := os.Remove(w.f.Name())
	w.out.release()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("abort %s: %w", w.name, err)
	}
	return nil
}
