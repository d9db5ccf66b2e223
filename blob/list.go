package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one listed S3 object.
type Object struct {
	URL  string
	Size int64
}

// List returns the objects of the Default client below an s3:// prefix.
func List(ctx context.Context, prefix string) ([]Object, error) {
	return Default().List(ctx, prefix)
}

// List returns every object whose key starts with the prefix of an
// s3://bucket/prefix URL (ListObjectsV2, all pages), sorted by key. The
// prefix is taken as it is: "s3://b/data" also lists "data2/x"; end it
// with "/" for a folder.
func (c *Client) List(ctx context.Context, prefix string) ([]Object, error) {
	loc, err := parseS3URL(prefix)
	if err != nil {
		return nil, err
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	in := &s3.ListObjectsV2Input{Bucket: &loc.bucket, Prefix: &loc.key}
	if c.cfg.ListPageSize > 0 {
		in.MaxKeys = &c.cfg.ListPageSize
	}
	var out []Object
	pages := s3.NewListObjectsV2Paginator(client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, s3Error(prefix, err))
		}
		for _, o := range page.Contents {
			out = append(out, Object{URL: loc.url(aws.ToString(o.Key)), Size: aws.ToInt64(o.Size)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

// Exists tells with the Default client whether url names a target.
func Exists(ctx context.Context, url string) (bool, error) {
	return Default().Exists(ctx, url)
}

// Exists tells whether url names an existing target: a local file or
// directory, an S3 object (HeadObject) or an http(s) resource (HEAD).
func (c *Client) Exists(ctx context.Context, url string) (bool, error) {
	scheme, _, _ := splitScheme(url)
	var err error
	switch scheme {
	case "s3":
		var o *s3Object
		if o, err = c.s3Object(ctx, url); err == nil {
			_, err = o.sizeByHead(ctx)
		}
	case "http", "https":
		h := &httpObject{client: c.http, url: url}
		_, err = h.sizeByHead(ctx)
	default:
		var p string
		if p, err = localPath(url); err == nil {
			_, err = os.Stat(p)
		}
	}
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("stat %s: %w", url, err)
}

// ReadAll reads a whole target with the Default client.
func ReadAll(ctx context.Context, url string) ([]byte, error) {
	return Default().ReadAll(ctx, url)
}

// ReadAll reads a whole target (a sidecar, say) into memory: what it
// allocates is bounded by the target's size. A remote target no larger
// than the client's HeadSize costs one GET, a larger one two.
func (c *Client) ReadAll(ctx context.Context, url string) ([]byte, error) {
	r, err := c.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return ReadRange(ctx, r, url, 0, r.Size())
}
