package combine

import (
	"context"
	"fmt"
	"testing"
	"time"
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
