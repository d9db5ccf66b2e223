// Package refio reads and writes reference sets at URLs: kerchunk JSON or
// fsspec Parquet, on local disk or S3, written atomically.
//
// It is a package of its own, not part of refs, so that refs stays a leaf:
// the parser (hdf5scan), combine and zarr build and read sets without
// depending on blob and the AWS SDK under it.
package refio

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"gokerchunk/blob"
	"gokerchunk/refs"
)

// Format is how a set is written.
type Format string

const (
	// JSON is kerchunk's JSON (one file or object).
	JSON Format = "json"
	// Parquet is fsspec's Parquet layout (a directory or an S3 prefix
	// holding .zmetadata and one directory of record files per array).
	Parquet Format = "parquet"
)

// Encoding is how a set is written: its format, and the Parquet records'
// size or JSON's templates.
type Encoding struct {
	Format Format
	// RecordSize is the Parquet records' size (refs.WriteParquet); JSON
	// ignores it.
	RecordSize int
	// Templates writes JSON with kerchunk templates for shared targets
	// (refs.JSONOptions); Parquet has none and ignores it.
	Templates bool
}

// Read reads the set at url: a local JSON file or Parquet directory
// (refs.ReadFile), an S3 prefix holding .zmetadata (a Parquet set,
// downloaded to a temporary directory and read there), or any other
// remote URL as kerchunk JSON, read whole.
func Read(ctx context.Context, url string) (*refs.Set, error) {
	set, _, err := ReadEncoding(ctx, url)
	return set, err
}

// ReadEncoding is Read that also tells how the set is encoded: JSON, or
// Parquet and its record size (whether a JSON set uses templates is not
// told).
func ReadEncoding(ctx context.Context, url string) (*refs.Set, Encoding, error) {
	if !blob.IsRemote(url) {
		set, err := refs.ReadFile(url)
		if err != nil || !isParquetDir(url) {
			return set, Encoding{Format: JSON}, err
		}
		n, err := refs.ParquetRecordSize(url)
		return set, Encoding{Format: Parquet, RecordSize: n}, err
	}
	if blob.IsS3(url) && !strings.EqualFold(path.Ext(url), ".json") {
		parquet, err := blob.Exists(ctx, strings.TrimSuffix(url, "/")+"/.zmetadata")
		if err != nil {
			return nil, Encoding{}, err
		}
		if parquet {
			return readS3Parquet(ctx, url)
		}
	}
	data, err := blob.ReadAll(ctx, url)
	if err != nil {
		return nil, Encoding{}, err
	}
	set, err := refs.ReadJSON(bytes.NewReader(data))
	if err != nil {
		return nil, Encoding{}, fmt.Errorf("%s: %w", url, err)
	}
	return set, Encoding{Format: JSON}, nil
}

// ReadLazily reads the set at url as Read does and passes it to use; a
// Parquet set (local, or downloaded from S3 to a temporary directory that
// lives while use runs) is read record by record as use reads its arrays'
// Sources (refs.OpenParquet), never whole.
func ReadLazily(ctx context.Context, url string, use func(*refs.Set) error) error {
	dir := url
	if blob.IsS3(url) && !strings.EqualFold(path.Ext(url), ".json") {
		parquet, err := blob.Exists(ctx, strings.TrimSuffix(url, "/")+"/.zmetadata")
		if err != nil {
			return err
		}
		if parquet {
			tmp, err := os.MkdirTemp("", "gokerchunk-parquet-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			dir = filepath.Join(tmp, "refs")
			if err := blob.GetTree(ctx, url, dir); err != nil {
				return err
			}
		}
	}
	if blob.IsRemote(dir) || !isParquetDir(dir) {
		set, err := Read(ctx, url)
		if err != nil {
			return err
		}
		return use(set)
	}
	set, err := refs.OpenParquet(dir)
	if err == nil {
		err = use(set)
	}
	if err != nil && dir != url {
		// The error names the temporary copy; say where it came from.
		return fmt.Errorf("%s (downloaded): %w", url, err)
	}
	return err
}

// ParquetRecordSize is the record size of the Parquet set at url, local
// or in S3 (from its .zmetadata alone).
func ParquetRecordSize(ctx context.Context, url string) (int, error) {
	if !blob.IsS3(url) {
		return refs.ParquetRecordSize(url)
	}
	zmeta := strings.TrimSuffix(url, "/") + "/.zmetadata"
	doc, err := blob.ReadAll(ctx, zmeta)
	if err != nil {
		return 0, err
	}
	n, err := refs.ZMetadataRecordSize(doc)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", zmeta, err)
	}
	return n, nil
}

func readS3Parquet(ctx context.Context, url string) (*refs.Set, Encoding, error) {
	tmp, err := os.MkdirTemp("", "gokerchunk-parquet-")
	if err != nil {
		return nil, Encoding{}, err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "refs")
	if err := blob.GetTree(ctx, url, dir); err != nil {
		return nil, Encoding{}, err
	}
	set, err := refs.ReadParquet(dir)
	var n int
	if err == nil {
		n, err = refs.ParquetRecordSize(dir)
	}
	if err != nil {
		// The error names the temporary copy; say where it came from.
		return nil, Encoding{}, fmt.Errorf("%s (downloaded): %w", url, err)
	}
	return set, Encoding{Format: Parquet, RecordSize: n}, nil
}

// Write replaces the set at url so that readers see the old set or the
// new one, never a part: JSON through a temporary file renamed or one S3
// PutObject (multipart when large, see blob.WriteAtomic); Parquet into a
// temporary directory swapped in at the end, or on S3 uploaded file by
// file with .zmetadata last (blob.PutTree). recordSize is the Parquet
// records' size (refs.WriteParquet); JSON ignores it. A local Parquet url
// that exists and is not a Parquet set is refused, not replaced.
func Write(ctx context.Context, url string, set *refs.Set, format Format, recordSize int) error {
	return Encoding{Format: format, RecordSize: recordSize}.Write(ctx, url, set)
}

// Write is the package's Write with all the encoding's choices.
func (e Encoding) Write(ctx context.Context, url string, set *refs.Set) error {
	switch e.Format {
	case JSON:
		opts := refs.JSONOptions{Templates: e.Templates}
		return blob.WriteAtomic(ctx, url, func(w io.Writer) error { return refs.WriteJSONOptions(w, set, opts) })
	case Parquet:
		if blob.IsS3(url) {
			return writeS3Parquet(ctx, url, set, e.RecordSize)
		}
		return writeLocalParquet(url, set, e.RecordSize)
	}
	return fmt.Errorf("write %s: unknown reference format %q", url, e.Format)
}

// writeS3Parquet writes into a local temporary directory first, then
// uploads it with .zmetadata last.
func writeS3Parquet(ctx context.Context, url string, set *refs.Set, recordSize int) error {
	tmp, err := os.MkdirTemp("", "gokerchunk-parquet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "refs")
	if err := refs.WriteParquet(dir, set, recordSize); err != nil {
		return err
	}
	return blob.PutTree(ctx, dir, url)
}

// writeLocalParquet writes a new directory in place, or replaces an
// existing Parquet set by writing beside it and swapping the two by
// renames.
func writeLocalParquet(out string, set *refs.Set, recordSize int) error {
	st, err := os.Stat(out)
	if err != nil {
		return refs.WriteParquet(out, set, recordSize)
	}
	if !st.IsDir() || !isParquetDir(out) {
		return fmt.Errorf("%s exists and is not a Parquet reference set: not replacing it", out)
	}
	tmp := fmt.Sprintf("%s.new-%d", strings.TrimRight(out, "/"), os.Getpid())
	if err := refs.WriteParquet(tmp, set, recordSize); err != nil {
		return err
	}
	old := fmt.Sprintf("%s.old-%d", strings.TrimRight(out, "/"), os.Getpid())
	if err := os.Rename(out, old); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		os.RemoveAll(tmp)
		return err
	}
	return os.RemoveAll(old)
}

func isParquetDir(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, ".zmetadata"))
	return err == nil
}
