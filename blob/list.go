package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one listed S3 object or expanded target, with what the
// listing tells of its version: enough for a rerun to see that it
// changed. ETag is S3's (quoted as S3 gives it), "" for local files;
// Modified is the zero time when the listing does not tell (http).
type Object struct {
	URL      string
	Size     int64
	ETag     string
	Modified time.Time
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
	var out []Object
	err := c.ListEach(ctx, prefix, func(o Object) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URL < out[j].URL })
	return out, nil
}

// ListEach calls fn with each object below the prefix as List finds them,
// page by page, in the order S3 lists keys (UTF-8 binary order, which is
// Go's string order): the next page is asked for only when fn has taken
// the previous one, so a slow fn (a worker pool fed through a channel)
// holds the listing back and memory stays at one page. An error from fn
// stops the listing and is returned as it is.
func (c *Client) ListEach(ctx context.Context, prefix string, fn func(Object) error) error {
	loc, err := parseS3URL(prefix)
	if err != nil {
		return err
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	in := &s3.ListObjectsV2Input{Bucket: &loc.bucket, Prefix: &loc.key}
	if c.cfg.ListPageSize > 0 {
		in.MaxKeys = &c.cfg.ListPageSize
	}
	pages := s3.NewListObjectsV2Paginator(client, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, s3Error(prefix, err))
		}
		for _, o := range page.Contents {
			obj := Object{URL: loc.url(aws.ToString(o.Key)), Size: aws.ToInt64(o.Size), ETag: aws.ToString(o.ETag)}
			if o.LastModified != nil {
				obj.Modified = o.LastModified.UTC()
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
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

// statS3 is Exists for one S3 object, with what its HEAD tells of it as
// a listing would; ok is false when there is no such object.
func (c *Client) statS3(ctx context.Context, url string) (o Object, ok bool, err error) {
	obj, err := c.s3Object(ctx, url)
	if err == nil {
		var out *s3.HeadObjectOutput
		out, err = obj.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &obj.loc.bucket, Key: &obj.loc.key}, noRetries)
		if err == nil {
			o = Object{URL: url, Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag)}
			if out.LastModified != nil {
				o.Modified = out.LastModified.UTC()
			}
			return o, true, nil
		}
		err = s3Error(url, err)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, false, nil
	}
	return Object{}, false, fmt.Errorf("stat %s: %w", url, err)
}
