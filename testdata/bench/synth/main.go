// Command synth writes synthetic kerchunk sidecars for combine benchmarks:
// N inputs, one a day (or an hour with -every hour), each with a time
// coordinate in its own CF units ("days since <its day>", "hours since <its
// hour>", so combine converts every one), identical lat/lon and VARS
// variables (time, lat, lon) of CHUNKS chunks referencing a file in s3://,
// as scan would write for a file of that shape.
//
//	go run ./testdata/bench/synth -n 1000 -vars 10 -chunks 100 -o DIR
//	go run ./testdata/bench/synth -n 2000 -vars 50 -chunks 1000 -every hour -o DIR
//
// N x VARS x CHUNKS is the number of chunk references combine reads (the
// second line: 10^8 in 2000 sidecars of 3.4 MB). The sidecars are written
// by -j workers at once (default: one a CPU), each built in memory and
// written through a buffer, one file at a time: memory stays that of -j
// sidecars whatever N.
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"gokerchunk/refs"
)

func main() {
	n := flag.Int("n", 1000, "inputs")
	vars := flag.Int("vars", 10, "variables per input")
	chunks := flag.Int("chunks", 100, "chunks per variable (a grid of rows x columns, as square as CHUNKS divides)")
	every := flag.String("every", "day", "time between inputs: day or hour")
	jobs := flag.Int("j", runtime.GOMAXPROCS(0), "sidecars written at once")
	out := flag.String("o", "", "output directory")
	flag.Parse()
	if *out == "" {
		log.Fatal("synth: -o DIR is required")
	}
	if *chunks < 1 || *vars < 0 || *n < 0 || *jobs < 1 {
		log.Fatal("synth: -n, -vars, -chunks and -j must be positive")
	}
	var step time.Duration
	switch *every {
	case "day":
		step = 24 * time.Hour
	case "hour":
		step = time.Hour
	default:
		log.Fatalf("synth: -every %q: want day or hour", *every)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	rows := int(math.Sqrt(float64(*chunks)))
	for *chunks%rows != 0 {
		rows--
	}
	cols := *chunks / rows

	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	next := make(chan int)
	errs := make(chan error, *jobs)
	var wg sync.WaitGroup
	for range *jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t := t0.Add(time.Duration(i) * step)
				name, url := input(t, step)
				if err := write(filepath.Join(*out, name), Set(url, t, step, *vars, rows, cols)); err != nil {
					errs <- err
					for range next { // let the producer finish
					}
					return
				}
			}
		}()
	}
	for i := range *n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		log.Fatal(err)
	}
}

// input names the sidecar of time t and the file it references.
func input(t time.Time, step time.Duration) (name, url string) {
	if step == time.Hour {
		return fmt.Sprintf("tas_1hr_%s.nc.json", t.Format("2006010215")), fmt.Sprintf("s3://bucket/tas_%s.nc", t.Format("2006010215"))
	}
	return fmt.Sprintf("tas_day_%s.nc.json", t.Format("20060102")), fmt.Sprintf("s3://bucket/tas_%s.nc", t.Format("20060102"))
}

// write writes s to path as JSON (refs.WriteJSON buffers its output). No
// temporary file and no fsync: a failed run fails the benchmark anyway.
func write(path string, s *refs.Set) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := refs.WriteJSON(f, s); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// Set builds one input: 1 step of vars variables on a (rows*10) x (cols*10)
// grid in 10x10 chunks, each chunk 4 000-odd bytes at increasing offsets of
// url, the step at t in units of its own ("days since <t's day>" or "hours
// since <t>").
func Set(url string, t time.Time, step time.Duration, vars, rows, cols int) *refs.Set {
	s := refs.NewSet()
	stamp, units := t.Format("2006-01-02"), fmt.Sprintf(`"days since %s"`, t.Format("2006-01-02"))
	if step == time.Hour {
		stamp, units = t.Format("2006-01-02T15"), fmt.Sprintf(`"hours since %s"`, t.Format("2006-01-02 15:04:05"))
	}
	s.Groups[""] = &refs.Group{Attrs: refs.Attrs{"Conventions": []byte(`"CF-1.8"`), "history": []byte(fmt.Sprintf(`"synth %s"`, stamp))}}
	ny, nx := int64(rows*10), int64(cols*10)
	coord := func(name string, n int64) {
		z := refs.ZArray{ZarrFormat: 2, Shape: []int64{n}, Chunks: []int64{n}, DType: []byte(`"<f8"`), FillValue: []byte("null"), Order: "C"}
		m := refs.NewManifest([]int{1})
		data := make([]byte, 0, 8*n)
		for k := range n {
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(k)*0.5))
		}
		m.SetInline(0, data)
		s.PutArray(name, &z, refs.Attrs{"_ARRAY_DIMENSIONS": []byte(fmt.Sprintf(`["%s"]`, name))}, m)
	}
	coord("lat", ny)
	coord("lon", nx)
	z := refs.ZArray{ZarrFormat: 2, Shape: []int64{1}, Chunks: []int64{1}, DType: []byte(`"<f8"`), FillValue: []byte("null"), Order: "C"}
	tm := refs.NewManifest([]int{1})
	tm.SetInline(0, make([]byte, 8))
	s.PutArray("time", &z, refs.Attrs{"_ARRAY_DIMENSIONS": []byte(`["time"]`), "calendar": []byte(`"standard"`),
		"units": []byte(units)}, tm)

	off := int64(8192)
	for v := range vars {
		name := fmt.Sprintf("var%02d", v)
		z := refs.ZArray{ZarrFormat: 2, Shape: []int64{1, ny, nx}, Chunks: []int64{1, 10, 10}, DType: []byte(`"<f4"`),
			FillValue: refs.FillFloat(1e20), Order: "C", Compressor: refs.Codec{"id": "zlib", "level": 4}}
		m := refs.NewManifest(z.Grid())
		for c := range m.Len() {
			length := int64(3000 + (c*7919+v*104729)%1500)
			m.SetRange(c, url, off, length)
			off += length
		}
		s.PutArray(name, &z, refs.Attrs{"_ARRAY_DIMENSIONS": []byte(`["time", "lat", "lon"]`), "units": []byte(`"K"`)}, m)
	}
	return s
}
