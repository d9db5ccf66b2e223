package blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// WriteAtomic writes url with the Default client (see Client.WriteAtomic).
func WriteAtomic(ctx context.Context, url string, write func(w io.Writer) error) error {
	return Default().WriteAtomic(ctx, url, write)
}

// WriteAtomic writes the target at url (a local path, file:// or s3:// URL)
// with what write produces, so that readers see either the old content or
// the complete new one, never a part:
//   - a local file is written to a temporary file and renamed
//     (WriteFileAtomic);
//   - an S3 object is buffered and written by one PutObject, or, past the
//     client's MultipartThreshold, by a multipart upload that is completed
//     only when write succeeded and aborted otherwise (S3 shows an object
//     only once its upload is complete).
//
// A failed write (write's error, a panic, a failed request) leaves the old
// target, if any, in place.
func (c *Client) WriteAtomic(ctx context.Context, url string, write func(w io.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", url, err)
	}
	scheme, _, _ := splitScheme(url)
	if scheme == "s3" {
		loc, err := parseS3URL(url)
		if err != nil {
			return err
		}
		if loc.key == "" || strings.HasSuffix(loc.key, "/") {
			return fmt.Errorf("write %s: the URL names no object", url)
		}
		client, err := c.s3Client(ctx)
		if err != nil {
			return fmt.Errorf("write %s: %w", url, err)
		}
		u := &s3Upload{ctx: ctx, client: client, loc: loc, url: url,
			threshold: c.cfg.MultipartThreshold, partSize: max(c.cfg.PartSize, 1)}
		return u.run(write)
	}
	p, err := localPath(url)
	if err != nil {
		return err
	}
	return WriteFileAtomic(p, write)
}

// s3Upload is the io.Writer of one S3 object: it buffers, switches to a
// multipart upload once the buffer passes the threshold, and then sends a
// part whenever a part's worth is buffered.
type s3Upload struct {
	ctx       context.Context
	client    *s3.Client
	loc       s3Location
	url       string
	threshold int64
	partSize  int64

	buf      bytes.Buffer
	uploadID *string
	parts    []types.CompletedPart
	err      error // the first failed request; later writes fail with it
}

func (u *s3Upload) run(write func(w io.Writer) error) error {
	defer func() {
		// Also runs when write panics: an incomplete upload is invisible
		// but its parts are stored (and billed) until aborted.
		if u.uploadID != nil {
			u.abort()
		}
	}()
	if err := write(u); err != nil {
		return fmt.Errorf("write %s: %w", u.url, err)
	}
	if u.err != nil {
		return u.err
	}
	if u.uploadID == nil {
		_, err := u.client.PutObject(u.ctx, &s3.PutObjectInput{
			Bucket: &u.loc.bucket, Key: &u.loc.key, Body: bytes.NewReader(u.buf.Bytes()),
			ContentLength: aws.Int64(int64(u.buf.Len())), ContentType: contentType(u.loc.key),
		})
		if err != nil {
			return fmt.Errorf("write %s: %w", u.url, err)
		}
		return nil
	}
	if u.buf.Len() > 0 || len(u.parts) == 0 {
		if err := u.sendPart(u.buf.Next(u.buf.Len())); err != nil {
			return err
		}
	}
	_, err := u.client.CompleteMultipartUpload(u.ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &u.loc.bucket, Key: &u.loc.key, UploadId: u.uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	})
	if err != nil {
		return fmt.Errorf("write %s: complete the multipart upload: %w", u.url, err)
	}
	u.uploadID = nil
	return nil
}

func (u *s3Upload) Write(p []byte) (int, error) {
	if u.err != nil {
		return 0, u.err
	}
	u.buf.Write(p)
	if u.uploadID == nil && int64(u.buf.Len()) > u.threshold {
		out, err := u.client.CreateMultipartUpload(u.ctx, &s3.CreateMultipartUploadInput{
			Bucket: &u.loc.bucket, Key: &u.loc.key, ContentType: contentType(u.loc.key),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err != nil {
			u.err = fmt.Errorf("write %s: start a multipart upload: %w", u.url, err)
			return 0, u.err
		}
		u.uploadID = out.UploadId
	}
	for u.uploadID != nil && int64(u.buf.Len()) >= u.partSize {
		if err := u.sendPart(u.buf.Next(int(u.partSize))); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (u *s3Upload) sendPart(data []byte) error {
	n := int32(len(u.parts) + 1)
	out, err := u.client.UploadPart(u.ctx, &s3.UploadPartInput{
		Bucket: &u.loc.bucket, Key: &u.loc.key, UploadId: u.uploadID, PartNumber: &n,
		Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data))),
		ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
	})
	if err != nil {
		u.err = fmt.Errorf("write %s: upload part %d: %w", u.url, n, err)
		return u.err
	}
	u.parts = append(u.parts, types.CompletedPart{
		PartNumber: &n, ETag: out.ETag, ChecksumCRC32: out.ChecksumCRC32,
	})
	return nil
}

// abort drops the parts sent, also when the context was cancelled.
func (u *s3Upload) abort() {
	u.client.AbortMultipartUpload(context.WithoutCancel(u.ctx), &s3.AbortMultipartUploadInput{
		Bucket: &u.loc.bucket, Key: &u.loc.key, UploadId: u.uploadID,
	})
	u.uploadID = nil
}

func contentType(key string) *string {
	switch strings.ToLower(path.Ext(key)) {
	case ".json":
		return aws.String("application/json")
	}
	return aws.String("application/octet-stream")
}
