package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
)

// s3PathStyleFlag is shared by the commands that reach S3.
func s3PathStyleFlag() cli.Flag {
	return &cli.BoolFlag{Name: "s3-path-style", Usage: "address S3 buckets by path (http://host/bucket/key), as S3-compatible servers on a plain host name need (or GOKERCHUNK_S3_PATH_STYLE=1)"}
}

// configureBlob applies the command's flags to blob's default client,
// keeping whatever else it was configured with.
func configureBlob(c *cli.Context) {
	if c.Bool("s3-path-style") {
		cfg := blob.Default().Config()
		cfg.S3PathStyle = true
		blob.SetDefault(blob.NewClient(cfg))
	}
}

// expandError turns blob.Expand's "nothing there" into a usage error.
func expandError(err error) error {
	var nm *blob.NoMatchError
	if errors.As(err, &nm) || errors.Is(err, fs.ErrNotExist) || errors.Is(err, filepath.ErrBadPattern) {
		return usageError{err}
	}
	return err
}

// isDirOutput tells whether -o names a directory: one ending in "/", or an
// existing local directory.
func isDirOutput(out string) bool {
	if strings.HasSuffix(out, "/") {
		return true
	}
	if blob.IsRemote(out) {
		return false
	}
	st, err := os.Stat(out)
	return err == nil && st.IsDir()
}
