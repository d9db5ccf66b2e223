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
	"strings"
	"time"

	"gokerchunk/scan"
)

// event is the Lambda payload as it arrives: the executor's ScanRequest,
// or the same with input_path/output_path (the shape other kerchunk
// fan-out drivers send).
type event struct {
	Job             string             `json:"job"`
	Input           string             `json:"input"`
	Output          string             `json:"output"`
	InputPath       string             `json:"input_path"`
	OutputPath      string             `json:"output_path"`
	InlineThreshold *int               `json:"inline_threshold"`
	OnUnsupported   scan.OnUnsupported `json:"on_unsupported"`

	PartitionCols []string `json:"partition_cols"`
	Header        bool     `json:"header"`
	Columns       []string `json:"columns"`
	Schema        string   `json:"schema"`
	Compression   string   `json:"compression"`
	MaxBadRows    int64    `json:"max_bad_rows"`
}

// maxEventSize bounds the payload decoded: Lambda's own limit for a
// synchronous invocation is 6 MB, and a scan request is a few hundred
// bytes.
const maxEventSize = 256 << 10

// DecodeEvent turns a Lambda payload into a ScanRequest. Unknown fields are
// refused rather than ignored, so that a misspelt option fails loudly
// instead of scanning with a default.
func DecodeEvent(payload []byte) (ScanRequest, error) {
	if len(payload) > maxEventSize {
		return ScanRequest{}, &InputError{Err: fmt.Errorf("event of %d bytes: more than the %d a scan request can need", len(payload), maxEventSize)}
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var ev event
	if err := dec.Decode(&ev); err != nil {
		return ScanRequest{}, &InputError{Err: fmt.Errorf("bad event: %w", err)}
	}
	if _, err := dec.Token(); err != io.EOF {
		return ScanRequest{}, &InputError{Err: errors.New("bad event: data after the JSON object")}
	}
	req := ScanRequest{Job: ev.Job, Input: ev.Input, Output: ev.Output, InlineThreshold: DefaultInlineThreshold, OnUnsupported: ev.OnUnsupported,
		PartitionCols: ev.PartitionCols, Header: ev.Header, Columns: ev.Columns, Schema: ev.Schema, Compression: ev.Compression, MaxBadRows: ev.MaxBadRows}
	if req.Job == JobCSV2Parquet {
		// A scan's default means nothing to a conversion.
		req.InlineThreshold = 0
	}
	var err error
	if req.Input, err = eitherField("input", ev.Input, "input_path", ev.InputPath); err != nil {
		return ScanRequest{}, err
	}
	if req.Output, err = eitherField("output", ev.Output, "output_path", ev.OutputPath); err != nil {
		return ScanRequest{}, err
	}
	if ev.InlineThreshold != nil {
		req.InlineThreshold = *ev.InlineThreshold
	}
	if err := req.validate(); err != nil {
		return ScanRequest{}, err
	}
	return req, nil
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
}

// CrashOnEnv is the environment variable that sets LambdaHandler.CrashOn.
const CrashOnEnv = "GOKERCHUNK_TEST_CRASH_ON"

// NewLambdaHandler returns the handler configured from the function's
// environment (getenv is os.Getenv), logging JSON lines to w.
func NewLambdaHandler(w io.Writer, getenv func(string) string) *LambdaHandler {
	return &LambdaHandler{
		Log:            slog.New(slog.NewJSONHandler(w, nil)),
		CrashOn:        getenv(CrashOnEnv),
		DeadlineMargin: 2 * time.Second,
	}
}

// Handle runs one invocation. A failure is returned as an *InputError or a
// *RetryableError whose message names the input and the reason; the
// runtime reports it as a function error with the type's name.
func (h *LambdaHandler) Handle(ctx context.Context, requestID string, payload []byte) (*ScanResponse, error) {
	log := h.Log.With("request_id", requestID)
	req, err := DecodeEvent(payload)
	if err != nil {
		log.Error("bad event", "error", err.Error(), "error_type", errorTypeInput)
		return nil, err
	}
	log = log.With("job", req.Job, "input", req.Input, "output", req.Output)
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
			log.Error("scan crashed", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			panic(fmt.Sprintf("%s: internal error (please report it): %v", req.Input, p))
		}
	}()
	if h.CrashOn != "" && strings.Contains(req.Input, h.CrashOn) {
		panic(fmt.Sprintf("crash requested by %s=%q", CrashOnEnv, h.CrashOn))
	}
	if req.Job == JobCSV2Parquet {
		return h.csv2parquet(ctx, log, req)
	}
	log.Info("scan start", "inline_threshold", req.InlineThreshold, "on_unsupported", req.OnUnsupported)
	resp, err := Scan(ctx, req, nil)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = &RetryableError{Input: req.Input, Err: fmt.Errorf("the scan did not finish before the function's timeout (raise it): %w", err)}
		}
		log.Error("scan failed", "error", err.Error(), "error_type", ErrorType(err))
		return nil, err
	}
	s := resp.Stats
	log.Info("scan done", "arrays", s.Arrays, "chunks", s.Chunks, "inlined", s.Inlined, "skipped", s.Skipped,
		"notes", s.Notes, "reads", s.Reads, "bytes", s.Bytes, "seconds", s.Seconds)
	return resp, nil
}

// csv2parquet runs one conversion for Handle.
func (h *LambdaHandler) csv2parquet(ctx context.Context, log *slog.Logger, req ScanRequest) (*ScanResponse, error) {
	log.Info("csv2parquet start", "partition_cols", req.PartitionCols, "max_bad_rows", req.MaxBadRows)
	resp, err := CSV2Parquet(ctx, req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			err = &RetryableError{Input: req.Input, Err: fmt.Errorf("the conversion did not finish before the function's timeout (raise it): %w", err)}
		}
		log.Error("csv2parquet failed", "error", err.Error(), "error_type", ErrorType(err))
		return nil, err
	}
	s := resp.Stats
	log.Info("csv2parquet done", "rows", s.Rows, "bad_rows", s.BadRows, "partitions", s.Partitions,
		"output_bytes", s.OutputBytes, "requests", s.Requests, "bytes", s.Bytes, "seconds", s.Seconds)
	return resp, nil
}
