package blob

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

// memReader is a Reader over bytes that may return fewer bytes than asked.
type memReader struct {
	data  []byte
	short bool
}

func (m memReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.data)) {
		return 0, io.EOF
	}
	n := copy(p, m.data[off:])
	if m.short && n > 1 {
		return n - 1, nil
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
func (m memReader) Size() int64  { return int64(len(m.data)) }
func (m memReader) Close() error { return nil }

func TestReadRange(t *testing.T) {
	data := []byte("abcdefghij")
	tests := []struct {
		name      string
		r         Reader
		off, n    int64
		want      string
		wantRange bool // want a *RangeError
		wantErr   string
	}{
		{name: "middle", r: memReader{data: data}, off: 2, n: 3, want: "cde"},
		{name: "to the end", r: memReader{data: data}, off: 7, n: 3, want: "hij"},
		{name: "whole", r: memReader{data: data}, off: 0, n: 10, want: "abcdefghij"},
		{name: "empty at end", r: memReader{data: data}, off: 10, n: 0, want: ""},
		{name: "past the end", r: memReader{data: data}, off: 8, n: 3, wantRange: true},
		{name: "offset past the end", r: memReader{data: data}, off: 11, n: 0, wantRange: true},
		{name: "negative offset", r: memReader{data: data}, off: -1, n: 2, wantRange: true},
		{name: "negative length", r: memReader{data: data}, off: 1, n: -2, wantRange: true},
		{name: "huge length", r: memReader{data: data}, off: 1, n: 1 << 62, wantRange: true},
		{name: "short read", r: memReader{data: data, short: true}, off: 0, n: 5, wantErr: "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadRange(context.Background(), tt.r, "mem://x", tt.off, tt.n)
			switch {
			case tt.wantRange:
				var re *RangeError
				if !errors.As(err, &re) || !strings.Contains(err.Error(), "mem://x (10 bytes)") {
					t.Fatalf("error %v, want a RangeError naming the URL", err)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "mem://x") {
					t.Fatalf("error %v, want one containing %q and the URL", err, tt.wantErr)
				}
			default:
				if err != nil || !bytes.Equal(got, []byte(tt.want)) {
					t.Fatalf("got %q, %v; want %q", got, err, tt.want)
				}
			}
		})
	}
}
