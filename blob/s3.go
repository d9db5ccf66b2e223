package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Location is a parsed s3://bucket/key URL. The key is taken literally,
// without percent-decoding, as s3fs does.
type s3Location struct {
	bucket, key string
}

func parseS3URL(url string) (s3Location, error) {
	scheme, rest, ok := splitScheme(url)
	if !ok || scheme != "s3" {
		return s3Location{}, fmt.Errorf("%s: not an s3:// URL", url)
	}
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return s3Location{}, fmt.Errorf("%s: the URL names no bucket", url)
	}
	return s3Location{bucket: bucket, key: key}, nil
}

func (l s3Location) url(key string) string { return "s3://" + l.bucket + "/" + key }

// s3Client returns the client's S3 client, made on first use from the AWS
// SDK's default configuration: credentials, region and endpoint from the
// standard environment variables (AWS_ENDPOINT_URL_S3 included) and
// ~/.aws files.
func (c *Client) s3Client(ctx context.Context) (*s3.Client, error) {
	c.s3once.Do(func() {
		hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
			t.MaxIdleConnsPerHost = maxIdleConnsPerHost
		})
		cfg, err := config.LoadDefaultConfig(context.WithoutCancel(ctx), config.WithHTTPClient(hc))
		if err != nil {
			c.s3err = fmt.Errorf("AWS configuration: %w", err)
			return
		}
		if cfg.Region == "" {
			// Requests must be signed for some region; S3 answers for
			// us-east-1 buckets and S3-compatible servers ignore it.
			cfg.Region = "us-east-1"
		}
		c.s3 = s3.NewFromConfig(cfg, func(o *s3.Options) {
			if c.cfg.Transport != nil {
				// Set here rather than in LoadDefaultConfig, which refuses
				// a plain http.Client when AWS_CA_BUNDLE is set.
				o.HTTPClient = &http.Client{Transport: c.cfg.Transport}
			}
			o.Retryer = c.cfg.retryPolicy().sdkRetryer()
			o.UsePathStyle = c.cfg.S3PathStyle
			// Ranged GETs carry no checksum of their bytes; without this
			// the SDK logs a warning for every one.
			o.DisableLogOutputChecksumValidationSkipped = true
			if c.cfg.S3Anonymous {
				o.Credentials = aws.AnonymousCredentials{}
			}
		})
	})
	return c.s3, c.s3err
}

func (c *Client) s3Object(ctx context.Context, url string) (*s3Object, error) {
	loc, err := parseS3URL(url)
	if err != nil {
		return nil, err
	}
	if loc.key == "" || strings.HasSuffix(loc.key, "/") {
		return nil, fmt.Errorf("open %s: the URL names no object", url)
	}
	client, err := c.s3Client(ctx)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", url, err)
	}
	return &s3Object{client: client, loc: loc, url: url}, nil
}

// s3Object reads one S3 object with ranged GetObject calls.
type s3Object struct {
	client *s3.Client
	loc    s3Location
	url    string
}

// sdkRetryer retries the requests the SDK sends on its own (PutObject,
// multipart uploads, listings, HEADs) as retryPolicy does reads: the same
// attempts, delays and retryable failures (429 included), and no
// client-side retry quota, which a long run of throttled requests would
// exhaust.
func (p retryPolicy) sdkRetryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = p.attempts
		o.MaxBackoff = p.max
		o.Backoff = sdkBackoff(p)
		o.RateLimiter = ratelimit.None
		o.Retryables = append(o.Retryables, retry.IsErrorRetryableFunc(func(err error) aws.Ternary {
			if retryable(err) {
				return aws.TrueTernary
			}
			return aws.UnknownTernary
		}))
	})
}

type sdkBackoff retryPolicy

func (b sdkBackoff) BackoffDelay(attempt int, err error) (time.Duration, error) {
	return retryPolicy(b).delay(attempt, err), nil
}

// noRetries leaves retrying to retryPolicy, which also repeats truncated
// bodies (the SDK's retryer ends when the headers arrive) and counts.
func noRetries(o *s3.Options) { o.Retryer = aws.NopRetryer{} }

func (o *s3Object) getHead(ctx context.Context, p []byte) (int, int64, error) {
	out, err := o.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &o.loc.bucket, Key: &o.loc.key, Range: aws.String(fmt.Sprintf("bytes=0-%d", len(p)-1)),
	}, noRetries)
	if err != nil {
		if s3Status(err) == http.StatusRequestedRangeNotSatisfiable {
			// An empty object has no byte 0.
			size, err := o.sizeByHead(ctx)
			if err == nil && size != 0 {
				err = fmt.Errorf("%s: HTTP 416 for bytes 0-%d of a %d-byte object", o.url, len(p)-1, size)
			}
			return 0, size, err
		}
		return 0, 0, s3Error(o.url, err)
	}
	defer out.Body.Close()
	var size, n int64
	if out.ContentRange != nil {
		start, end, total, err := parseContentRange(*out.ContentRange)
		if err != nil || start != 0 || end >= int64(len(p)) || total < 0 {
			return 0, 0, fmt.Errorf("%s: asked for bytes 0-%d, got Content-Range %q", o.url, len(p)-1, *out.ContentRange)
		}
		size, n = total, end+1
	} else {
		// Some servers answer a range that covers the whole object with
		// the whole object.
		size = aws.ToInt64(out.ContentLength)
		if size < 0 || size > int64(len(p)) {
			return 0, 0, fmt.Errorf("%s: asked for bytes 0-%d, got %d bytes without a Content-Range", o.url, len(p)-1, size)
		}
		n = size
	}
	got, err := readBody(&http.Response{Body: out.Body}, p[:n])
	return got, size, err
}

func (o *s3Object) getRange(ctx context.Context, off int64, p []byte) (int, error) {
	last := off + int64(len(p)) - 1
	out, err := o.client.GetObject(ctx, &s3.GetObjectInput{
		Bucket: &o.loc.bucket, Key: &o.loc.key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, last)),
	}, noRetries)
	if err != nil {
		return 0, s3Error(o.url, err)
	}
	defer out.Body.Close()
	if out.ContentRange != nil {
		start, end, _, err := parseContentRange(*out.ContentRange)
		if err != nil || start != off || end != last {
			return 0, fmt.Errorf("%s: asked for bytes %d-%d, got Content-Range %q", o.url, off, last, *out.ContentRange)
		}
	} else if off != 0 || aws.ToInt64(out.ContentLength) != int64(len(p)) {
		return 0, fmt.Errorf("%s: asked for bytes %d-%d, got %d bytes without a Content-Range", o.url, off, last, aws.ToInt64(out.ContentLength))
	}
	return readBody(&http.Response{Body: out.Body}, p)
}

func (o *s3Object) sizeByHead(ctx context.Context) (int64, error) {
	out, err := o.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &o.loc.bucket, Key: &o.loc.key}, noRetries)
	if err != nil {
		return 0, s3Error(o.url, err)
	}
	return aws.ToInt64(out.ContentLength), nil
}

// s3Status is the HTTP status of an SDK error, 0 when there was no answer.
func s3Status(err error) int {
	var sc interface{ HTTPStatusCode() int }
	if errors.As(err, &sc) {
		return sc.HTTPStatusCode()
	}
	return 0
}

// s3Error names the URL in an SDK error; a missing object or bucket wraps
// fs.ErrNotExist.
func s3Error(url string, err error) error {
	if s3Status(err) == http.StatusNotFound {
		return fmt.Errorf("%s: no such object: %w (%w)", url, fs.ErrNotExist, err)
	}
	return fmt.Errorf("%s: %w", url, err)
}
