package fanout

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"gokerchunk/blob"
)

// A Job is a kind of work the executors run one input at a time (scan,
// csv2parquet). fanout runs jobs and knows nothing of what they do: a job
// registers itself (Register) and decodes its own requests.
type Job interface {
	// Fields are the JSON names of the job's own options in an event,
	// beside the fields every job shares ("job", "input", "output",
	// "input_path", "output_path"). An event for another job that sets one
	// of them is refused by name.
	Fields() []string
	// Decode reads a request for input and output from opts, a JSON object
	// of the event's other fields. It decodes strictly (an unknown field
	// is an error) and validates the request; its errors are *InputError.
	Decode(input, output string, opts []byte) (Request, error)
}

// An ObjectJob is a job that an S3 ObjectCreated notification can start
// on the new object (the Lambda function's S3 trigger runs DefaultJob's).
type ObjectJob interface {
	Job
	// Takes tells whether an object named key is one of the job's inputs
	// (by its name: the job has not read it).
	Takes(key string) bool
	// ForObject is the request, with the job's defaults, that processes
	// input into the output "directory" outputPrefix (an s3:// prefix or
	// a local directory); its errors are *InputError.
	ForObject(input, outputPrefix string) (Request, error)
}

// A Request is one input's job: what an executor runs and what the Lambda
// executor sends as the invocation's event (EncodeRequest). Its JSON
// encoding holds "input", "output" and the job's options.
type Request interface {
	// Job is the name the job is registered under.
	Job() string
	// Target is the input the job reads and the output it writes.
	Target() (input, output string)
	// Run runs the job once; stdout receives an output named "-". Its
	// errors are classified for the Lambda executor's retries: an
	// *InputError will fail again, a *RetryableError may pass on another
	// attempt.
	Run(ctx context.Context, stdout io.Writer) (*Response, error)
	// LogStart and LogDone are the attributes (key, value, ...) of the
	// Lambda function's log lines when the job starts and when it
	// succeeded.
	LogStart() []any
	LogDone(resp *Response) []any
}

// DefaultJob is the job of an event that names none: the function ran
// only scans before it ran other jobs.
const DefaultJob = "scan"

var (
	jobsMu sync.RWMutex
	jobs   = map[string]Job{}
)

// Register makes a job known to DecodeEvent under name. Packages that
// define a job register it from init; registering a name twice panics.
func Register(name string, job Job) {
	jobsMu.Lock()
	defer jobsMu.Unlock()
	if name == "" || job == nil {
		panic("fanout: Register of an unnamed or nil job")
	}
	if _, dup := jobs[name]; dup {
		panic("fanout: job " + name + " registered twice")
	}
	jobs[name] = job
}

// registered returns the jobs' names, sorted.
func registered() []string {
	names := make([]string, 0, len(jobs))
	for n := range jobs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Response is what one successful job reports, locally or as the Lambda
// function's result. StatusCode and Body follow the API Gateway
// convention so that the function can also sit behind a function URL.
type Response struct {
	StatusCode int    `json:"statusCode"`
	Body       string `json:"body"`
	Input      string `json:"input"`
	Output     string `json:"output"`
	// Skipped and Notes are the job's messages, each naming the input;
	// BadRows the first bad rows a conversion dropped ("line N: reason").
	Skipped []string `json:"skipped,omitempty"`
	BadRows []string `json:"bad_rows,omitempty"`
	Notes   []string `json:"notes,omitempty"`
	Stats   Stats    `json:"stats"`
}

// Stats counts what one job produced and cost, in the counters the run
// manifest sums: a scan's arrays to notes, a conversion's rows to output
// bytes, and every job's reads.
type Stats struct {
	Arrays  int `json:"arrays"`
	Chunks  int `json:"chunks"`
	Inlined int `json:"inlined"`
	Skipped int `json:"skipped"`
	Notes   int `json:"notes"`
	// Rows and BadRows are the rows written and dropped; Partitions the
	// partition directories written, Files the files (one per partition)
	// and OutputBytes their size.
	Rows        int64 `json:"rows,omitempty"`
	BadRows     int64 `json:"bad_rows,omitempty"`
	Partitions  int   `json:"partitions,omitempty"`
	Files       int   `json:"files,omitempty"`
	OutputBytes int64 `json:"output_bytes,omitempty"`
	// Counts are the input reader's: reads and the bytes they returned,
	// and for remote inputs the requests, bytes fetched, retries and
	// sequential round trips they cost.
	blob.Counts
	Seconds float64 `json:"seconds"`
}

// EncodeRequest is the event that asks the function to run req: req's
// JSON object with "job" first.
func EncodeRequest(req Request) ([]byte, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	body = []byte(strings.TrimSpace(string(body)))
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("the %s request encodes as %.20s, not a JSON object", req.Job(), body)
	}
	name, _ := json.Marshal(req.Job())
	out := append([]byte(`{"job":`), name...)
	if rest := body[1:]; rest[0] != '}' {
		out = append(out, ',')
		out = append(out, rest...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

// isZeroJSON tells a JSON value that sets nothing: null, false, 0 or "".
func isZeroJSON(raw json.RawMessage) bool {
	switch strings.TrimSpace(string(raw)) {
	case "null", "false", "0", `""`:
		return true
	}
	return false
}

// foreignField returns the job, other than own, whose option name is, and
// that job's options.
func foreignField(own, name string) (string, []string) {
	for _, n := range registered() {
		if n == own {
			continue
		}
		fields := jobs[n].Fields()
		for _, f := range fields {
			if f == name {
				return n, fields
			}
		}
	}
	return "", nil
}

// orList joins names as "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// InputError is a failure that another attempt would repeat: the input
// is not a file the scanner can reference as asked (corrupt, unsupported,
// missing, not permitted) or the request itself is wrong. Its name is the
// errorType the Lambda function reports, which tells the executor not to
// retry.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return nameInput(e.Input, e.Err) }
func (e *InputError) Unwrap() error { return e.Err }

// RetryableError is any other failure of a scan (writing the output, a
// read that failed on the way, the function's deadline): another attempt
// may succeed.
type RetryableError struct {
	Input string
	Err   error
}

func (e *RetryableError) Error() string { return nameInput(e.Input, e.Err) }
func (e *RetryableError) Unwrap() error { return e.Err }

// errorTypeInput is InputError's name as aws-lambda-go reports it in
// errorType (the error's type name).
const errorTypeInput = "InputError"

// nameInput makes sure a message names the input, once.
func nameInput(input string, err error) string {
	msg := err.Error()
	if input == "" || strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + msg
}
