// Command synth writes synthetic kerchunk sidecars for combine benchmarks:
// N daily inputs, each with a time coordinate in its own CF units ("days
// since <its day>", so combine converts every one), identical lat/lon and
// VARS variables (time, lat, lon) of CHUNKS chunks referencing a file in
// s3://, as scan would write for a file of that shape.
//
//	go run ./testdata/bench/synth -n 1000 -vars 10 -chunks 100 -o DIR
package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"path/filepath"
	"time"

	"gokerchunk/blob"
	"gokerchunk/refs"
)

func main() {
	n := flag.Int("n", 1000, "inputs")
	vars := flag.Int("vars", 10, "variables per input")
	chunks := flag.Int("chunks", 100, "chunks per variable (a square grid)")
	out := flag.String("o", "", "output directory")
	flag.Parse()
	if *out == "" {
		log.Fatal("synth: -o DIR is required")
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	side := int(math.Sqrt(float64(*chunks)))
	if side*side != *chunks {
		log.Fatalf("synth: -chunks %d is not a square", *chunks)
	}
	day0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range *n {
		day := day0.AddDate(0, 0, i)
		url := fmt.Sprintf("s3://bucket/tas_%s.nc", day.Format("20060102"))
		s := Set(url, day, *vars, side)
		name := filepath.Join(*out, fmt.Sprintf("tas_day_%s.nc.json", day.Format("20060102")))
		if err := blob.WriteFileAtomic(name, func(w io.Writer) error { return refs.WriteJSON(w, s) }); err != nil {
			log.Fatal(err)
		}
	}
}

// Set builds one input: 1 step of vars variables on a (side*10)² grid in
// 10x10 chunks, each chunk 4 000-odd bytes at increasing offsets of url.
func Set(url string, day time.Time, vars, side int) *refs.Set {
	s := refs.NewSet()
	s.Groups[""] = &refs.Group{Attrs: refs.Attrs{"Conventions": []byte(`"CF-1.8"`), "history": []byte(fmt.Sprintf(`"synth %s"`, day.Format("2006-01-02")))}}
	n := int64(side * 10)
	coord := func(name string) {
		z := refs.ZArray{ZarrFormat: 2, Shape: []int64{n}, Chunks: []int64{n}, DType: []byte(`"<f8"`), FillValue: []byte("null"), Order: "C"}
		m := refs.NewManifest([]int{1})
		data := make([]byte, 0, 8*n)
		for k := range n {
			data = binary.LittleEndian.AppendUint64(data, math.Float64bits(float64(k)*0.5))
		}
		m.SetInline(0, data)
		s.PutArray(name, &z, refs.Attrs{"_ARRAY_DIMENSIONS": []byte(fmt.Sprintf(`["%s"]`, name))}, m)
	}
	coord("lat")
	coord("lon")
	z := refs.ZArray{ZarrFormat: 2, Shape: []int64{1}, Chunks: []int64{1}, DType: []byte(`"<f8"`), FillValue: []byte("null"), Order: "C"}
	tm := refs.NewManifest([]int{1})
	tm.SetInline(0, make([]byte, 8))
	s.PutArray("time", &z, refs.Attrs{"_ARRAY_DIMENSIONS": []byte(`["time"]`), "calendar": []byte(`"standard"`),
		"units": []byte(fmt.Sprintf(`"days since %s"`, day.Format("2006-01-02")))}, tm)

	off := int64(8192)
	for v := range vars {
		name := fmt.Sprintf("var%02d", v)
		z := refs.ZArray{ZarrFormat: 2, Shape: []int64{1, n, n}, Chunks: []int64{1, 10, 10}, DType: []byte(`"<f4"`),
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
