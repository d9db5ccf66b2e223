package refs

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gokerchunk/internal/hyparquet"
)

type hyparquetLine struct {
	File    string   `json:"file"`
	Rows    *int     `json:"rows"`
	Columns []string `json:"columns"`
	Row     int      `json:"row"`
	Path    *string  `json:"path"`
	Offset  string   `json:"offset"`
	Size    string   `json:"size"`
	Raw     *string  `json:"raw"`
}

// TestParquetReadByHyparquet reads what WriteParquet wrote with hyparquet, an
// independent Parquet reader, and checks every row of every refs file
// against the set: the row count (padding included), the column order, and
// each row's path, offset, size, raw and nulls as fsspec reads them.
func TestParquetReadByHyparquet(t *testing.T) {
	modules := hyparquet.Need(t)
	s := richSet(t)
	// Several data pages per column and three record files.
	m := addArray(t, s, "many", []int64{25003}, []int64{1})
	urls := []string{"s3://b/x0.nc", "s3://b/x1.nc", "/local/y.nc", "https://h/z.nc"}
	for i := range m.Len() {
		switch {
		case i%11 == 5:
		case i%13 == 7:
			m.SetInline(i, bytes.Repeat([]byte{byte(i), byte(i >> 8)}, i%23))
		default:
			m.SetRange(i, urls[(i/100)%len(urls)], int64(i)*4093+1<<33, int64(100+i%1000))
		}
	}
	const recordSize = 10000
	dir := writeRefsDir(t, s, recordSize)

	for _, path := range s.ArrayPaths() {
		m := s.Arrays[path]
		var files []string
		for k := 0; k*recordSize < m.Len(); k++ {
			files = append(files, filepath.Join(dir, filepath.FromSlash(path), "refs."+strconv.Itoa(k)+".parq"))
		}
		if len(files) == 0 {
			continue
		}
		cmd := exec.Command("node", append([]string{"testdata/hyparquet_dump.mjs"}, files...)...)
		cmd.Env = append(os.Environ(), "GOKERCHUNK_NODE_MODULES="+modules)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: hyparquet: %v\n%s", path, err, stderr.String())
		}
		rows := map[string]int{}
		checked := 0
		sc := bufio.NewScanner(bytes.NewReader(out))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var l hyparquetLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatalf("%s: %v: %s", path, err, sc.Text())
			}
			k := slices.Index(files, l.File)
			if k < 0 {
				t.Fatalf("unexpected file %s", l.File)
			}
			if l.Rows != nil {
				if *l.Rows != recordSize || !slices.Equal(l.Columns, []string{"path", "offset", "size", "raw"}) {
					t.Errorf("%s: %d rows, columns %v; want %d rows of path, offset, size, raw", l.File, *l.Rows, l.Columns, recordSize)
				}
				continue
			}
			rows[l.File]++
			i := k*recordSize + l.Row
			want := hyparquetLine{Offset: "0", Size: "0"}
			if i < m.Len() {
				switch m.Target[i] {
				case NoChunk:
				case InlineChunk:
					raw := base64.StdEncoding.EncodeToString(m.Inline[i])
					want.Raw = &raw
				default:
					url := m.URLs[m.Target[i]]
					want.Path = &url
					if m.Length[i] >= 0 {
						want.Offset, want.Size = strconv.FormatInt(m.Offset[i], 10), strconv.FormatInt(m.Length[i], 10)
					}
				}
			}
			if !equalPtr(l.Path, want.Path) || !equalPtr(l.Raw, want.Raw) || l.Offset != want.Offset || l.Size != want.Size {
				t.Fatalf("%s row %d (chunk %d): hyparquet read path %s offset %s size %s raw %s; want %s %s %s %s",
					l.File, l.Row, i, show(l.Path), l.Offset, l.Size, show(l.Raw), show(want.Path), want.Offset, want.Size, show(want.Raw))
			}
			checked++
		}
		for _, f := range files {
			if rows[f] != recordSize {
				t.Errorf("%s: hyparquet read %d rows, want %d", f, rows[f], recordSize)
			}
		}
		if checked != len(files)*recordSize {
			t.Errorf("%s: %d rows checked, want %d", path, checked, len(files)*recordSize)
		}
	}
}

func equalPtr(a, b *string) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func show(p *string) string {
	if p == nil {
		return "null"
	}
	if len(*p) > 40 {
		return strings.TrimSpace((*p)[:40]) + "..."
	}
	return *p
}
