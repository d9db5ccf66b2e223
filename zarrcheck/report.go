package zarrcheck

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// Status is the outcome of checking one variable.
type Status string

const (
	StatusOK       Status = "ok"       // references resolve, decode, and equal the source
	StatusMismatch Status = "mismatch" // shape, type or values differ from the source
	StatusMissing  Status = "missing"  // a source variable with no array in the reference set
	StatusExtra    Status = "extra"    // an array with no variable in the source
	StatusError    Status = "error"    // a reference is broken, or the variable could not be read
	// StatusMetadata: the values agree (or were not compared), but the
	// metadata make xarray show something else than the source: a
	// fill_value that is not the source's _FillValue (xarray masks it),
	// dimension names that are not the source's. The detail says what
	// differs and what a user would see.
	StatusMetadata Status = "metadata"
	// StatusUnchecked: references resolve and decode, but the source cannot
	// give the variable's values faithfully (it returned ErrNotCompared), so
	// they were not compared. Printed and counted, not a failure.
	StatusUnchecked Status = "unchecked"
)

// statuses fixes the order of the summary line.
var statuses = []Status{StatusOK, StatusMismatch, StatusMissing, StatusExtra, StatusError, StatusMetadata, StatusUnchecked}

// Entry is the result for one variable.
type Entry struct {
	Path     string
	Status   Status
	Detail   string // why the status is not ok: first differing index and values, or the error
	Chunks   int    // stored chunks whose reference and decoding were checked
	Elements int64  // elements compared with the source
}

// Report holds one entry per variable, sorted by path.
type Report struct {
	Entries []Entry
	// AllowExtra makes arrays absent from the source not count as failures.
	AllowExtra bool
}

// Failed reports whether any entry is not ok or unchecked (extra ones only
// unless AllowExtra is set).
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Entries, r.fails)
}

// fails reports whether e counts as a failure.
func (r *Report) fails(e Entry) bool {
	return e.Status != StatusOK && e.Status != StatusUnchecked && !(e.Status == StatusExtra && r.AllowExtra)
}

// Count returns how many entries have status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, e := range r.Entries {
		if e.Status == s {
			n++
		}
	}
	return n
}

// Write prints a line per variable and a summary line.
func (r *Report) Write(w io.Writer) error {
	return r.write(w, false)
}

// WriteFailures prints a line per variable that fails, and nothing else.
func (r *Report) WriteFailures(w io.Writer) error {
	return r.write(w, true)
}

func (r *Report) write(w io.Writer, onlyFailures bool) error {
	var b strings.Builder
	for _, e := range r.Entries {
		if onlyFailures && !r.fails(e) {
			continue
		}
		fmt.Fprintf(&b, "%-8s %s (%d chunks, %d elements)", e.Status, e.Path, e.Chunks, e.Elements)
		if e.Detail != "" {
			fmt.Fprintf(&b, ": %s", e.Detail)
		}
		b.WriteByte('\n')
	}
	if !onlyFailures {
		b.WriteString(r.Summary())
		b.WriteByte('\n')
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write check report: %w", err)
	}
	return nil
}

// Summary counts the entries of each status and the chunks checked:
// "checked 9 variables: 7 ok, 0 mismatch, ...; 9 chunks".
func (r *Report) Summary() string {
	var b strings.Builder
	chunks := 0
	for _, e := range r.Entries {
		chunks += e.Chunks
	}
	fmt.Fprintf(&b, "checked %d variables:", len(r.Entries))
	for i, s := range statuses {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Fprintf(&b, "%s %d %s", sep, r.Count(s), s)
	}
	fmt.Fprintf(&b, "; %d chunks", chunks)
	return b.String()
}
