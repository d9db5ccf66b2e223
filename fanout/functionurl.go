package fanout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
)

// A Transport makes one call of the function with a request's event and
// decodes the outcome. Its errors are classified for LambdaExecutor's
// retries as Invoke's are: a 429 is a throttle, a 5xx or a lost connection
// is retried, a *FunctionError is retried unless its type is InputError,
// any other answer is final.
type Transport interface {
	Call(ctx context.Context, payload []byte) (*Response, error)
}

// FunctionURL calls the function through its function URL: each request
// an HTTP POST of the event, signed with SigV4 for the service "lambda"
// (a URL whose auth type is AWS_IAM needs it, one of type NONE ignores
// it). The function answers as cmd/gokerchunk-lambda does: 200 with the
// Response, 400 with an InputError's {"errorType", "errorMessage"}, 500
// with a retryable one; Lambda's URL service adds 429 (throttled), 403
// (refused signature or permission) and 502 (the function crashed).
type FunctionURL struct {
	URL         string
	Region      string
	Credentials aws.CredentialsProvider
	// Client makes the calls (http.DefaultClient when nil).
	Client *http.Client
}

// NewFunctionURL returns the transport for the function URL rawURL, with
// credentials from the SDK's default chain (environment, config files,
// SSO, instance and container roles); they are fetched once here, so that
// missing credentials fail before any input is sent. The region is the
// URL's (https://<id>.lambda-url.<region>.on.aws/) or the configuration's.
func NewFunctionURL(ctx context.Context, rawURL string) (*FunctionURL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("function URL %q: not an http(s) URL", rawURL)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	region := urlRegion(u.Hostname())
	if region == "" {
		region = cfg.Region
	}
	if region == "" {
		return nil, fmt.Errorf("function URL %s: no region in its host name nor in the AWS configuration (set AWS_REGION)", rawURL)
	}
	if cfg.Credentials == nil {
		return nil, errors.New("AWS configuration: no credentials to sign the function URL's requests")
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return nil, fmt.Errorf("AWS credentials to sign the function URL's requests: %w", err)
	}
	return &FunctionURL{URL: rawURL, Region: region, Credentials: cfg.Credentials}, nil
}

// urlRegion is the region of a function URL's host name,
// <url-id>.lambda-url.<region>.on.aws, or "".
func urlRegion(host string) string {
	parts := strings.Split(host, ".")
	if len(parts) == 5 && parts[1] == "lambda-url" && parts[3] == "on" && parts[4] == "aws" {
		return parts[2]
	}
	return ""
}

// URLError is an answer of a function URL that is not the function's:
// Lambda's URL service refusing the call (403, 429, 413) or reporting the
// function's death (502), or any answer without the function's error body.
type URLError struct {
	Status int
	// Code is the service's error type (X-Amzn-ErrorType), when it says.
	Code    string
	Message string
}

func (e *URLError) Error() string {
	msg := fmt.Sprintf("function URL answered %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Status == http.StatusForbidden {
		msg += " (the signed request was refused: check the AWS credentials, the region the URL is signed for, and that they may lambda:InvokeFunctionUrl)"
	}
	return msg
}

func (f *FunctionURL) Call(ctx context.Context, payload []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(payload)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := f.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS credentials: %w", err)
	}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "lambda", f.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign the request: %w", err)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return nil, fmt.Errorf("function URL %s: reading the answer: %w", f.URL, err)
	}
	if len(body) > maxResponseSize {
		return nil, fmt.Errorf("function URL %s answered more than %d bytes, more than Lambda allows", f.URL, maxResponseSize)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp, body)
	}
	var r Response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("function URL %s answered something other than a job's response: %w", f.URL, err)
	}
	if r.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("function URL %s answered status %d: %s", f.URL, r.StatusCode, r.Body)
	}
	return &r, nil
}

// answerError reads an error answer: the function's own (400 or 500 with
// {"errorType", "errorMessage"}) as a *FunctionError, anything else as a
// *URLError.
func answerError(resp *http.Response, body []byte) error {
	var fe struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusInternalServerError) &&
		json.Unmarshal(body, &fe) == nil && fe.Type != "" && fe.Message != "" {
		return &FunctionError{Type: fe.Type, Message: fe.Message}
	}
	msg := strings.TrimSpace(string(body))
	var svc struct{ Message string }
	if json.Unmarshal(body, &svc) == nil && svc.Message != "" {
		msg = svc.Message
	}
	const limit = 500
	if len(msg) > limit {
		msg = msg[:limit] + "..."
	}
	code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
	return &URLError{Status: resp.StatusCode, Code: code, Message: msg}
}
