// Command gokerchunk-lambda is the AWS Lambda function (the bootstrap of a
// provided.al2023 custom runtime) that runs one job per invocation: scans
// one input and writes its kerchunk sidecar, or converts one CSV input into
// a partitioned Parquet dataset (csv2parquet). The logic is fanout.LambdaHandler,
// the jobs are scan's and convert's; this only hands it the runtime's
// invocations: direct requests, function URL requests and S3 notifications
// (fanout.LambdaHandler.HandleEvent). Build it as Lambda runs it:
//
//	CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap ./cmd/gokerchunk-lambda
//
// See README.md beside this file for the event, the response and how to
// deploy it.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"gokerchunk/fanout"

	// The jobs the function runs register themselves with fanout.
	_ "gokerchunk/convert"
	_ "gokerchunk/scan"
)

func main() {
	h := fanout.NewLambdaHandler(os.Stderr, os.Getenv)
	lambda.Start(func(ctx context.Context, event json.RawMessage) (any, error) {
		var requestID string
		if lc, ok := lambdacontext.FromContext(ctx); ok {
			requestID = lc.AwsRequestID
		}
		return h.HandleEvent(ctx, requestID, event)
	})
}
