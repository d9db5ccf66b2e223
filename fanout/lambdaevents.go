package fanout

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// The function is invoked with one of three event shapes, told apart by
// their top-level fields (eventShape):
//   - a direct request (DecodeEvent), from the Lambda executor or by hand;
//   - a function URL's HTTP request (payload format version 2.0), from the
//     URL executor (FunctionURL) or any HTTP client;
//   - an S3 notification ({"Records": [...]}), when the function is the
//     target of a bucket's ObjectCreated events.

// maxNotificationSize bounds a decoded function-URL or S3 notification
// event: Lambda's own limit for an invocation is 6 MB. The request a URL
// event carries is bounded again by DecodeEvent.
const maxNotificationSize = 6 << 20

type eventShape int

const (
	directEvent eventShape = iota
	functionURLEvent
	s3Notification
)

// shapeOf tells an event's shape by its top-level fields, matched exactly:
// "requestContext" holding "http" with "version" "2.0" is a function URL's
// request, "Records" an S3 notification; anything else is a direct request,
// which DecodeEvent reads as strictly as ever (encoding/json matches struct
// fields case-insensitively, so a map is used here, and a direct event's
// unknown field is still refused there). An event that has the fields of
// another shape but not its form is refused here, naming what it lacks.
func shapeOf(payload []byte) (eventShape, error) {
	var top map[string]json.RawMessage
	if len(payload) > maxNotificationSize || json.Unmarshal(payload, &top) != nil {
		return directEvent, nil // DecodeEvent says what is wrong
	}
	if rc, ok := top["requestContext"]; ok {
		var reqCtx map[string]json.RawMessage
		var version string
		json.Unmarshal(rc, &reqCtx)
		json.Unmarshal(top["version"], &version)
		if _, hasHTTP := reqCtx["http"]; !hasHTTP || version != "2.0" {
			return directEvent, &InputError{Err: fmt.Errorf("bad event: an HTTP event of payload format version %q without requestContext.http: the function answers function URLs (version 2.0), not API Gateway REST events", version)}
		}
		return functionURLEvent, nil
	}
	if _, ok := top["Records"]; ok {
		if len(top) != 1 {
			return directEvent, &InputError{Err: errors.New("bad event: an S3 notification holds only Records; this event has other fields")}
		}
		return s3Notification, nil
	}
	return directEvent, nil
}

// HandleEvent runs one invocation of whichever shape: a direct request as
// Handle does (the same response and errors), a function URL's request
// with an HTTP response (never an error: the status says it), an S3
// notification with a report of every record (an error only when a record
// failed in a way another attempt may not repeat).
func (h *LambdaHandler) HandleEvent(ctx context.Context, requestID string, payload []byte) (any, error) {
	shape, err := shapeOf(payload)
	if err != nil {
		h.Log.Error("bad event", "request_id", requestID, "error", err.Error(), "error_type", errorTypeInput)
		return nil, err
	}
	switch shape {
	case functionURLEvent:
		return h.HandleFunctionURL(ctx, requestID, payload), nil
	case s3Notification:
		report, err := h.HandleS3Notification(ctx, requestID, payload)
		if err != nil {
			return nil, err
		}
		return report, nil
	}
	resp, err := h.Handle(ctx, requestID, payload)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// URLUsage is the function URL's answer to GET: what to send it.
type URLUsage struct {
	Service string   `json:"service"`
	Jobs    []string `json:"jobs"`
	Usage   string   `json:"usage"`
}

// HandleFunctionURL answers one request to the function's URL (payload
// format version 2.0). POST carries a direct request as its body (plain,
// or base64 with isBase64Encoded): 200 with the Response as JSON, 400 when
// the request is wrong or the input cannot be processed (an InputError;
// another attempt would fail the same way), 500 when it failed otherwise
// (a RetryableError: another attempt may pass). Error bodies are the
// {"errorType", "errorMessage"} a function error has. GET and HEAD answer
// 200 with the usage; other methods 405.
func (h *LambdaHandler) HandleFunctionURL(ctx context.Context, requestID string, payload []byte) *events.LambdaFunctionURLResponse {
	log := h.Log.With("request_id", requestID, "event", "function_url")
	var ev events.LambdaFunctionURLRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return urlError(log, http.StatusBadRequest, &InputError{Err: fmt.Errorf("bad function URL event: %w", err)})
	}
	switch method := strings.ToUpper(ev.RequestContext.HTTP.Method); method {
	case http.MethodGet, http.MethodHead:
		jobsMu.RLock()
		names := registered()
		jobsMu.RUnlock()
		return urlJSON(http.StatusOK, URLUsage{
			Service: "gokerchunk-lambda",
			Jobs:    names,
			Usage:   `POST a job's request as JSON, e.g. {"job": "scan", "input": "s3://bucket/x.nc", "output": "s3://bucket/refs/x.nc.json"}`,
		})
	case http.MethodPost:
	default:
		resp := urlError(log, http.StatusMethodNotAllowed, &InputError{Err: fmt.Errorf("method %s: the function URL takes POST (a job's request) or GET (this usage)", method)})
		resp.Headers["Allow"] = "GET, HEAD, POST"
		return resp
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return urlError(log, http.StatusBadRequest, &InputError{Err: fmt.Errorf("bad body: isBase64Encoded but not base64: %w", err)})
		}
	}
	req, err := DecodeEvent(body)
	if err != nil {
		return urlError(log, http.StatusBadRequest, err)
	}
	resp, err := h.run(ctx, log, req)
	if err != nil {
		status := http.StatusInternalServerError
		if isPermanent(err) {
			status = http.StatusBadRequest
		}
		return urlJSON(status, errorBody(err))
	}
	return urlJSON(http.StatusOK, resp)
}

// urlError logs a request refused before it ran and answers it.
func urlError(log *slog.Logger, status int, err error) *events.LambdaFunctionURLResponse {
	log.Error("bad request", "status", status, "error", err.Error(), "error_type", ErrorType(err))
	return urlJSON(status, errorBody(err))
}

// errorBody is a function error's payload: what aws-lambda-go reports for
// a returned error, so that clients read both the same way.
func errorBody(err error) map[string]string {
	return map[string]string{"errorType": retryClass(err), "errorMessage": err.Error()}
}

// retryClass is what a caller needs to know of a failure: InputError
// (another attempt would fail the same way) or RetryableError. ErrorType
// would give the cause's own code (an S3 NoSuchKey), which a caller
// could not classify.
func retryClass(err error) string {
	if isPermanent(err) {
		return errorTypeInput
	}
	return "RetryableError"
}

func urlJSON(status int, v any) *events.LambdaFunctionURLResponse {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(strconv.Quote(err.Error()))
	}
	return &events.LambdaFunctionURLResponse{
		StatusCode: status,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(b),
	}
}

// NotificationReport is the function's answer to an S3 notification:
// every record's outcome, in the event's order.
type NotificationReport struct {
	Body      string          `json:"body"`
	Succeeded int             `json:"succeeded"`
	Skipped   int             `json:"skipped"`
	Failed    int             `json:"failed"`
	Records   []RecordOutcome `json:"records"`
}

// Record outcomes.
const (
	RecordDone    = "done"
	RecordSkipped = "skipped"
	RecordFailed  = "failed"
)

// RecordOutcome is what became of one record of an S3 notification.
type RecordOutcome struct {
	EventName string `json:"event_name,omitempty"`
	// Input is the object as s3://bucket/key (the key decoded); Output
	// where its job wrote.
	Input   string `json:"input,omitempty"`
	Output  string `json:"output,omitempty"`
	Outcome string `json:"outcome"`
	// Reason is why the record was skipped or failed; ErrorType
	// InputError (another attempt would fail the same way) or
	// RetryableError (it may pass).
	Reason    string    `json:"reason,omitempty"`
	ErrorType string    `json:"error_type,omitempty"`
	Response  *Response `json:"response,omitempty"`

	err error
}

// HandleS3Notification runs DefaultJob (an ObjectJob) on each object an
// S3 notification announces as created: the output goes to OutputPrefix,
// named by the job (a scan's sidecar as `scan -o PREFIX/` names it).
// Objects the job does not take (by name) and events other than
// ObjectCreated:* are skipped; a record that cannot be read, or whose job
// failed, is reported failed. Records run one after another and each is
// reported: one bad record does not fail the others.
//
// The invocation itself fails (a RetryableError, so that Lambda retries
// the whole event, and after its retries sends it to the function's
// on-failure destination) only when a record failed in a way another
// attempt may not repeat. The records that succeeded then run again,
// which is harmless: outputs are written atomically and are the same
// bytes for the same input. A record that failed with an InputError (the
// object is not a file the job can process, is gone, or the function has
// no GOKERCHUNK_OUTPUT_PREFIX) would fail the same way again, so it does
// not make the event retried: it is in the report and the log.
func (h *LambdaHandler) HandleS3Notification(ctx context.Context, requestID string, payload []byte) (*NotificationReport, error) {
	log := h.Log.With("request_id", requestID, "event", "s3")
	var ev struct {
		Records []json.RawMessage `json:"Records"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		err = &InputError{Err: fmt.Errorf("bad S3 notification: %w", err)}
		log.Error("bad event", "error", err.Error(), "error_type", errorTypeInput)
		return nil, err
	}
	report := &NotificationReport{Records: make([]RecordOutcome, len(ev.Records))}
	var retryable []string
	for i, raw := range ev.Records {
		rlog := log.With("record", i)
		o := h.record(ctx, rlog, raw)
		switch o.Outcome {
		case RecordDone:
			report.Succeeded++
		case RecordSkipped:
			report.Skipped++
			rlog.Info("record skipped", "input", o.Input, "reason", o.Reason)
		case RecordFailed:
			report.Failed++
			o.Reason, o.ErrorType = o.err.Error(), retryClass(o.err)
			if !isPermanent(o.err) {
				retryable = append(retryable, o.Reason)
			}
		}
		report.Records[i] = o
	}
	report.Body = fmt.Sprintf("%d records: %d done, %d skipped, %d failed", len(ev.Records), report.Succeeded, report.Skipped, report.Failed)
	log.Info("notification done", "records", len(ev.Records), "succeeded", report.Succeeded, "skipped", report.Skipped, "failed", report.Failed)
	if len(retryable) > 0 {
		return nil, &RetryableError{Err: fmt.Errorf("%s; retrying the event for %d of them: %s", report.Body, len(retryable), strings.Join(retryable, "; "))}
	}
	return report, nil
}

// record handles one record of an S3 notification.
func (h *LambdaHandler) record(ctx context.Context, log *slog.Logger, raw json.RawMessage) RecordOutcome {
	var rec events.S3EventRecord // its key is decoded as S3 encodes it ('+' for a space)
	if err := json.Unmarshal(raw, &rec); err != nil {
		return failed(log, RecordOutcome{}, &InputError{Err: fmt.Errorf("bad S3 notification record: %w", err)})
	}
	o := RecordOutcome{EventName: rec.EventName}
	bucket, key := rec.S3.Bucket.Name, rec.S3.Object.URLDecodedKey
	if rec.EventSource != "aws:s3" {
		return failed(log, o, &InputError{Err: fmt.Errorf("a record from %q, not an S3 notification (aws:s3)", rec.EventSource)})
	}
	if bucket == "" || key == "" {
		return failed(log, o, &InputError{Err: errors.New("an S3 notification record without a bucket or key")})
	}
	o.Input = "s3://" + bucket + "/" + key
	if !strings.HasPrefix(rec.EventName, "ObjectCreated:") {
		o.Outcome, o.Reason = RecordSkipped, fmt.Sprintf("%s: event %s, not ObjectCreated", o.Input, rec.EventName)
		return o
	}
	jobsMu.RLock()
	job, _ := jobs[DefaultJob].(ObjectJob)
	jobsMu.RUnlock()
	switch {
	case job == nil:
		return failed(log, o, &InputError{Input: o.Input, Err: fmt.Errorf("the %s job does not run on S3 notifications", DefaultJob)})
	case !job.Takes(key):
		o.Outcome, o.Reason = RecordSkipped, fmt.Sprintf("%s: not a %s input (by its name)", o.Input, DefaultJob)
		return o
	case h.OutputPrefix == "":
		return failed(log, o, &InputError{Input: o.Input, Err: fmt.Errorf("%s is not set: the function does not know where to write the outputs of S3 notifications", OutputPrefixEnv)})
	}
	req, err := job.ForObject(o.Input, h.OutputPrefix)
	if err != nil {
		return failed(log, o, err)
	}
	_, o.Output = req.Target()
	resp, err := h.run(ctx, log, req)
	if err != nil {
		o.Outcome, o.err = RecordFailed, err // run logged it
		return o
	}
	o.Outcome, o.Response = RecordDone, resp
	return o
}

// failed is a record's failure before its job ran, logged.
func failed(log *slog.Logger, o RecordOutcome, err error) RecordOutcome {
	log.Error("record failed", "input", o.Input, "error", err.Error(), "error_type", ErrorType(err))
	o.Outcome, o.err = RecordFailed, err
	return o
}
