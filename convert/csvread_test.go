package convert

import (
	"bytes"
	"encoding/csv"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

type testRecord struct {
	fields []string
	line   int64
	bad    string
}

// readRecords reads everything with blocks of ncols columns (0: the first
// record's), a few records per block.
func readRecords(t testing.TB, r io.Reader, ncols, maxRecord int) ([]testRecord, error) {
	t.Helper()
	rr := newRecordReader(r, maxRecord)
	var out []testRecord
	b := newBlock(ncols, 3)
	if ncols == 0 {
		b = newBlock(0, 1)
	}
	for {
		err := rr.readBlock(b, 3)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		for i := range b.len() {
			rec := testRecord{line: b.line[i], bad: b.bad[i]}
			if rec.bad == "" {
				for _, f := range b.record(nil, i) {
					rec.fields = append(rec.fields, string(f))
				}
			}
			out = append(out, rec)
		}
		if ncols == 0 {
			ncols = b.ncols
			b = newBlock(ncols, 3)
		}
	}
}

func TestReadRecords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		ncols int
		want  []testRecord
	}{
		{"plain", "a,b\nc,d\n", 2, []testRecord{{[]string{"a", "b"}, 1, ""}, {[]string{"c", "d"}, 2, ""}}},
		{"no final line end", "a,b\nc,d", 2, []testRecord{{[]string{"a", "b"}, 1, ""}, {[]string{"c", "d"}, 2, ""}}},
		{"crlf", "a,b\r\nc,\r\n", 2, []testRecord{{[]string{"a", "b"}, 1, ""}, {[]string{"c", ""}, 2, ""}}},
		{"cr at the end", "a,b\r", 2, []testRecord{{[]string{"a", "b"}, 1, ""}}},
		{"empty lines", "\n\na,b\n\r\n\nc,d\n\n", 2, []testRecord{{[]string{"a", "b"}, 3, ""}, {[]string{"c", "d"}, 6, ""}}},
		{"empty fields", ",,\n,,", 3, []testRecord{{[]string{"", "", ""}, 1, ""}, {[]string{"", "", ""}, 2, ""}}},
		{"byte order mark", "\xef\xbb\xbfa,b\n", 2, []testRecord{{[]string{"a", "b"}, 1, ""}}},
		{"quoted", `"a,1","b""c"` + "\n", 2, []testRecord{{[]string{"a,1", `b"c`}, 1, ""}}},
		{"quoted line end", "\"a\nb\",c\nd,e\n", 2, []testRecord{{[]string{"a\nb", "c"}, 1, ""}, {[]string{"d", "e"}, 3, ""}}},
		{"quoted crlf kept", "\"a\r\nb\",c\r\n", 2, []testRecord{{[]string{"a\r\nb", "c"}, 1, ""}}},
		{"quoted empty", `"",x` + "\n", 2, []testRecord{{[]string{"", "x"}, 1, ""}}},
		{"quoted last, no line end", `a,"b"`, 2, []testRecord{{[]string{"a", "b"}, 1, ""}}},
		{"quoted last, crlf", "a,\"b\"\r\nc,d\n", 2, []testRecord{{[]string{"a", "b"}, 1, ""}, {[]string{"c", "d"}, 2, ""}}},
		{"bare quote in a field", `a"b,c` + "\n", 2, []testRecord{{[]string{`a"b`, "c"}, 1, ""}}},
		{"text after a closing quote", "\"a\"b,c\nd,e\n", 2, []testRecord{{nil, 1, "text after the closing quote of field 1"}, {[]string{"d", "e"}, 2, ""}}},
		{"unclosed quote", "a,b\n\"c,d\ne,f\n", 2, []testRecord{{[]string{"a", "b"}, 1, ""}, {nil, 2, "quoted field 1 is not closed before the end of the input"}}},
		{"too many fields", "a,b,c\nd,e\n", 2, []testRecord{{nil, 1, "3 fields, want 2"}, {[]string{"d", "e"}, 2, ""}}},
		{"too few fields", "a\nd,e\n", 2, []testRecord{{nil, 1, "1 fields, want 2"}, {[]string{"d", "e"}, 2, ""}}},
		{"quoted, too many", "\"a\",b,c\n", 2, []testRecord{{nil, 1, "3 fields, want 2"}}},
		{"header sets the columns", "a,b,c\nd,e,f\ng\n", 0, []testRecord{{[]string{"a", "b", "c"}, 1, ""}, {[]string{"d", "e", "f"}, 2, ""}, {nil, 3, "1 fields, want 3"}}},
		{"long fields", strings.Repeat("x", 37) + "," + strings.Repeat("y", 19) + "\n", 2, []testRecord{{[]string{strings.Repeat("x", 37), strings.Repeat("y", 19)}, 1, ""}}},
		{"non-ASCII", "é,\xff\x80\n", 2, []testRecord{{[]string{"é", "\xff\x80"}, 1, ""}}},
	} {
		for _, reader := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"byte by byte", iotest.OneByteReader}, {"halves", iotest.HalfReader}} {
			got, err := readRecords(t, reader.wrap(strings.NewReader(tc.in)), tc.ncols, 0)
			if err != nil {
				t.Errorf("%s, %s: %v", tc.name, reader.name, err)
				continue
			}
			if !slices.EqualFunc(got, tc.want, func(a, b testRecord) bool {
				return slices.Equal(a.fields, b.fields) && a.line == b.line && a.bad == b.bad
			}) {
				t.Errorf("%s, %s:\n got %+v\nwant %+v", tc.name, reader.name, got, tc.want)
			}
		}
	}
}

// TestReadRecordsLikeEncodingCSV compares the reader with encoding/csv on
// random CSV that encoding/csv writes: fields with commas, quotes, line
// feeds, spaces, non-ASCII, empty ones; read whole and byte by byte, with
// a small buffer limit.
func TestReadRecordsLikeEncodingCSV(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "Z", "0", "9", "-", ".", ",", `"`, "\n", " ", "é", "\t", "#", "x,y", `""`}
	for round := range 200 {
		ncols := 1 + rng.IntN(6)
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		var want [][]string
		for range 1 + rng.IntN(40) {
			rec := make([]string, ncols)
			for c := range rec {
				for range rng.IntN(12) {
					rec[c] += alphabet[rng.IntN(len(alphabet))]
				}
			}
			if ncols == 1 && rec[0] == "" {
				rec[0] = "x" // a lone empty field is an empty line
			}
			w.Write(rec)
			want = append(want, rec)
		}
		w.Flush()
		text := buf.String()
		// encoding/csv reads back what it wrote, as the reference.
		ref, err := csv.NewReader(strings.NewReader(text)).ReadAll()
		if err != nil || !slices.EqualFunc(ref, want, slices.Equal) {
			t.Fatalf("round %d: encoding/csv does not read back its own output: %v", round, err)
		}
		for _, r := range []io.Reader{strings.NewReader(text), iotest.OneByteReader(strings.NewReader(text))} {
			got, err := readRecords(t, r, ncols, 64)
			if err != nil {
				if strings.Contains(err.Error(), "longer than") {
					continue
				}
				t.Fatalf("round %d: %v", round, err)
			}
			if len(got) != len(want) {
				t.Fatalf("round %d: %d records, want %d\n%q", round, len(got), len(want), text)
			}
			for i := range want {
				if got[i].bad != "" || !slices.Equal(got[i].fields, want[i]) {
					t.Fatalf("round %d record %d: %q (%s), want %q\n%q", round, i, got[i].fields, got[i].bad, want[i], text)
				}
			}
		}
	}
}

// TestRecordLimit: a record longer than the limit fails; one just within
// it grows the buffer and reads.
func TestRecordLimit(t *testing.T) {
	long := strings.Repeat("x", 100)
	got, err := readRecords(t, strings.NewReader("a,b\n"+long+",1\n"), 2, 104)
	if err != nil || len(got) != 2 || got[1].fields[0] != long {
		t.Errorf("within the limit: %v, %+v", err, got)
	}
	if _, err := readRecords(t, strings.NewReader("a,b\n"+long+",1\n"), 2, 50); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("past the limit: %v", err)
	}
}

// FuzzReadRecords: whatever the input, the reader ends without panicking,
// and where encoding/csv reads records of one width without error, the
// reader gets the same fields (encoding/csv turns CRLF into LF inside
// quotes; inputs with CR are left out of the comparison).
func FuzzReadRecords(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", `"a,""b",c` + "\n", "\"a\nb\",c", "a\"b,c\n", "\xef\xbb\xbfx,y", ",\n,", "\"unclosed,x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := readRecords(t, iotest.HalfReader(strings.NewReader(in)), 0, 1<<16)
		if err != nil {
			return
		}
		if strings.ContainsRune(in, '\r') || strings.HasPrefix(in, "\xef\xbb\xbf") {
			return
		}
		ref, err := csv.NewReader(strings.NewReader(in)).ReadAll()
		if err != nil {
			return
		}
		if len(ref) != len(got) {
			t.Fatalf("%d records, encoding/csv %d", len(got), len(ref))
		}
		for i := range ref {
			if got[i].bad != "" || !slices.Equal(got[i].fields, ref[i]) {
				t.Fatalf("record %d: %q (%s), encoding/csv %q", i, got[i].fields, got[i].bad, ref[i])
			}
		}
	})
}
