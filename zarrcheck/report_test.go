package zarrcheck

import (
	"strings"
	"testing"
)

func TestReportWrite(t *testing.T) {
	r := &Report{Entries: []Entry{
		{Path: "a", Status: StatusOK, Chunks: 3, Elements: 30},
		{Path: "g/b", Status: StatusMismatch, Detail: "1 of 4 elements differ", Chunks: 1, Elements: 4},
		{Path: "c", Status: StatusMissing, Detail: "no array"},
	}}
	var b strings.Builder
	if err := r.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "ok       a (3 chunks, 30 elements)\n" +
		"mismatch g/b (1 chunks, 4 elements): 1 of 4 elements differ\n" +
		"missing  c (0 chunks, 0 elements): no array\n" +
		"checked 3 variables: 1 ok, 1 mismatch, 1 missing, 0 extra, 0 error, 0 metadata, 0 unchecked; 4 chunks\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestReportWriteFailures(t *testing.T) {
	r := &Report{AllowExtra: true, Entries: []Entry{
		{Path: "a", Status: StatusOK, Chunks: 3, Elements: 30},
		{Path: "b", Status: StatusUnchecked, Detail: "not in the reference set: scan leaves it out"},
		{Path: "c", Status: StatusMissing, Detail: "no array"},
		{Path: "d", Status: StatusExtra, Detail: "no variable"},
	}}
	var b strings.Builder
	if err := r.WriteFailures(&b); err != nil {
		t.Fatal(err)
	}
	if want := "missing  c (0 chunks, 0 elements): no array\n"; b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestReportFailed(t *testing.T) {
	for _, tc := range []struct {
		name       string
		statuses   []Status
		allowExtra bool
		want       bool
	}{
		{"empty", nil, false, false},
		{"all ok", []Status{StatusOK, StatusOK}, false, false},
		{"mismatch", []Status{StatusOK, StatusMismatch}, false, true},
		{"missing", []Status{StatusMissing}, false, true},
		{"error", []Status{StatusError}, true, true},
		{"extra", []Status{StatusOK, StatusExtra}, false, true},
		{"extra allowed", []Status{StatusOK, StatusExtra}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{AllowExtra: tc.allowExtra}
			for _, s := range tc.statuses {
				r.Entries = append(r.Entries, Entry{Path: "v", Status: s})
			}
			if got := r.Failed(); got != tc.want {
				t.Errorf("Failed() = %v, want %v", got, tc.want)
			}
		})
	}
}
