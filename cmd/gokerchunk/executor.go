package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"gokerchunk/fanout"
)

// defaultLambdaConcurrency is the Lambda executor's default: well under
// an account's usual 1000 concurrent executions, which other functions
// share.
const defaultLambdaConcurrency = 64

// executorFlags are the flags of every command that fans its inputs out:
// where each input's job runs and how many run at once. --concurrency
// means the same in every command (inputs in flight at once, whatever the
// executor); --workers is its old name, kept for scripts.
func executorFlags(what, localDefault string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "executor", Value: "local", Usage: "where the inputs are " + what + ": local (this process), lambda (one AWS Lambda invocation per input) or http (one POST per input to a gokerchunk serve endpoint)"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"workers"}, Usage: "inputs " + what + " at once",
			DefaultText: localDefault + " locally, " + strconv.Itoa(defaultLambdaConcurrency) + " on Lambda, " + strconv.Itoa(httpConcurrencyPerEndpoint) + " per endpoint over HTTP"},
		&cli.StringFlag{Name: "function", Value: "gokerchunk", Usage: "the Lambda function (name or ARN) running gokerchunk-lambda, for --executor lambda"},
		&cli.StringFlag{Name: "lambda-endpoint", Usage: "the Lambda API endpoint URL, for --executor lambda", DefaultText: "AWS's, or AWS_ENDPOINT_URL_LAMBDA"},
		&cli.StringFlag{Name: "function-url", Usage: "call the function through its function URL (requests SigV4-signed), for --executor lambda, instead of the Lambda API's Invoke"},
		&cli.StringSliceFlag{Name: "endpoint", Usage: "URL[,URL...] of gokerchunk serve servers, for --executor http (jobs are posted to URL/jobs)"},
		&cli.StringFlag{Name: "token-file", Usage: "a file holding the bearer token the servers' --token-file holds, for --executor http"},
	}
}

// httpConcurrencyPerEndpoint is the HTTP executor's default concurrency
// per endpoint: a server runs each job it is sent at once, and a few keep
// it busy while answers travel.
const httpConcurrencyPerEndpoint = 4

// Modal's proxy authentication: a web endpoint created with
// requires_proxy_auth=True wants these headers, read from these
// environment variables when both are set.
const (
	modalKeyEnv    = "MODAL_KEY"
	modalSecretEnv = "MODAL_SECRET"
)

// executorChoice is what the executor flags asked for, validated.
type executorChoice struct {
	kind        string // "local", "lambda" or "http"
	concurrency int
	function    string // the Lambda function
	endpoint    string // the Lambda API endpoint, "" for AWS's
	functionURL string // the function's URL, "" to call Invoke
	endpoints   []string
	tokenFile   string // the HTTP servers' token, "" for none
}

// parseExecutor reads the executor flags; localConcurrency is the
// command's default for the local executor.
func parseExecutor(c *cli.Context, localConcurrency int) (executorChoice, error) {
	e := executorChoice{kind: c.String("executor"), concurrency: c.Int("concurrency"),
		function: c.String("function"), endpoint: c.String("lambda-endpoint"), functionURL: c.String("function-url"),
		endpoints: splitList(c.StringSlice("endpoint")), tokenFile: c.String("token-file")}
	switch {
	case e.kind != "local" && e.kind != "lambda" && e.kind != "http":
		return e, usagef("--executor must be local, lambda or http, not %q", e.kind)
	case e.concurrency < 0:
		return e, usagef("--concurrency must be 1 or more")
	case e.http() && len(e.endpoints) == 0:
		return e, usagef("--executor http needs --endpoint URL[,URL...] (servers running gokerchunk serve)")
	case e.concurrency == 0 && e.lambda():
		e.concurrency = defaultLambdaConcurrency
	case e.concurrency == 0 && e.http():
		e.concurrency = httpConcurrencyPerEndpoint * len(e.endpoints)
	case e.concurrency == 0:
		e.concurrency = localConcurrency
	}
	for _, f := range []struct{ name, kind string }{{"function", "lambda"}, {"lambda-endpoint", "lambda"}, {"function-url", "lambda"}, {"endpoint", "http"}, {"token-file", "http"}} {
		if c.IsSet(f.name) && e.kind != f.kind {
			return e, usagef("--%s needs --executor %s", f.name, f.kind)
		}
	}
	if e.http() {
		for _, u := range e.endpoints {
			if _, err := fanout.JobURL(u); err != nil {
				return e, usagef("--endpoint: %v", err)
			}
		}
		if (os.Getenv(modalKeyEnv) == "") != (os.Getenv(modalSecretEnv) == "") {
			return e, usagef("Modal's proxy authentication needs both %s and %s set", modalKeyEnv, modalSecretEnv)
		}
	}
	if e.functionURL != "" {
		if c.IsSet("function") || c.IsSet("lambda-endpoint") {
			return e, usagef("--function-url names the function: give it without --function and --lambda-endpoint")
		}
		e.function = e.functionURL // as summaries and manifests name it
	}
	return e, nil
}

func (e executorChoice) lambda() bool { return e.kind == "lambda" }
func (e executorChoice) http() bool   { return e.kind == "http" }

// remote tells an executor that runs the jobs elsewhere: they cannot
// write to this process's standard output, and only the options a
// request carries travel with them.
func (e executorChoice) remote() bool { return e.kind != "local" }

// open makes the executor; the local one writes a job's "-" output to
// stdout.
func (e executorChoice) open(ctx context.Context, stdout io.Writer) (fanout.Executor, error) {
	if e.http() {
		return e.openHTTP()
	}
	if !e.lambda() {
		return fanout.LocalExecutor{Stdout: stdout}, nil
	}
	if e.functionURL != "" {
		url, err := fanout.NewFunctionURL(ctx, e.functionURL)
		if err != nil {
			return nil, err
		}
		return &fanout.LambdaExecutor{Transport: url, Function: e.functionURL, Retry: fanout.DefaultRetryPolicy}, nil
	}
	client, err := fanout.NewLambdaClient(ctx, e.endpoint)
	if err != nil {
		return nil, err
	}
	return &fanout.LambdaExecutor{Client: client, Function: e.function, Retry: fanout.DefaultRetryPolicy}, nil
}

// openHTTP makes the HTTP executor: the token from --token-file, and
// Modal's proxy-authentication headers from the environment.
func (e executorChoice) openHTTP() (fanout.Executor, error) {
	opts := fanout.HTTPOptions{TokenFile: e.tokenFile, Retry: fanout.DefaultRetryPolicy, Header: http.Header{}}
	if e.tokenFile != "" {
		var err error
		if opts.Token, err = readTokenFile(e.tokenFile); err != nil {
			return nil, err
		}
	}
	if key, secret := os.Getenv(modalKeyEnv), os.Getenv(modalSecretEnv); key != "" && secret != "" {
		opts.Header.Set("Modal-Key", key)
		opts.Header.Set("Modal-Secret", secret)
	}
	return fanout.NewHTTPExecutor(e.endpoints, opts)
}

// readTokenFile reads a bearer token: the file's content without the
// white space around it, which may not be empty.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("--token-file %s is empty", path)
	}
	if strings.ContainsAny(tok, " \t\r\n") {
		return "", fmt.Errorf("--token-file %s: a token is one word, without white space inside", path)
	}
	return tok, nil
}

// attemptTally counts what running the jobs cost beyond one call each.
type attemptTally struct{ attempts, retries, throttles int }

func tallyAttempts(results []fanout.JobResult) attemptTally {
	var t attemptTally
	for _, r := range results {
		t.attempts += r.Attempts
		t.retries += max(r.Attempts-1, 0)
		t.throttles += r.Throttles
	}
	return t
}

// describe is the summary's words for the executor's costs ("" locally).
func (t attemptTally) describe(e executorChoice) string {
	if e.http() {
		return fmt.Sprintf("over HTTP (%s): %s, %s, %d throttled", plural(len(e.endpoints), "endpoint"),
			plural(t.attempts, "request"), plural(t.retries, "retry"), t.throttles)
	}
	if !e.lambda() {
		return ""
	}
	return fmt.Sprintf("on Lambda %s: %s, %s, %d throttled", e.function,
		plural(t.attempts, "invocation"), plural(t.retries, "retry"), t.throttles)
}
