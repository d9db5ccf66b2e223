package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

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
		&cli.StringFlag{Name: "executor", Value: "local", Usage: "where the inputs are " + what + ": local (this process) or lambda (one AWS Lambda invocation per input)"},
		&cli.IntFlag{Name: "concurrency", Aliases: []string{"workers"}, Usage: "inputs " + what + " at once (default: " + localDefault + " locally, " + strconv.Itoa(defaultLambdaConcurrency) + " on Lambda)"},
		&cli.StringFlag{Name: "function", Value: "gokerchunk", Usage: "the Lambda function (name or ARN) running gokerchunk-lambda, for --executor lambda"},
		&cli.StringFlag{Name: "lambda-endpoint", Usage: "the Lambda API endpoint URL, for --executor lambda (default: AWS's, or AWS_ENDPOINT_URL_LAMBDA)"},
		&cli.StringFlag{Name: "function-url", Usage: "call the function through its function URL (requests SigV4-signed), for --executor lambda, instead of the Lambda API's Invoke"},
	}
}

// executorChoice is what the executor flags asked for, validated.
type executorChoice struct {
	kind        string // "local" or "lambda"
	concurrency int
	function    string // the Lambda function
	endpoint    string // the Lambda API endpoint, "" for AWS's
	functionURL string // the function's URL, "" to call Invoke
}

// parseExecutor reads the executor flags; localConcurrency is the
// command's default for the local executor.
func parseExecutor(c *cli.Context, localConcurrency int) (executorChoice, error) {
	e := executorChoice{kind: c.String("executor"), concurrency: c.Int("concurrency"),
		function: c.String("function"), endpoint: c.String("lambda-endpoint"), functionURL: c.String("function-url")}
	switch {
	case e.kind != "local" && e.kind != "lambda":
		return e, usagef("--executor must be local or lambda, not %q", e.kind)
	case e.concurrency < 0:
		return e, usagef("--concurrency must be 1 or more")
	case e.concurrency == 0 && e.kind == "lambda":
		e.concurrency = defaultLambdaConcurrency
	case e.concurrency == 0:
		e.concurrency = localConcurrency
	}
	for _, name := range []string{"function", "lambda-endpoint", "function-url"} {
		if c.IsSet(name) && e.kind != "lambda" {
			return e, usagef("--%s needs --executor lambda", name)
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

// open makes the executor; the local one writes a job's "-" output to
// stdout.
func (e executorChoice) open(ctx context.Context, stdout io.Writer) (fanout.Executor, error) {
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
	if !e.lambda() {
		return ""
	}
	return fmt.Sprintf("on Lambda %s: %s, %s, %d throttled", e.function,
		plural(t.attempts, "invocation"), plural(t.retries, "retry"), t.throttles)
}
