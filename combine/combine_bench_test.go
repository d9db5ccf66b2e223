package combine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gokerchunk/refs"
	"gokerchunk/zarr"
)

// BenchmarkCombine combines 1000 inputs of one time step, each with 10
// variables of 100 chunks: a million references. Every input counts its
// time in days since its own day, so the coordinate is converted; lat and
// lon are the same inline arrays everywhere. Combine does not change its
// inputs (TestCombineLeavesInputs), so they are built once.
func BenchmarkCombine(b *testing.B) {
	const nInputs, nVars = 1000, 10
	grid := make([]float64, 100)
	for i := range grid {
		grid[i] = float64(i) * 0.25
	}
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	inputs := make([]Input, nInputs)
	for i := range inputs {
		name := fmt.Sprintf("tas_%04d.json", i)
		ti := testInput{name: name, arrays: map[string]testArray{
			"time": timeCoord("days since "+epoch.AddDate(0, 0, i).Format("2006-01-02"), "standard", "<f8", 0),
			"lat":  {dims: []string{"lat"}, shape: []int64{100}, values: grid, attrs: map[string]any{"units": "degrees_north"}},
			"lon":  {dims: []string{"lon"}, shape: []int64{100}, values: grid, attrs: map[string]any{"units": "degrees_east"}},
		}}
		for v := range nVars {
			ti.arrays[fmt.Sprintf("v%d", v)] = dataVar([]string{"time", "lat", "lon"},
				[]int64{1, 100, 100}, []int64{1, 10, 10}, fmt.Sprintf("s3://bucket/tas_%04d.nc", i), int64(v))
		}
		inputs[i] = ti.build(b)
	}
	ctx := context.Background()
	opts := Options{ConcatDim: "time"}

	b.ReportAllocs()
	var stored int
	for b.Loop() {
		res, err := Combine(ctx, inputs, opts)
		if err != nil {
			b.Fatal(err)
		}
		if res.Steps != nInputs {
			b.Fatalf("%d steps, want %d", res.Steps, nInputs)
		}
		stored = 0
		for _, m := range res.Set.Arrays {
			stored += m.Stored()
		}
	}
	if want := nInputs*nVars*100 + 3; stored != want {
		b.Fatalf("%d references in the output, want %d", stored, want)
	}
	b.ReportMetric(float64(stored), "refs/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(stored), "ns/ref")
}

// BenchmarkRewriteMismatched joins a year of daily 1-degree fields kept
// in 90 steps of a netCDF-3-like input (big-endian, one step a chunk, no
// codecs) with 275 steps of a netCDF-4-like one (little-endian, chunks of
// a step, shuffle + zlib): the netCDF-3 steps are read, byte-swapped,
// shuffled and deflated inline. Bytes/s are the decoded bytes rewritten.
func BenchmarkRewriteMismatched(b *testing.B) {
	const nlat, nlon = 180, 360
	field := func(steps int) []float64 {
		v := make([]float64, steps*nlat*nlon)
		for i := range v {
			v[i] = 250 + float64(i%nlon)/10 + float64(i/(nlat*nlon))
		}
		return v
	}
	input := func(name string, day0, steps int, dtype string) testInput {
		days := make([]float64, steps)
		for i := range days {
			days[i] = float64(day0 + i)
		}
		return testInput{name: name, arrays: map[string]testArray{
			"time": timeCoord("days since 2000-01-01", "standard", "<f8", days...),
			"tas": {dims: []string{"time", "lat", "lon"}, shape: []int64{int64(steps), nlat, nlon}, chunks: []int64{1, nlat, nlon},
				dtype: dtype, fill: "1e20", values: field(steps)},
		}}
	}
	old := input("old.nc", 0, 90, ">f4").build(b)
	recent := input("new.nc", 90, 275, "<f4").build(b)
	// The netCDF-4 input's chunks in its own codecs.
	z := recent.Set.Arrays["tas"].ZArray
	z.Filters = []refs.Codec{{"id": "shuffle", "elementsize": 4}, {"id": "zlib", "level": 4}}
	m := recent.Set.Arrays["tas"].Manifest
	for i := range m.Len() {
		ref, _ := m.Chunk(i)
		enc, err := zarr.EncodeChunk(z, ref.Data)
		if err != nil {
			b.Fatal(err)
		}
		m.SetInline(i, enc)
	}
	ctx := context.Background()
	opts := Options{ConcatDim: "time", RewriteMismatched: true}
	b.SetBytes(90 * nlat * nlon * 4)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Combine(ctx, []Input{old, recent}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Notices) == 0 {
			b.Fatal("nothing rewritten")
		}
	}
}
