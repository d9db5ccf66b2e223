package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"gokerchunk/internal/pool"
)

// treeWorkers is how many files PutTree and GetTree move at once.
const treeWorkers = 8

// indexName is the file of a directory tree that PutTree writes last: the
// index (fsspec's Parquet references keep theirs in .zmetadata) that
// makes readers look for the other files.
const indexName = ".zmetadata"

// PutTree uploads a local directory tree with the Default client.
func PutTree(ctx context.Context, dir, url string) error {
	return Default().PutTree(ctx, dir, url)
}

// PutTree uploads every regular file below the local directory dir to the
// S3 "folder" url (s3://bucket/prefix; "/" is added), keeping relative
// paths, each file by WriteAtomic so that each object appears whole. An
// object that already holds a file's bytes (same size, and an ETag that is
// their MD5: a single-part upload) is left as it is, so that a set
// rewritten with few changes (an append to a Parquet set) uploads only
// what changed. Then it deletes the objects below url that the tree does
// not hold (what an earlier set there left).
//
// S3 has no atomic rename of many objects: the tree becomes visible file by
// file. To keep readers from following an index to files not yet there,
// every file named .zmetadata is uploaded after all the others have been,
// and stale objects are deleted only after it. A reader that opens an
// older .zmetadata while a new set replaces it may still see files of the
// new set: replace a set in place only when nobody reads it, or write a new
// prefix.
func (c *Client) PutTree(ctx context.Context, dir, url string) error {
	loc, err := parseS3URL(url)
	if err != nil {
		return err
	}
	prefix := strings.TrimSuffix(loc.key, "/") + "/"
	if prefix == "/" {
		return fmt.Errorf("upload to %s: give a prefix below the bucket", url)
	}
	var files, last []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.Name() == indexName {
			last = append(last, rel)
		} else {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("upload %s to %s: %w", dir, url, err)
	}
	listed, err := c.List(ctx, loc.url(prefix))
	if err != nil {
		return err
	}
	have := make(map[string]Object, len(listed))
	for _, o := range listed {
		have[o.URL] = o
	}
	put := func(ctx context.Context, rel string) error {
		local := filepath.Join(dir, filepath.FromSlash(rel))
		if o, ok := have[loc.url(prefix+rel)]; ok && holds(o, local) {
			return nil
		}
		return c.WriteAtomic(ctx, loc.url(prefix+rel), func(w io.Writer) error {
			f, err := os.Open(local)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})
	}
	if err := parallel(ctx, files, put); err != nil {
		return err
	}
	if err := parallel(ctx, last, put); err != nil {
		return err
	}
	// Stale objects go after the new index no longer names them (objects
	// that appeared since the listing are someone else's).
	keep := map[string]bool{}
	for _, rel := range append(files, last...) {
		keep[loc.url(prefix+rel)] = true
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return err
	}
	for _, o := range listed {
		if keep[o.URL] {
			continue
		}
		key := strings.TrimPrefix(o.URL, loc.url(""))
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &loc.bucket, Key: &key}); err != nil {
			return fmt.Errorf("delete stale %s: %w", o.URL, err)
		}
	}
	return nil
}

// holds reports whether object o already holds the bytes of the local
// file: the same size, and an ETag that is their MD5. Multipart ETags
// ("...-N") and those of encrypted objects are not an MD5 of the bytes:
// such objects are uploaded again.
func holds(o Object, local string) bool {
	etag := strings.Trim(o.ETag, `"`)
	st, err := os.Stat(local)
	if err != nil || st.Size() != o.Size || len(etag) != 2*md5.Size {
		return false
	}
	f, err := os.Open(local)
	if err != nil {
		return false
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return false
	}
	return strings.EqualFold(hex.EncodeToString(h.Sum(nil)), etag)
}

// GetTree downloads an S3 folder with the Default client.
func GetTree(ctx context.Context, url, dir string) error {
	return Default().GetTree(ctx, url, dir)
}

// GetTree downloads every object below the S3 "folder" url into the local
// directory dir (created as needed), keeping relative paths. Keys that
// would land outside dir ("..", absolute) are refused.
func (c *Client) GetTree(ctx context.Context, url, dir string) error {
	prefix := strings.TrimSuffix(url, "/") + "/"
	objs, err := c.List(ctx, prefix)
	if err != nil {
		return err
	}
	if len(objs) == 0 {
		return fmt.Errorf("download %s: no objects below it: %w", url, fs.ErrNotExist)
	}
	rels := make([]string, len(objs))
	for i, o := range objs {
		rel := strings.TrimPrefix(o.URL, prefix)
		if rel == "" || strings.HasSuffix(rel, "/") {
			continue // a "folder" marker object
		}
		if !fs.ValidPath(rel) || path.Clean(rel) != rel {
			return fmt.Errorf("download %s: object %s would land outside %s", url, o.URL, dir)
		}
		rels[i] = rel
	}
	rels = slices.DeleteFunc(rels, func(s string) bool { return s == "" })
	return parallel(ctx, rels, func(ctx context.Context, rel string) error {
		data, err := c.ReadAll(ctx, prefix+rel)
		if err != nil {
			return err
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	})
}

// parallel runs job for every item on treeWorkers goroutines and returns
// the first error; after one, no further job starts.
func parallel(ctx context.Context, items []string, job func(context.Context, string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		once  sync.Once
		first error
	)
	pool.Each(len(items), treeWorkers, func(i int) {
		if ctx.Err() != nil {
			return
		}
		if err := job(ctx, items[i]); err != nil {
			once.Do(func() { first = err; cancel() })
		}
	})
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}
