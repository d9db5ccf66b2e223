package fanout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"gokerchunk/blob"
)

// ManifestName is the manifest's file name in the output directory or
// prefix. The leading underscore keeps it apart from the sidecars
// (<input name>.json): combine skips it when it reads a directory.
const ManifestName = "_manifest.json"

// ManifestVersion changes when a field changes meaning.
const ManifestVersion = 1

// Manifest records a fan-out run: every output written and every input
// that failed, with why and after how many attempts, so that a run over
// thousands of files can be audited and its failures re-run.
type Manifest struct {
	Version  int    `json:"version"`
	Executor string `json:"executor"`
	Function string `json:"function,omitempty"`
	// Endpoints are the HTTP executor's servers.
	Endpoints []string  `json:"endpoints,omitempty"`
	Started   time.Time `json:"started"`
	Seconds   float64   `json:"seconds"`
	Inputs    int       `json:"inputs"`
	Succeeded int       `json:"succeeded"`
	Failed    int       `json:"failed"`
	Attempts  int       `json:"attempts"`
	Throttles int       `json:"throttles"`
	// Resumed counts the outputs an earlier run wrote that this one kept
	// (scan --resume) instead of running their jobs again.
	Resumed int `json:"resumed,omitempty"`
	// InProgress marks a manifest written while the run went on (or left
	// by a run that was interrupted): Outputs and Failures are the inputs
	// done so far, and others may follow.
	InProgress bool `json:"in_progress,omitempty"`
	// Totals sums the stats of the outputs.
	Totals   Stats            `json:"totals"`
	Outputs  []ManifestOutput `json:"outputs"`
	Failures []ManifestFailed `json:"failures"`
}

// ManifestOutput is one sidecar written.
type ManifestOutput struct {
	Input     string   `json:"input"`
	Output    string   `json:"output"`
	Attempts  int      `json:"attempts"`
	Throttles int      `json:"throttles,omitempty"`
	Seconds   float64  `json:"seconds"`
	Stats     Stats    `json:"stats"`
	Skipped   []string `json:"skipped,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Source is the version of the input the output was made from, as
	// its listing told it; Resumed marks an output an earlier run wrote.
	Source  *Source `json:"source,omitempty"`
	Resumed bool    `json:"resumed,omitempty"`
}

// Source is what a listing tells of an input's version (blob.Object):
// its size, S3's ETag, its modification time; a rerun that finds another
// version makes the output again.
type Source struct {
	Size     int64     `json:"size"`
	ETag     string    `json:"etag,omitempty"`
	Modified time.Time `json:"modified,omitzero"`
}

// SourceOf is the version of a listed object.
func SourceOf(o blob.Object) *Source {
	return &Source{Size: o.Size, ETag: o.ETag, Modified: o.Modified.UTC()}
}

// Same tells whether two versions are one: every field equal (a version
// an old manifest did not record, nil, is no version).
func (s *Source) Same(o *Source) bool {
	return s != nil && o != nil && s.Size == o.Size && s.ETag == o.ETag && s.Modified.Equal(o.Modified)
}

// ManifestFailed is one input without a sidecar.
type ManifestFailed struct {
	Input  string `json:"input"`
	Output string `json:"output"` // where the sidecar would have gone; nothing is there
	Reason string `json:"reason"`
	// ErrorType is the function's errorType or the Lambda API's error
	// code; Permanent says whether a re-run would fail the same way.
	ErrorType string  `json:"error_type,omitempty"`
	Permanent bool    `json:"permanent"`
	Attempts  int     `json:"attempts"`
	Throttles int     `json:"throttles,omitempty"`
	Seconds   float64 `json:"seconds"`
	// Err is the failure Reason spells out, for a caller of NewManifest
	// that needs its type (errors.As); a manifest read back has none.
	Err error `json:"-"`
}

// NewManifest summarises a run's results, in their order.
func NewManifest(executor, function string, started time.Time, results []JobResult) *Manifest {
	m := &Manifest{
		Version:  ManifestVersion,
		Executor: executor,
		Function: function,
		Started:  started.UTC(),
		Seconds:  time.Since(started).Seconds(),
		Outputs:  []ManifestOutput{},
		Failures: []ManifestFailed{},
	}
	for _, r := range results {
		m.add(r)
	}
	return m
}

// add counts one result and lists it.
func (m *Manifest) add(r JobResult) {
	m.Inputs++
	m.Attempts += r.Attempts
	m.Throttles += r.Throttles
	if r.Err != nil {
		m.Failures = append(m.Failures, ManifestFailed{
			Input: r.Input, Output: r.Output, Reason: r.Err.Error(),
			ErrorType: ErrorType(r.Err), Permanent: isPermanent(r.Err),
			Attempts: r.Attempts, Throttles: r.Throttles, Seconds: r.Seconds, Err: r.Err,
		})
		m.Failed++
		return
	}
	s := r.Response.Stats
	m.Outputs = append(m.Outputs, ManifestOutput{
		Input: r.Input, Output: r.Output, Attempts: r.Attempts, Throttles: r.Throttles,
		Seconds: r.Seconds, Stats: s, Skipped: r.Response.Skipped, Notes: r.Response.Notes,
		Source: r.Source, Resumed: r.Resumed,
	})
	m.Succeeded++
	if r.Resumed {
		m.Resumed++
	}
	t := &m.Totals
	t.Arrays += s.Arrays
	t.Chunks += s.Chunks
	t.Inlined += s.Inlined
	t.Skipped += s.Skipped
	t.Notes += s.Notes
	t.Counts = t.Counts.Plus(s.Counts)
	t.Seconds += s.Seconds
}

// Result is the outcome an output records, as a job that kept it would
// report it (Resumed set): what a resumed run counts and lists again.
func (o ManifestOutput) Result() JobResult {
	return JobResult{
		Input: o.Input, Output: o.Output, Attempts: o.Attempts, Throttles: o.Throttles, Seconds: o.Seconds,
		Response: &Response{StatusCode: 200, Input: o.Input, Output: o.Output, Skipped: o.Skipped, Notes: o.Notes, Stats: o.Stats},
		Source:   o.Source, Resumed: true,
	}
}

// isPermanent tells a failure that a re-run would repeat.
func isPermanent(err error) bool {
	var ie *InputError
	if errors.As(err, &ie) {
		return true
	}
	var fe *FunctionError
	if errors.As(err, &fe) {
		return fe.Type == errorTypeInput
	}
	return false
}

// WriteFile writes the manifest as indented JSON, atomically.
func (m *Manifest) WriteFile(path string) error {
	return m.Write(context.Background(), path)
}

// Write writes the manifest atomically to a local path or an s3:// URL.
func (m *Manifest) Write(ctx context.Context, url string) error {
	return blob.WriteAtomic(ctx, url, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// ReadManifest reads a manifest written by WriteFile.
func ReadManifest(path string) (*Manifest, error) {
	return ReadManifestURL(context.Background(), path)
}

// ReadManifestURL reads a manifest written by Write, at a local path or
// an s3:// URL.
func ReadManifestURL(ctx context.Context, url string) (*Manifest, error) {
	r, err := blob.Open(ctx, url)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.NewSectionReader(r, 0, r.Size()))
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", url, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", url, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("read manifest %s: version %d, this build reads %d", url, m.Version, ManifestVersion)
	}
	return &m, nil
}
