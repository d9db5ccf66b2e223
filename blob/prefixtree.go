package blob

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// PrefixTree is a Tree below a URL prefix that package blob writes
// (s3://bucket/prefix/). A file is written to a local temporary file and
// uploaded by Commit with WriteAtomic (one PUT, or a multipart upload
// completed only when the whole file is sent), so that an object appears
// complete or not at all; Abort removes the temporary file. List is a
// delimited listing, Remove a delete.
type PrefixTree struct {
	root    string // ends in "/"
	tempDir string
}

// NewPrefixTree returns the Tree below prefix (a "/" is added when it
// lacks one); files wait in tempDir ("" for the system's) until committed.
func NewPrefixTree(prefix, tempDir string) *PrefixTree {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &PrefixTree{root: prefix, tempDir: tempDir}
}

// NewTree returns the Tree for an OUTPUT_PREFIX: a PrefixTree for an
// s3:// URL, a DirTree for a local directory.
func NewTree(prefix, tempDir string) Tree {
	if strings.HasPrefix(strings.ToLower(prefix), "s3://") {
		return NewPrefixTree(prefix, tempDir)
	}
	return NewDirTree(strings.TrimPrefix(prefix, "file://"))
}

// Root is the prefix the tree is rooted at, ending in "/".
func (b *PrefixTree) Root() string { return b.root }

// url turns a relative output name into the URL below the root, refusing
// names that would leave it.
func (b *PrefixTree) url(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return b.root + name, nil
}

// checkName refuses an output name that is not a clean relative path.
func checkName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") {
		return fmt.Errorf("output name %q is not a relative path", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == "" || part == "." || part == ".." || strings.ContainsRune(part, 0) {
			return fmt.Errorf("output name %q has an empty, \".\" or \"..\" part", name)
		}
	}
	return nil
}

// Create implements Tree.
func (b *PrefixTree) Create(ctx context.Context, name string) (TreeFile, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	url, err := b.url(name)
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(b.tempDir, "gokerchunk-upload-*")
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", url, err)
	}
	return &blobFile{f: f, url: url}, nil
}

// List implements Tree.
func (b *PrefixTree) List(ctx context.Context, dir string) ([]string, error) {
	prefix := b.root
	if dir != "" {
		url, err := b.url(strings.TrimSuffix(dir, "/"))
		if err != nil {
			return nil, err
		}
		prefix = url + "/"
	}
	return ListDir(ctx, prefix)
}

// Remove implements Tree.
func (b *PrefixTree) Remove(ctx context.Context, name string) error {
	url, err := b.url(name)
	if err != nil {
		return err
	}
	return Delete(ctx, url)
}

// blobFile is a PrefixTree file in its local temporary file.
type blobFile struct {
	f    *os.File
	url  string
	done bool
}

func (w *blobFile) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = fmt.Errorf("write %s: %w", w.url, err)
	}
	return n, err
}

func (w *blobFile) Commit(ctx context.Context) error {
	if w.done {
		return fmt.Errorf("commit %s: already ended", w.url)
	}
	if _, err := w.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("commit %s: %w", w.url, err)
	}
	err := WriteAtomic(ctx, w.url, func(dst io.Writer) error {
		_, err := io.Copy(dst, w.f)
		return err
	})
	if err != nil {
		return fmt.Errorf("commit %s: %w", w.url, err)
	}
	w.done = true
	w.f.Close()
	os.Remove(w.f.Name())
	return nil
}

func (w *blobFile) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("abort %s: %w", w.url, err)
	}
	return nil
}
