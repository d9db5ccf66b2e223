package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// sigV4 is the shape of a SigV4 Authorization header for Lambda.
var sigV4 = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDTEST/\d{8}/([a-z0-9-]+)/lambda/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$`)

// checkSigV4 tells whether r is signed as a function URL call must be, for
// region.
func checkSigV4(r *http.Request, region string) error {
	m := sigV4.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		return fmt.Errorf("Authorization %q is not SigV4 for lambda", r.Header.Get("Authorization"))
	}
	if m[1] != region {
		return fmt.Errorf("signed for region %s, not %s", m[1], region)
	}
	signed := ";" + m[2] + ";"
	for _, h := range []string{"host", "x-amz-date", "x-amz-content-sha256"} {
		if !strings.Contains(signed, ";"+h+";") {
			return fmt.Errorf("signed headers %s lack %s", m[2], h)
		}
	}
	if r.Header.Get("X-Amz-Date") == "" {
		return fmt.Errorf("no X-Amz-Date")
	}
	return nil
}

type urlAnswer struct {
	status int
	code   string // X-Amzn-ErrorType
	body   string
}

func TestFunctionURLRetries(t *testing.T) {
	req := testRequest{Input: "s3://b/in.nc", Output: "s3://b/out/in.nc.json"}
	ok := func() urlAnswer {
		b, _ := json.Marshal(Response{StatusCode: 200, Input: req.Input, Output: req.Output, Stats: Stats{Chunks: 5}})
		return urlAnswer{200, "", string(b)}
	}
	throttle := urlAnswer{429, "TooManyRequestsException", `{"Message":"Rate Exceeded."}`}
	for _, tc := range []struct {
		name          string
		answers       []urlAnswer // then ok
		wantErr       string
		wantErrType   string
		wantAttempts  int
		wantThrottles int
	}{
		{name: "first call", wantAttempts: 1},
		{name: "throttled twice", answers: []urlAnswer{throttle, throttle}, wantAttempts: 1, wantThrottles: 2},
		{name: "crash (502) then 500 then ok", answers: []urlAnswer{
			{502, "", `{"Message":"Internal Server Error"}`},
			{500, "", `{"errorType":"RetryableError","errorMessage":"s3://b/in.nc: writing: reset"}`},
		}, wantAttempts: 3},
		{name: "input error is not retried", answers: []urlAnswer{
			{400, "", `{"errorType":"InputError","errorMessage":"s3://b/in.nc: not an HDF5 file"}`},
		}, wantErr: "s3://b/in.nc: not an HDF5 file (InputError)", wantErrType: "InputError", wantAttempts: 1},
		{name: "forbidden is not retried", answers: []urlAnswer{
			{403, "AccessDeniedException", `{"Message":"Forbidden"}`},
		}, wantErr: "function URL answered 403 AccessDeniedException: Forbidden (the signed request was refused", wantErrType: "AccessDeniedException", wantAttempts: 1},
		{name: "503 every time", answers: []urlAnswer{{503, "", "busy"}, {503, "", "busy"}, {503, "", "busy"}},
			wantErr: "function URL answered 503: busy", wantErrType: "HTTP 503", wantAttempts: 3},
		{name: "not a response", answers: []urlAnswer{{200, "", `<html>`}}, wantAttempts: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				if err := checkSigV4(r, "eu-west-3"); err != nil {
					t.Errorf("call %d: %v", n, err)
				}
				var got testRequest
				b, _ := io.ReadAll(r.Body)
				if err := json.Unmarshal(b, &got); err != nil || got != req || r.Method != http.MethodPost {
					t.Errorf("call %d: %s %s", n, r.Method, b)
				}
				a := ok()
				if n <= len(tc.answers) {
					a = tc.answers[n-1]
				}
				if a.code != "" {
					w.Header().Set("X-Amzn-ErrorType", a.code)
				}
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
			}))
			defer srv.Close()
			fu := &FunctionURL{URL: srv.URL, Region: "eu-west-3", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
			ex := &LambdaExecutor{Transport: fu, Function: srv.URL, Retry: fastRetries}
			res := ex.Execute(context.Background(), req, nil)
			if res.Attempts != tc.wantAttempts || res.Throttles != tc.wantThrottles || int(calls.Load()) != res.Attempts+res.Throttles {
				t.Errorf("%d attempts, %d throttles in %d calls; want %d, %d", res.Attempts, res.Throttles, calls.Load(), tc.wantAttempts, tc.wantThrottles)
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
			if isPermanent(res.Err) != (tc.wantErrType == "InputError") {
				t.Errorf("permanent %v for %v", isPermanent(res.Err), res.Err)
			}
		})
	}
}

func TestNewFunctionURL(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_REGION", "us-east-1")
	for url, region := range map[string]string{
		"https://abcdefghij0123456789.lambda-url.ap-southeast-2.on.aws/": "ap-southeast-2",
		"http://127.0.0.1:9999/": "us-east-1",
	} {
		fu, err := NewFunctionURL(context.Background(), url)
		if err != nil || fu.Region != region {
			t.Errorf("%s: %+v, %v; want region %s", url, fu, err, region)
		}
	}
	if _, err := NewFunctionURL(context.Background(), "ftp://x/"); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("ftp URL: %v", err)
	}
	t.Setenv("AWS_REGION", "")
	if _, err := NewFunctionURL(context.Background(), "http://127.0.0.1:9999/"); err == nil || !strings.Contains(err.Error(), "no region") {
		t.Errorf("no region: %v", err)
	}
}
