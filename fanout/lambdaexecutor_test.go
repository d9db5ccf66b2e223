package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"gokerchunk/internal/lambdatest"
)

// fakeInvoker answers each call with answer(call number from 1, request).
type fakeInvoker struct {
	mu     sync.Mutex
	calls  int
	answer func(call int, req testRequest) (*lambda.InvokeOutput, error)
}

func (f *fakeInvoker) Invoke(_ context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	var req testRequest
	if err := json.Unmarshal(in.Payload, &req); err != nil {
		return nil, err
	}
	return f.answer(n, req)
}

func okOutput(req testRequest) (*lambda.InvokeOutput, error) {
	b, _ := json.Marshal(Response{StatusCode: 200, Input: req.Input, Output: req.Output, Stats: Stats{Arrays: 2, Chunks: 5}})
	return &lambda.InvokeOutput{StatusCode: 200, Payload: b}, nil
}

func functionErrorOutput(typ, msg string) (*lambda.InvokeOutput, error) {
	b, _ := json.Marshal(map[string]string{"errorType": typ, "errorMessage": msg})
	return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: b}, nil
}

// apiError is an error as the SDK returns it for an HTTP error answer.
func apiError(status int, code string) error {
	return &smithy.OperationError{ServiceID: "Lambda", OperationName: "Invoke", Err: &awshttp.ResponseError{
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "from the fake"},
		},
	}}
}

var fastRetries = RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}

func TestLambdaExecutorRetries(t *testing.T) {
	req := testRequest{Input: "s3://b/in.nc", Output: "s3://b/out/in.nc.json", InlineThreshold: 500}
	for _, tc := range []struct {
		name string
		// answer for call n; calls beyond the list succeed
		answers       []func() (*lambda.InvokeOutput, error)
		policy        RetryPolicy
		wantErr       string // "" for success
		wantErrType   string
		wantAttempts  int
		wantThrottles int
	}{
		{name: "first call", wantAttempts: 1},
		{name: "throttled twice", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) { return nil, apiError(429, "TooManyRequestsException") },
			func() (*lambda.InvokeOutput, error) { return nil, apiError(429, "TooManyRequestsException") },
		}, wantAttempts: 1, wantThrottles: 2},
		{name: "5xx then ok", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) { return nil, apiError(500, "ServiceException") },
			func() (*lambda.InvokeOutput, error) { return nil, apiError(502, "EC2UnexpectedException") },
		}, wantAttempts: 3},
		{name: "connection reset then ok", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return nil, &smithy.OperationError{ServiceID: "Lambda", OperationName: "Invoke", Err: syscall.ECONNRESET}
			},
		}, wantAttempts: 2},
		{name: "crash twice then ok", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("string", "s3://b/in.nc: internal error")
			},
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("Runtime.ExitError", "Runtime exited")
			},
		}, wantAttempts: 3},
		{name: "crash every time", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("string", "s3://b/in.nc: internal error")
			},
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("string", "s3://b/in.nc: internal error")
			},
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("string", "s3://b/in.nc: internal error")
			},
		}, wantErr: "s3://b/in.nc: internal error (string)", wantErrType: "string", wantAttempts: 3},
		{name: "timeout, attempts bounded at 2", policy: RetryPolicy{MaxAttempts: 2}, answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("Sandbox.Timedout", "Task timed out after 1.00 seconds")
			},
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("Sandbox.Timedout", "Task timed out after 1.00 seconds")
			},
		}, wantErr: "s3://b/in.nc: Task timed out after 1.00 seconds (Sandbox.Timedout)", wantErrType: "Sandbox.Timedout", wantAttempts: 2},
		{name: "input error is not retried", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return functionErrorOutput("InputError", "s3://b/in.nc: not an HDF5 file")
			},
		}, wantErr: "not an HDF5 file", wantErrType: "InputError", wantAttempts: 1},
		{name: "function not found is not retried", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) { return nil, apiError(404, "ResourceNotFoundException") },
		}, wantErr: "ResourceNotFoundException", wantErrType: "ResourceNotFoundException", wantAttempts: 1},
		{name: "throttled beyond the limit", policy: RetryPolicy{MaxThrottles: 3}, answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) { return nil, apiError(429, "TooManyRequestsException") },
			func() (*lambda.InvokeOutput, error) { return nil, apiError(429, "TooManyRequestsException") },
			func() (*lambda.InvokeOutput, error) { return nil, apiError(429, "TooManyRequestsException") },
		}, wantErr: "TooManyRequestsException", wantErrType: "TooManyRequestsException", wantAttempts: 0, wantThrottles: 3},
		{name: "garbled answer is retried", answers: []func() (*lambda.InvokeOutput, error){
			func() (*lambda.InvokeOutput, error) {
				return &lambda.InvokeOutput{StatusCode: 200, Payload: []byte("{")}, nil
			},
		}, wantAttempts: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{answer: func(n int, got testRequest) (*lambda.InvokeOutput, error) {
				if !reflect.DeepEqual(got, req) {
					t.Errorf("call %d sent %+v, want %+v", n, got, req)
				}
				if n <= len(tc.answers) {
					return tc.answers[n-1]()
				}
				return okOutput(got)
			}}
			policy := tc.policy
			policy.BaseDelay, policy.MaxDelay = fastRetries.BaseDelay, fastRetries.MaxDelay
			ex := &LambdaExecutor{Client: inv, Function: "fn", Retry: policy}
			var retries []Retry
			res := ex.Execute(context.Background(), req, func(r Retry) { retries = append(retries, r) })
			if res.Attempts != tc.wantAttempts || res.Throttles != tc.wantThrottles {
				t.Errorf("%d attempts, %d throttles; want %d, %d", res.Attempts, res.Throttles, tc.wantAttempts, tc.wantThrottles)
			}
			if inv.calls != res.Attempts+res.Throttles {
				t.Errorf("%d calls for %d attempts + %d throttles", inv.calls, res.Attempts, res.Throttles)
			}
			if len(retries) != inv.calls-1 {
				t.Errorf("%d retries reported for %d calls", len(retries), inv.calls)
			}
			if res.Input != req.Input || res.Output != req.Output || res.Seconds <= 0 {
				t.Errorf("result %+v", res)
			}
			if tc.wantErr == "" {
				if res.Err != nil || res.Response == nil || res.Response.Stats.Chunks != 5 {
					t.Fatalf("err %v, response %+v", res.Err, res.Response)
				}
				return
			}
			if res.Err == nil || !strings.Contains(res.Err.Error(), tc.wantErr) || !strings.HasPrefix(res.Err.Error(), req.Input) {
				t.Fatalf("error %v, want one naming %s and %q", res.Err, req.Input, tc.wantErr)
			}
			if got := ErrorType(res.Err); got != tc.wantErrType {
				t.Errorf("ErrorType %q, want %q", got, tc.wantErrType)
			}
		})
	}
}

func TestLambdaExecutorStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inv := &fakeInvoker{answer: func(n int, _ testRequest) (*lambda.InvokeOutput, error) {
		cancel()
		return nil, apiError(429, "TooManyRequestsException")
	}}
	ex := &LambdaExecutor{Client: inv, Function: "fn", Retry: RetryPolicy{BaseDelay: time.Hour}}
	start := time.Now()
	res := ex.Execute(ctx, testRequest{Input: "a", Output: "b"}, nil)
	if !errors.Is(res.Err, context.Canceled) || time.Since(start) > 10*time.Second || inv.calls != 1 {
		t.Fatalf("err %v after %v and %d calls", res.Err, time.Since(start), inv.calls)
	}
}

func TestRetryDelay(t *testing.T) {
	p := RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	for n, want := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 60: time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.Delay(n)
			if d < want/2 || d > want {
				t.Fatalf("retry %d: delay %v outside [%v, %v]", n, d, want/2, want)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("retry %d: only %d distinct delays in 200: no jitter", n, len(seen))
		}
	}
	if d := (RetryPolicy{}).Delay(1); d < DefaultRetryPolicy.BaseDelay/2 || d > DefaultRetryPolicy.BaseDelay {
		t.Errorf("default first delay %v", d)
	}
}

// TestLambdaExecutorThroughFront runs the real SDK client against the test
// front (backends answering as the RIE does): the SDK's errors for 429,
// 5xx and 404 are classified as the fakes above assume, and the SDK makes
// no retries of its own.
func TestLambdaExecutorThroughFront(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req testRequest
		json.NewDecoder(r.Body).Decode(&req)
		time.Sleep(2 * time.Millisecond)
		switch {
		case strings.Contains(req.Input, "bad"):
			io.WriteString(w, `{"errorType":"InputError","errorMessage":"`+req.Input+`: not an HDF5 file"}`)
		case strings.Contains(req.Input, "crash"):
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"errorType":"string","errorMessage":"`+req.Input+`: internal error"}`)
		default:
			b, _ := json.Marshal(Response{StatusCode: 200, Input: req.Input, Output: req.Output, Stats: Stats{Chunks: 1}})
			w.Write(b)
		}
	}))
	defer backend.Close()
	front := lambdatest.NewFront("gk", []string{backend.URL}, lambdatest.FrontOptions{
		Latency: 5 * time.Millisecond,
		Inject: func(n int64) int {
			if n == 1 {
				return http.StatusInternalServerError
			}
			return 0
		},
	})
	defer front.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	client, err := NewLambdaClient(context.Background(), front.URL)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []Request
	for i := range 6 {
		reqs = append(reqs, testRequest{Input: fmt.Sprintf("/in/ok%d.nc", i), Output: fmt.Sprintf("/out/ok%d.json", i)})
	}
	reqs = append(reqs, testRequest{Input: "/in/bad.nc", Output: "/out/bad.json"}, testRequest{Input: "/in/crash.nc", Output: "/out/crash.json"})
	// One backend, four callers: throttles all the time, so backoff must
	// spread the callers out before MaxThrottles is reached.
	ex := &LambdaExecutor{Client: client, Function: "gk", Retry: RetryPolicy{BaseDelay: 2 * time.Millisecond, MaxDelay: 50 * time.Millisecond}}
	var last Progress
	results := RunJobs(context.Background(), ex, reqs, 4, func(p Progress) { last = p })
	attempts, throttles := 0, 0
	for i, r := range results {
		attempts += r.Attempts
		throttles += r.Throttles
		switch {
		case i < 6:
			if in, _ := reqs[i].Target(); r.Err != nil || r.Response.Input != in {
				t.Errorf("%s: %v", in, r.Err)
			}
		case strings.Contains(r.Input, "bad"):
			if ErrorType(r.Err) != "InputError" || r.Attempts != 1 {
				t.Errorf("bad input: %v after %d attempts", r.Err, r.Attempts)
			}
		default:
			if ErrorType(r.Err) != "string" || r.Attempts != 3 || !strings.Contains(r.Err.Error(), "/in/crash.nc: internal error") {
				t.Errorf("crash: %v after %d attempts", r.Err, r.Attempts)
			}
		}
	}
	// One backend, four callers: throttles happen; every call is one
	// attempt or one throttle (no hidden SDK retries).
	if throttles == 0 || int64(throttles) != front.Throttles.Load() {
		t.Errorf("%d throttles seen, the front refused %d", throttles, front.Throttles.Load())
	}
	if int64(attempts+throttles) != front.Requests.Load() {
		t.Errorf("%d attempts + %d throttles, but the front got %d calls", attempts, throttles, front.Requests.Load())
	}
	if front.Injected.Load() != 1 {
		t.Errorf("the injected 500 was not met")
	}
	if last.Done != len(reqs) || last.Failed != 2 || last.Throttles != throttles || last.Retries != attempts-len(reqs) {
		t.Errorf("last progress %+v; %d attempts, %d throttles", last, attempts, throttles)
	}
}
