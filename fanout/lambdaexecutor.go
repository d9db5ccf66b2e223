package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
)

// Invoker is the part of the Lambda API the executor calls; *lambda.Client
// is one, tests give fakes.
type Invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// NewLambdaClient returns a Lambda client configured from the standard AWS
// environment and config files (credentials, region, AWS_ENDPOINT_URL_LAMBDA),
// with endpoint, when not empty, as its base endpoint. The SDK's own
// retries are off: LambdaExecutor retries, and counts what it retries.
func NewLambdaClient(ctx context.Context, endpoint string) (*lambda.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("AWS configuration: no region (set AWS_REGION or a profile's region)")
	}
	return lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.Retryer = aws.NopRetryer{}
	}), nil
}

// LambdaExecutor runs each request as one synchronous invocation of a
// Lambda function running cmd/gokerchunk-lambda, retrying throttles,
// server errors, failed connections and function errors other than
// InputError under its RetryPolicy. The invocation goes through the Lambda
// API's Invoke (Client, Function), or through Transport when it is set (a
// FunctionURL; Function then only names it in errors and manifests).
type LambdaExecutor struct {
	Client    Invoker
	Function  string
	Transport Transport
	Retry     RetryPolicy
}

func (*LambdaExecutor) Name() string { return "lambda" }

// FunctionError is an error the function returned or died of, as Lambda
// reports it (the response's FunctionError set, the payload's errorType and
// errorMessage).
type FunctionError struct {
	Type    string // InputError, RetryableError, Runtime.ExitError, Sandbox.Timedout, ...
	Message string
}

func (e *FunctionError) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Type) }

// JobError is an input's final failure on an executor: the last error, the
// input named once.
type JobError struct {
	Input string
	Err   error
}

func (e *JobError) Error() string { return nameInput(e.Input, e.Err) }
func (e *JobError) Unwrap() error { return e.Err }

func (e *LambdaExecutor) Execute(ctx context.Context, req Request, onRetry func(Retry)) JobResult {
	call := e.invoke
	if e.Transport != nil {
		call = e.Transport.Call
	}
	return runJob(ctx, req, e.Retry, onRetry, func(ctx context.Context, payload []byte) (*Response, outcome, time.Duration, error) {
		resp, err := call(ctx, payload)
		switch {
		case err == nil:
			return resp, failFinal, 0, nil
		case isThrottle(err):
			return nil, failThrottled, 0, err
		case isRetryable(err):
			return nil, failRetryable, 0, err
		}
		return nil, failFinal, 0, err
	})
}

// maxResponseSize bounds the function's response decoded; Lambda's own
// limit for a synchronous response is 6 MB.
const maxResponseSize = 6 << 20

// invoke makes one synchronous invocation and decodes its outcome.
func (e *LambdaExecutor) invoke(ctx context.Context, payload []byte) (*Response, error) {
	out, err := e.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(e.Function), Payload: payload})
	if err != nil {
		return nil, err
	}
	if len(out.Payload) > maxResponseSize {
		return nil, fmt.Errorf("function %s answered %d bytes, more than Lambda allows", e.Function, len(out.Payload))
	}
	if out.FunctionError != nil {
		return nil, decodeFunctionError(*out.FunctionError, out.Payload)
	}
	var resp Response
	if err := json.Unmarshal(out.Payload, &resp); err != nil {
		return nil, fmt.Errorf("function %s answered something other than a scan response: %w", e.Function, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("function %s answered status %d: %s", e.Function, resp.StatusCode, resp.Body)
	}
	return &resp, nil
}

// decodeFunctionError reads the error payload Lambda returns with
// FunctionError set ({"errorMessage": ..., "errorType": ...}).
func decodeFunctionError(kind string, payload []byte) *FunctionError {
	var body struct {
		Type    string `json:"errorType"`
		Message string `json:"errorMessage"`
	}
	if err := json.Unmarshal(payload, &body); err != nil || body.Message == "" {
		const limit = 500
		msg := string(payload)
		if len(msg) > limit {
			msg = msg[:limit] + "..."
		}
		return &FunctionError{Type: kind, Message: msg}
	}
	if body.Type == "" {
		body.Type = kind
	}
	return &FunctionError{Type: body.Type, Message: body.Message}
}

// isThrottle tells a call refused for lack of concurrency.
func isThrottle(err error) bool {
	if err == nil {
		return false
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "TooManyRequestsException" {
		return true
	}
	return httpStatus(err) == http.StatusTooManyRequests
}

// isRetryable tells a failure that another attempt may not repeat: a
// function error other than InputError, a 5xx answer, or a call that got
// no answer at all (connection refused or reset).
func isRetryable(err error) bool {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return fe.Type != errorTypeInput
	}
	if s := httpStatus(err); s != 0 {
		return s >= 500
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorFault() == smithy.FaultServer
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// httpStatus is the status of the HTTP answer behind an SDK error or a
// function URL's, 0 when there was none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	var ue *URLError
	if errors.As(err, &ue) {
		return ue.Status
	}
	return 0
}

// ErrorType is the kind of failure for a manifest: the function's
// errorType, the Lambda API's error code (a function URL's, or its HTTP
// status), or "" for others.
func ErrorType(err error) string {
	var fe *FunctionError
	if errors.As(err, &fe) {
		return fe.Type
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	var ue *URLError
	if errors.As(err, &ue) {
		if ue.Code != "" {
			return ue.Code
		}
		return fmt.Sprintf("HTTP %d", ue.Status)
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return errorTypeInput
	}
	var re *RetryableError
	if errors.As(err, &re) {
		return "RetryableError"
	}
	return ""
}
