package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"gokerchunk/internal/awsemu"
	"gokerchunk/lambdadeploy"
)

// The lambda deploy/url/remove tests run the CLI against moto's server
// (internal/awsemu) and read back what it holds with the SDK. The
// function's code is a small fake zip: moto stores it without running it;
// the real package's selection and build are tested in lambdadeploy.

// deployEnv is one moto server with the SDK pointed at it, clients to read
// it back, and a fake deployment package.
type deployEnv struct {
	clients *lambdadeploy.Clients
	zip     string
}

func newDeployEnv(t *testing.T) *deployEnv {
	t.Helper()
	srv := awsemu.Start(t)
	srv.Env(t)
	clients, err := lambdadeploy.NewClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &deployEnv{clients: clients, zip: fakeZip(t, "v1")}
}

// fakeZip writes a zip holding a bootstrap whose content is body.
func fakeZip(t *testing.T, body string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte("#!/bin/sh\n# " + body + "\n"))
	zw.Close()
	p := filepath.Join(t.TempDir(), "fake-"+body+".zip")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mustRun runs the CLI and fails t unless it exits 0.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("gokerchunk %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

func (e *deployEnv) config(t *testing.T, function string) *lambda.GetFunctionConfigurationOutput {
	t.Helper()
	out, err := e.clients.Lambda.GetFunctionConfiguration(context.Background(), &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)})
	if err != nil {
		t.Fatalf("GetFunctionConfiguration %s: %v", function, err)
	}
	return out
}

// unrelated creates a role and a function directly, as someone else
// would, which deploy and remove must leave alone.
func (e *deployEnv) unrelated(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	role, err := e.clients.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("someone-elses-role"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(e.zip)
	if _, err := e.clients.Lambda.CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("someone-elses-function"),
		Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"), Role: role.Role.Arn,
		Code: &types.FunctionCode{ZipFile: b}}); err != nil {
		t.Fatal(err)
	}
}

func TestLambdaDeployCreateUpdate(t *testing.T) {
	e := newDeployEnv(t)
	e.unrelated(t)
	ctx := context.Background()
	args := []string{"lambda", "deploy", "--function", "gk-test", "--bucket", "archive-bucket", "--bucket", "refs-bucket",
		"--memory", "1536", "--timeout", "120", "--arch", "amd64", "--zip", e.zip}

	out, _ := mustRun(t, args...)
	for _, want := range []string{"created role gokerchunk-gk-test", "put role policy", "created function gk-test (x86_64, 1536 MB, 120 s"} {
		if !strings.Contains(out, want) {
			t.Errorf("first deploy: output lacks %q:\n%s", want, out)
		}
	}
	role, err := e.clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("gokerchunk-gk-test")})
	if err != nil {
		t.Fatal(err)
	}
	if p := aws.ToString(role.Role.Path); p != lambdadeploy.RolePath {
		t.Errorf("role path %q, want %q", p, lambdadeploy.RolePath)
	}
	if doc := aws.ToString(role.Role.AssumeRolePolicyDocument); !strings.Contains(doc, "lambda.amazonaws.com") {
		t.Errorf("trust policy %s does not name lambda.amazonaws.com", doc)
	}
	pol, err := e.clients.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("gokerchunk-gk-test"), PolicyName: aws.String("gokerchunk-function")})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := url.PathUnescape(aws.ToString(pol.PolicyDocument)) // IAM answers it URL-encoded
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"arn:aws:s3:::archive-bucket/*", "arn:aws:s3:::refs-bucket", "s3:GetObject", "s3:PutObject", "s3:ListBucket", "logs:PutLogEvents"} {
		if !strings.Contains(doc, want) {
			t.Errorf("role policy lacks %s: %s", want, doc)
		}
	}
	conf := e.config(t, "gk-test")
	if aws.ToInt32(conf.MemorySize) != 1536 || aws.ToInt32(conf.Timeout) != 120 ||
		!slices.Equal(conf.Architectures, []types.Architecture{types.ArchitectureX8664}) ||
		aws.ToString(conf.Role) != aws.ToString(role.Role.Arn) || conf.Runtime != types.RuntimeProvidedal2023 ||
		aws.ToString(conf.Handler) != "bootstrap" {
		t.Errorf("function: memory %d, timeout %d, architectures %v, role %s, runtime %s, handler %s; want 1536, 120, [x86_64], %s, provided.al2023, bootstrap",
			aws.ToInt32(conf.MemorySize), aws.ToInt32(conf.Timeout), conf.Architectures, aws.ToString(conf.Role),
			conf.Runtime, aws.ToString(conf.Handler), aws.ToString(role.Role.Arn))
	}
	if conf.State != types.StateActive {
		t.Errorf("state %s after deploy, want Active", conf.State)
	}

	// The same command again changes nothing.
	out, _ = mustRun(t, args...)
	if !strings.Contains(out, "no change") || strings.Contains(out, "updated") || strings.Contains(out, "created") {
		t.Errorf("second deploy:\n%s\nwant only no change", out)
	}
	again := e.config(t, "gk-test")
	if aws.ToString(again.RevisionId) != aws.ToString(conf.RevisionId) || aws.ToString(again.LastModified) != aws.ToString(conf.LastModified) {
		t.Errorf("second deploy changed the function: revision %s → %s, modified %s → %s",
			aws.ToString(conf.RevisionId), aws.ToString(again.RevisionId), aws.ToString(conf.LastModified), aws.ToString(again.LastModified))
	}

	// A changed --memory is updated, and only it.
	args[slices.Index(args, "1536")] = "2048"
	out, _ = mustRun(t, args...)
	if !strings.Contains(out, "updated memory 1536 → 2048 MB") || strings.Contains(out, "updated code") || strings.Contains(out, "updated timeout") {
		t.Errorf("deploy --memory 2048:\n%s", out)
	}
	if m := aws.ToInt32(e.config(t, "gk-test").MemorySize); m != 2048 {
		t.Errorf("memory %d after the update, want 2048", m)
	}

	// New code, and a reserved concurrency. (Not another architecture:
	// moto's UpdateFunctionCode ignores Architectures, which Lambda
	// honours.)
	args[slices.Index(args, e.zip)] = fakeZip(t, "v2")
	out, _ = mustRun(t, append(args, "--reserved-concurrency", "7")...)
	for _, want := range []string{"updated code", "reserved concurrency 7"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy with new code: output lacks %q:\n%s", want, out)
		}
	}
	if sha := aws.ToString(e.config(t, "gk-test").CodeSha256); sha == aws.ToString(conf.CodeSha256) {
		t.Errorf("code SHA256 %s unchanged after new code", sha)
	}
	fn, err := e.clients.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("gk-test")})
	if err != nil {
		t.Fatal(err)
	}
	if fn.Concurrency == nil || aws.ToInt32(fn.Concurrency.ReservedConcurrentExecutions) != 7 {
		t.Errorf("reserved concurrency %+v, want 7", fn.Concurrency)
	}
	out, _ = mustRun(t, append(args, "--reserved-concurrency", "7")...)
	if !strings.Contains(out, "no change") {
		t.Errorf("deploy again with the new code:\n%s\nwant no change", out)
	}

	// A function of the same name made otherwise is refused.
	code, _, stderr := runCLI(t, "lambda", "deploy", "--function", "someone-elses-function", "--bucket", "archive-bucket", "--zip", e.zip)
	if code != exitFailures || !strings.Contains(stderr, "refusing to change it") {
		t.Errorf("deploy over someone else's function: exit %d, %s", code, stderr)
	}
}

func TestLambdaDeployURL(t *testing.T) {
	e := newDeployEnv(t)
	ctx := context.Background()
	mustRun(t, "lambda", "deploy", "--function", "gk-url", "--bucket", "archive-bucket", "--zip", e.zip)

	out, _ := mustRun(t, "lambda", "url", "on", "--function", "gk-url")
	url := regexp.MustCompile(`(?m)^https://\S+$`).FindString(out)
	if url == "" || !strings.Contains(out, "created function URL (auth AWS_IAM)") {
		t.Fatalf("url on printed no URL:\n%s", out)
	}
	cfg, err := e.clients.Lambda.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("gk-url")})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AuthType != types.FunctionUrlAuthTypeAwsIam || aws.ToString(cfg.FunctionUrl) != url {
		t.Errorf("URL config: auth %s, URL %s; want AWS_IAM, %s", cfg.AuthType, aws.ToString(cfg.FunctionUrl), url)
	}
	out, _ = mustRun(t, "lambda", "url", "on", "--function", "gk-url")
	if !strings.Contains(out, "no change") || !strings.Contains(out, url) {
		t.Errorf("url on again:\n%s\nwant no change and %s", out, url)
	}

	// Public only when asked, with a warning and the permissions it needs.
	out, stderr := mustRun(t, "lambda", "url", "on", "--function", "gk-url", "--auth", "none")
	if !strings.Contains(stderr, "warning") || !strings.Contains(out, "AWS_IAM → NONE") {
		t.Errorf("url on --auth none: stdout\n%s\nstderr\n%s", out, stderr)
	}
	pol, err := e.clients.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("gk-url")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), "lambda:InvokeFunctionUrl") {
		t.Errorf("after --auth none the policy lacks lambda:InvokeFunctionUrl: %v %s", err, aws.ToString(pol.Policy))
	}

	out, _ = mustRun(t, "lambda", "url", "off", "--function", "gk-url")
	if !strings.Contains(out, "removed the function URL") || !strings.Contains(out, "removed permission gokerchunk-url-public") {
		t.Errorf("url off:\n%s", out)
	}
	var missing *types.ResourceNotFoundException
	if _, err := e.clients.Lambda.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String("gk-url")}); !errors.As(err, &missing) {
		t.Errorf("after url off, GetFunctionUrlConfig: %v, want ResourceNotFoundException", err)
	}
	if pol, err := e.clients.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("gk-url")}); err == nil && strings.Contains(aws.ToString(pol.Policy), "gokerchunk-url") {
		t.Errorf("after url off the policy still holds our statements: %s", aws.ToString(pol.Policy))
	}
	out, _ = mustRun(t, "lambda", "url", "off", "--function", "gk-url")
	if !strings.Contains(out, "nothing to remove") {
		t.Errorf("url off again:\n%s", out)
	}
}

// TestLambdaDeployTriggerRemove deploys with an S3 trigger into a bucket
// that already has a notification of its own, then removes everything and
// checks that only what deploy made is gone.
func TestLambdaDeployTriggerRemove(t *testing.T) {
	e := newDeployEnv(t)
	e.unrelated(t)
	ctx := context.Background()
	for _, b := range []string{"archive-bucket", "refs-bucket"} {
		if _, err := e.clients.S3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	other := s3types.LambdaFunctionConfiguration{Id: aws.String("someone-elses"),
		LambdaFunctionArn: e.config(t, "someone-elses-function").FunctionArn,
		Events:            []s3types.Event{"s3:ObjectRemoved:*"}}
	if _, err := e.clients.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("archive-bucket"),
		NotificationConfiguration: &s3types.NotificationConfiguration{LambdaFunctionConfigurations: []s3types.LambdaFunctionConfiguration{other}}}); err != nil {
		t.Fatal(err)
	}

	// Both flags or neither; an output inside the trigger's scope is
	// allowed (the .json sidecars cannot match the input suffixes), with
	// a note.
	if code, _, stderr := runCLI(t, "lambda", "deploy", "--function", "gk-trig", "--bucket", "archive-bucket", "--zip", e.zip,
		"--trigger", "s3://archive-bucket/incoming/"); code != exitUsage {
		t.Errorf("--trigger without --output: exit %d, %s", code, stderr)
	}
	args := []string{"lambda", "deploy", "--function", "gk-trig", "--bucket", "archive-bucket", "--zip", e.zip,
		"--trigger", "s3://archive-bucket/incoming/", "--output", "s3://refs-bucket/refs/"}
	out, _ := mustRun(t, args...)
	for _, want := range []string{"set environment GOKERCHUNK_OUTPUT_PREFIX=s3://refs-bucket/refs/", "added permission gokerchunk-s3-trigger", "put bucket notification"} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy --trigger: output lacks %q:\n%s", want, out)
		}
	}
	conf := e.config(t, "gk-trig")
	if v := conf.Environment.Variables[lambdadeploy.OutputPrefixEnv]; v != "s3://refs-bucket/refs/" {
		t.Errorf("%s=%q, want s3://refs-bucket/refs/", lambdadeploy.OutputPrefixEnv, v)
	}
	pol, err := e.clients.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String("gk-trig")})
	if err != nil || !strings.Contains(aws.ToString(pol.Policy), "arn:aws:s3:::archive-bucket") || !strings.Contains(aws.ToString(pol.Policy), "s3.amazonaws.com") {
		t.Errorf("function policy lacks the S3 permission: %v %s", err, aws.ToString(pol.Policy))
	}
	nc, err := e.clients.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("archive-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, c := range nc.LambdaFunctionConfigurations {
		ids[aws.ToString(c.Id)] = true
		if strings.HasPrefix(aws.ToString(c.Id), "gokerchunk-gk-trig.") {
			if aws.ToString(c.LambdaFunctionArn) != aws.ToString(conf.FunctionArn) || !slices.Equal(c.Events, []s3types.Event{"s3:ObjectCreated:*"}) {
				t.Errorf("notification %s: function %s, events %v", aws.ToString(c.Id), aws.ToString(c.LambdaFunctionArn), c.Events)
			}
			rules := map[string]string{}
			for _, r := range c.Filter.Key.FilterRules {
				rules[strings.ToLower(string(r.Name))] = aws.ToString(r.Value)
			}
			if rules["prefix"] != "incoming/" || !strings.HasPrefix(rules["suffix"], ".") {
				t.Errorf("notification %s: filter %v", aws.ToString(c.Id), rules)
			}
		}
	}
	for _, want := range []string{"someone-elses", "gokerchunk-gk-trig.nc", "gokerchunk-gk-trig.h5", "gokerchunk-gk-trig.hdf5"} {
		if !ids[want] {
			t.Errorf("bucket notification lacks %s: has %v", want, ids)
		}
	}
	out, _ = mustRun(t, args...)
	if !strings.Contains(out, "no change") {
		t.Errorf("second deploy --trigger:\n%s\nwant no change", out)
	}

	// Deploy makes the function match the command line: without
	// --trigger the trigger goes (the other notification stays), and
	// comes back with it.
	out, _ = mustRun(t, args[:len(args)-4]...)
	for _, want := range []string{"removed bucket notification of s3://archive-bucket", "removed permission gokerchunk-s3-trigger", `GOKERCHUNK_OUTPUT_PREFIX="s3://refs-bucket/refs/" → ""`} {
		if !strings.Contains(out, want) {
			t.Errorf("deploy without --trigger: output lacks %q:\n%s", want, out)
		}
	}
	if env := e.config(t, "gk-trig").Environment; env != nil && env.Variables[lambdadeploy.OutputPrefixEnv] != "" {
		t.Errorf("%s still set without --trigger", lambdadeploy.OutputPrefixEnv)
	}
	nc, err = e.clients.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("archive-bucket")})
	if err != nil || len(nc.LambdaFunctionConfigurations) != 1 {
		t.Errorf("bucket notification without --trigger: %v %+v, want only someone-elses", err, nc.LambdaFunctionConfigurations)
	}
	mustRun(t, args...)
	mustRun(t, "lambda", "url", "on", "--function", "gk-trig")

	out, _ = mustRun(t, "lambda", "remove", "--function", "gk-trig")
	for _, want := range []string{"removed bucket notification of s3://archive-bucket", "removed permission gokerchunk-s3-trigger",
		"removed the function URL", "removed function gk-trig", "removed role policy gokerchunk-function", "removed role gokerchunk-gk-trig"} {
		if !strings.Contains(out, want) {
			t.Errorf("remove: output lacks %q:\n%s", want, out)
		}
	}
	fns, err := e.clients.Lambda.ListFunctions(ctx, &lambda.ListFunctionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fns.Functions {
		names = append(names, aws.ToString(f.FunctionName))
	}
	if !slices.Equal(names, []string{"someone-elses-function"}) {
		t.Errorf("functions after remove: %v, want only someone-elses-function", names)
	}
	ours, err := e.clients.IAM.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String(lambdadeploy.RolePath)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ours.Roles) != 0 {
		t.Errorf("roles under %s after remove: %d", lambdadeploy.RolePath, len(ours.Roles))
	}
	if _, err := e.clients.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("someone-elses-role")}); err != nil {
		t.Errorf("the unrelated role did not survive: %v", err)
	}
	nc, err = e.clients.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("archive-bucket")})
	if err != nil {
		t.Fatal(err)
	}
	if len(nc.LambdaFunctionConfigurations) != 1 || aws.ToString(nc.LambdaFunctionConfigurations[0].Id) != "someone-elses" {
		t.Errorf("bucket notification after remove: %+v, want only someone-elses", nc.LambdaFunctionConfigurations)
	}

	out, _ = mustRun(t, "lambda", "remove", "--function", "gk-trig")
	if !strings.Contains(out, "nothing to remove") {
		t.Errorf("second remove:\n%s", out)
	}
	out, _ = mustRun(t, "lambda", "remove", "--function", "someone-elses-function")
	if !strings.Contains(out, "left function someone-elses-function") {
		t.Errorf("remove of someone else's function:\n%s", out)
	}
	if _, err := e.clients.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String("someone-elses-function")}); err != nil {
		t.Errorf("the unrelated function did not survive: %v", err)
	}
}

// TestLambdaDeployUsage: bad command lines fail with status 2 before any
// AWS call (no emulator needed).
func TestLambdaDeployUsage(t *testing.T) {
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1") // nothing listens: a call would fail with 1
	for _, args := range [][]string{
		{"lambda", "deploy", "--function", "f"},
		{"lambda", "deploy", "--function", "f", "--bucket", "b", "--arch", "386"},
		{"lambda", "deploy", "--function", "f", "--bucket", "b", "--memory", "64"},
		{"lambda", "deploy", "--function", "f", "--bucket", "b", "--output", "s3://b/refs/"},
		{"lambda", "deploy", "--function", "f", "--bucket", "b", "--trigger", "/local/dir", "--output", "s3://b/refs/"},
		{"lambda", "url", "sideways", "--function", "f"},
		{"lambda", "url", "on", "--function", "f", "--auth", "open"},
		{"lambda", "remove", "--function", "f", "extra"},
		{"lambda", "remove"},
		{"lambda", "url", "on"},
		{"lambda", "deploy", "--bucket", "b"},
	} {
		if code, _, stderr := runCLI(t, args...); code != exitUsage {
			t.Errorf("gokerchunk %s: exit %d, want %d: %s", strings.Join(args, " "), code, exitUsage, stderr)
		}
	}
}
