package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Delete removes a target with the Default client.
func Delete(ctx context.Context, url string) error {
	return Default().Delete(ctx, url)
}

// Delete removes the target at url: a local file or an S3 object
// (DeleteObject). One that does not exist is no error, as S3 has it.
func (c *Client) Delete(ctx context.Context, url string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete %s: %w", url, err)
	}
	scheme, _, _ := splitScheme(url)
	if scheme == "s3" {
		loc, err := parseS3URL(url)
		if err != nil {
			return err
		}
		if loc.key == "" || strings.HasSuffix(loc.key, "/") {
			return fmt.Errorf("delete %s: the URL names no object", url)
		}
		client, err := c.s3Client(ctx)
		if err != nil {
			return fmt.Errorf("delete %s: %w", url, err)
		}
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &loc.bucket, Key: &loc.key}); err != nil {
			if errors.Is(s3Error(url, err), fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("delete %s: %w", url, err)
		}
		return nil
	}
	p, err := localPath(url)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", url, err)
	}
	return nil
}

// ListDir lists one level below an s3://bucket/dir/ prefix with the
// Default client.
func ListDir(ctx context.Context, dir string) ([]string, error) {
	return Default().ListDir(ctx, dir)
}

// ListDir returns the entries directly below an s3://bucket/dir/ URL (a
// "/" is added when it lacks one), as a delimited ListObjectsV2 gives
// them: objects by name and common prefixes by name with "/" appended,
// sorted. A prefix with nothing below lists as empty.
func (c *Client) ListDir(ctx context.Context, dir string) ([]string, error) {
	loc, err := parseS3URL(dir)
	if err != nil {
		return nil, err
	}
	if loc.key != "" && !strings.HasSuffix(loc.key, "/") {
		loc.key += "/"
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	in := &s3.ListObjectsV2Input{Bucket: &loc.bucket, Prefix: &loc.key, Delimiter: aws.String("/")}
	if c.cfg.ListPageSize > 0 {
		in.MaxKeys = &c.cfg.ListPageSize
	}
	var out []string
	pages := s3.NewListObjectsV2Paginator(client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", dir, s3Error(dir, err))
		}
		for _, o := range page.Contents {
			if name := strings.TrimPrefix(aws.ToString(o.Key), loc.key); name != "" {
				out = append(out, name)
			}
		}
		for _, p := range page.CommonPrefixes {
			out = append(out, strings.TrimPrefix(aws.ToString(p.Prefix), loc.key))
		}
	}
	sort.Strings(out)
	return out, nil
}
