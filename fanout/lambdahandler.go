package fanout

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxEventSize bounds the payload decoded: Lambda's own limit for a
// synchronous invocation is 6 MB, and a request is a few hundred bytes.
const maxEventSize = 256 << 10

// DecodeEvent turns a Lambda payload into the request of the job it names
// ("job", DefaultJob when absent): the fields every job shares are read
// here, input and output also under the names other kerchunk fan-out
// drivers send (input_path, output_path), and the rest by the job's
// Decode. Unknown fields are refused rather than ignored, so that a
// misspelt option fails loudly instead of running with a default; another
// job's option is refused by name unless it sets nothing (null, false, 0
// or "").
func DecodeEvent(payload []byte) (Request, error) {
	if len(payload) > maxEventSize {
		return nil, &InputError{Err: fmt.Errorf("event of %d bytes: more than the %d a request can need", len(payload), maxEventSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return nil, &InputError{Err: fmt.Errorf("bad event: %w", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &InputError{Err: errors.New("bad event: data after the JSON object")}
	}
	var shared struct{ job, input, output, inputPath, outputPath string }
	for _, f := range []struct {
		name string
		val  *string
	}{{"job", &shared.job}, {"input", &shared.input}, {"output", &shared.output}, {"input_path", &shared.inputPath}, {"output_path", &shared.outputPath}} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		delete(fields, f.name)
		if err := json.Unmarshal(raw, f.val); err != nil {
			return nil, &InputError{Err: fmt.Errorf("bad event: %s: %w", f.name, err)}
		}
	}
	input, err := eitherField("input", shared.input, "input_path", shared.inputPath)
	if err != nil {
		return nil, err
	}
	output, err := eitherField("output", shared.output, "output_path", shared.outputPath)
	if err != nil {
		return nil, err
	}
	name := shared.job
	if name == "" {
		name = DefaultJob
	}
	jobsMu.RLock()
	defer jobsMu.RUnlock()
	job, ok := jobs[name]
	if !ok {
		quoted := registered()
		for i, n := range quoted {
			quoted[i] = strconv.Quote(n)
		}
		return nil, &InputError{Input: input, Err: fmt.Errorf("unknown job %q (this function runs %s)", name, orList(quoted))}
	}
	if input == "" {
		return nil, &InputError{Err: errors.New("the event names no input (\"input\" or \"input_path\")")}
	}
	if output == "" {
		return nil, &InputError{Input: input, Err: errors.New("the event names no output (\"output\" or \"output_path\")")}
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if slices.Contains(job.Fields(), k) {
			continue
		}
		other, theirs := foreignField(name, k)
		if other == "" {
			continue // the job's Decode refuses it as unknown
		}
		if !isZeroJSON(fields[k]) {
			return nil, &InputError{Input: input, Err: fmt.Errorf("a %s takes no %s (options of %s)", name, orList(theirs), other)}
		}
		delete(fields, k)
	}
	opts, err := json.Marshal(fields)
	if err != nil {
		return nil, &InputError{Input: input, Err: fmt.Errorf("bad event: %w", err)}
	}
	return job.Decode(input, output, opts)
}

// eitherField returns the value of a field given under either of its two
// names; both may be given only with the same value.
func eitherField(name, val, alias, aliasVal string) (string, error) {
	if val != "" && aliasVal != "" && val != aliasVal {
		return "", &InputError{Err: fmt.Errorf("bad event: %s and %s differ (%q, %q)", name, alias, val, aliasVal)}
	}
	if val == "" {
		return aliasVal, nil
	}
	return val, nil
}

// LambdaHandler is the Lambda function's logic; cmd/gokerchunk-lambda
// only hands it each invocation's payload.
type LambdaHandler struct {
	// Log receives one structured line per invocation outcome.
	Log *slog.Logger
	// CrashOn makes the function crash (panic, which ends the runtime
	// process as a real crash would) on inputs whose URL contains it.
	// Tests of the executor's retries set it through the environment
	// (GOKERCHUNK_TEST_CRASH_ON); it is empty in production.
	CrashOn string
	// DeadlineMargin is how long before the invocation's deadline the scan
	// gives up, so that a slow input fails with an error naming it rather
	// than the platform's bare "Task timed out".
	DeadlineMargin time.Duration
	// OutputPrefix is where the outputs of objects an S3 notification
	// announces go (an s3:// prefix); from OutputPrefixEnv.
	OutputPrefix string
}

// OutputPrefixEnv is the environment variable that sets
// LambdaHandler.OutputPrefix.
const OutputPrefixEnv = "GOKERCHUNK_OUTPUT_PREFIX"

// CrashOnEnv is the environment variable that sets LambdaHandler.CrashOn.
const CrashOnEnv = "GOKERCHUNK_TEST_CRASH_ON"

// NewLambdaHandler returns the handler configured from the function's
// environment (getenv is os.Getenv), logging JSON lines to w.
func NewLambdaHandler(w io.Writer, getenv func(string) string) *LambdaHandler {
	return &LambdaHandler{
		Log:            slog.New(slog.NewJSONHandler(w, nil)),
		CrashOn:        getenv(CrashOnEnv),
		DeadlineMargin: 2 * time.Second,
		OutputPrefix:   getenv(OutputPrefixEnv),
	}
}

// Handle runs one direct invocation: payload is a job's request
// (DecodeEvent). A failure is returned as an *InputError or a
// *RetryableError whose message names the input and the reason; the
// runtime reports it as a function error with the type's name.
func (h *LambdaHandler) Handle(ctx context.Context, requestID string, payload []byte) (*Response, error) {
	log := h.Log.With("request_id", requestID)
	req, err := DecodeEvent(payload)
	if err != nil {
		log.Error("bad event", "error", err.Error(), "error_type", errorTypeInput)
		return nil, err
	}
	return h.run(ctx, log, req)
}

// run runs one request, logging its start and outcome.
func (h *LambdaHandler) run(ctx context.Context, log *slog.Logger, req Request) (*Response, error) {
	job := req.Job()
	input, output := req.Target()
	log = log.With("job", job, "input", input, "output", output)
	if dl, ok := ctx.Deadline(); ok && h.DeadlineMargin > 0 && time.Until(dl) > 2*h.DeadlineMargin {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-h.DeadlineMargin))
		defer cancel()
	}
	defer func() {
		// A panic is a bug: log the stack with the input, then let the
		// runtime report it and end the process (state may be corrupt),
		// with a message that names the input.
		if p := recover(); p != nil {
			log.Error(job+" crashed", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			panic(fmt.Sprintf("%s: internal error (please report it): %v", input, p))
		}
	}()
	if h.CrashOn != "" && strings.Contains(input, h.CrashOn) {
		panic(fmt.Sprintf("crash requested by %s=%q", CrashOnEnv, h.CrashOn))
	}
	log.Info(job+" start", req.LogStart()...)
	resp, err := req.Run(ctx, nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = &RetryableError{Input: input, Err: fmt.Errorf("the %s did not finish before the function's timeout (raise it): %w", job, err)}
		}
		log.Error(job+" failed", "error", err.Error(), "error_type", ErrorType(err))
		return nil, err
	}
	log.Info(job+" done", req.LogDone(resp)...)
	return resp, nil
}
