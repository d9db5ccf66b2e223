package zarr

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gokerchunk/refs"
)

var readFixtures = []struct {
	name string
	f    fixture
}{
	{"2D f4 zlib inline edge chunks", fixture{
		shape: []int64{7, 10}, chunks: []int64{3, 4}, dtype: "<f4", fill: `"NaN"`,
		compressor: refs.Codec{"id": "zlib", "level": 4},
	}},
	{"3D big-endian i2 shuffle zlib in a file", fixture{
		shape: []int64{5, 6, 7}, chunks: []int64{2, 4, 3}, dtype: ">i2", fill: "-999",
		filters:    []refs.Codec{{"id": "shuffle", "elementsize": 2}},
		compressor: refs.Codec{"id": "zlib", "level": 1}, storage: inFile,
	}},
	{"missing chunks with a fill value", fixture{
		shape: []int64{9, 9}, chunks: []int64{4, 4}, dtype: ">f8", fill: "1.5",
		compressor: refs.Codec{"id": "gzip", "level": 5}, storage: inFile,
		missing: func(i int) bool { return i%3 == 1 },
	}},
	{"missing chunks without a fill value", fixture{
		shape: []int64{6, 5}, chunks: []int64{2, 2}, dtype: "<u4", fill: "null",
		missing: func(i int) bool { return i%2 == 0 }, storage: inFile,
	}},
	{"shuffle and fletcher32 in whole-file refs", fixture{
		shape: []int64{10}, chunks: []int64{4}, dtype: "<i4", fill: "0",
		filters:    []refs.Codec{{"id": "shuffle", "elementsize": 4}, {"id": "fletcher32"}},
		compressor: refs.Codec{"id": "zlib", "level": 9}, storage: wholeFile,
	}},
	{"4D with every chunk missing but one", fixture{
		shape: []int64{3, 4, 5, 6}, chunks: []int64{2, 3, 2, 4}, dtype: "<i8", fill: "-1",
		missing: func(i int) bool { return i != 5 },
	}},
	{"scalar", fixture{shape: []int64{}, chunks: []int64{}, dtype: "<f8", fill: `"NaN"`}},
	{"zero-length dimension", fixture{shape: []int64{0, 5}, chunks: []int64{2, 5}, dtype: "<f4", fill: "0.0"}},
	{"bytes without codecs", fixture{shape: []int64{5}, chunks: []int64{3}, dtype: "|S3", fill: `"eHl6"`,
		missing: func(i int) bool { return i == 1 }}},
	{"chunk larger than the array", fixture{shape: []int64{3, 2}, chunks: []int64{10, 10}, dtype: "|u1", fill: "7",
		compressor: refs.Codec{"id": "zlib"}}},
}

func TestRead(t *testing.T) {
	ctx := context.Background()
	for k, tt := range readFixtures {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.f.build(t, uint64(k))
			a, err := b.store.Array("v")
			if err != nil {
				t.Fatal(err)
			}
			all, err := a.ReadAll(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := b.naiveRead(tt.f, make([]int64, len(tt.f.shape)), tt.f.shape); !bytes.Equal(all, want) {
				t.Fatalf("ReadAll differs from the reference (%d and %d bytes)", len(all), len(want))
			}

			rng := rand.New(rand.NewPCG(uint64(k), 2))
			rank := len(tt.f.shape)
			for range 200 {
				start := make([]int64, rank)
				count := make([]int64, rank)
				for d, s := range tt.f.shape {
					start[d] = rng.Int64N(s + 1)
					count[d] = rng.Int64N(s - start[d] + 1)
				}
				got, err := a.Read(ctx, start, count)
				if err != nil {
					t.Fatalf("Read(%v, %v): %v", start, count, err)
				}
				if want := b.naiveRead(tt.f, start, count); !bytes.Equal(got, want) {
					t.Fatalf("Read(%v, %v) differs from the reference", start, count)
				}
			}

			// A missing chunk reads as the fill value repeated.
			for i := range a.NumChunks() {
				if !b.missing[i] {
					continue
				}
				got, err := a.ReadChunk(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				fill := b.fill
				if fill == nil {
					fill = make([]byte, b.item)
				}
				if want := bytes.Repeat(fill, a.ChunkBytes()/b.item); !bytes.Equal(got, want) {
					t.Fatalf("missing chunk %d: %x, want the fill value %x repeated", i, got[:b.item], fill)
				}
			}
		})
	}
}

func TestReadChunkTouchesOnlyNeededChunks(t *testing.T) {
	f := readFixtures[1].f
	b := f.build(t, 9)
	a, err := b.store.Array("v")
	if err != nil {
		t.Fatal(err)
	}
	stats := b.store.opener.Stats()
	// One element in the middle lies in exactly one chunk.
	if _, err := a.Read(context.Background(), []int64{3, 5, 4}, []int64{1, 1, 1}); err != nil {
		t.Fatal(err)
	}
	if got := stats.Reads.Load(); got != 1 {
		t.Fatalf("a one-element read made %d reads, want 1", got)
	}
	// Elements 1..2 along dimension 2 (chunk size 3) straddle two chunks.
	if _, err := a.Read(context.Background(), []int64{0, 0, 2}, []int64{1, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if got := stats.Reads.Load(); got != 3 {
		t.Fatalf("after a read across a chunk boundary %d reads, want 3", got)
	}
}

func TestReadBadRegion(t *testing.T) {
	b := readFixtures[0].f.build(t, 0) // shape [7, 10]
	a, err := b.store.Array("v")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ start, count []int64 }{
		{[]int64{0}, []int64{1}},
		{[]int64{0, 0}, []int64{8, 1}},
		{[]int64{7, 0}, []int64{1, 1}},
		{[]int64{-1, 0}, []int64{1, 1}},
		{[]int64{0, 0}, []int64{1, -1}},
		{[]int64{1, 0}, []int64{1 << 62, 1}},
	}
	for _, tt := range tests {
		if got, err := a.Read(context.Background(), tt.start, tt.count); err == nil {
			t.Errorf("Read(%v, %v) = %d bytes, want an error", tt.start, tt.count, len(got))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.ReadAll(ctx); err == nil {
		t.Error("ReadAll with a canceled context succeeded")
	}
}

func BenchmarkRead(b *testing.B) {
	f := fixture{
		shape: []int64{64, 256, 256}, chunks: []int64{8, 128, 128}, dtype: "<f4", fill: `"NaN"`,
		filters:    []refs.Codec{{"id": "shuffle", "elementsize": 4}},
		compressor: refs.Codec{"id": "zlib", "level": 1}, storage: inFile,
	}
	bt := f.build(b, 1)
	a, err := bt.store.Array("v")
	if err != nil {
		b.Fatal(err)
	}
	start, count := []int64{4, 100, 100}, []int64{16, 56, 56} // 2 x 2 x 3 = 12 chunks
	b.SetBytes(16 * 56 * 56 * 4)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Read(context.Background(), start, count); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(bt.store.opener.Stats().Bytes.Load())/float64(b.N), "stored-B/op")
}

func ExampleArray_Read() {
	set := refs.NewSet()
	err := set.PutDocuments(map[string][]byte{"t/.zarray": []byte(`{"zarr_format": 2, "shape": [2, 3], "chunks": [2, 2], "dtype": "|u1",
		"fill_value": 9, "order": "C", "filters": null, "compressor": null}`)})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := refs.NewManifest([]int{1, 2})
	m.SetInline(0, []byte{1, 2, 4, 5}) // chunk 0.0; chunk 0.1 is missing
	set.Arrays["t"].Manifest = m
	a, err := Open(set, nil).Array("t")
	if err != nil {
		fmt.Println(err)
		return
	}
	all, _ := a.ReadAll(context.Background())
	fmt.Println(all)
	// Output: [1 2 9 4 5 9]
}

func TestReadConcurrent(t *testing.T) {
	f := readFixtures[2].f // gzip chunks in a shared file, some missing
	b := f.build(t, 4)
	a, err := b.store.Array("v")
	if err != nil {
		t.Fatal(err)
	}
	want := b.naiveRead(f, []int64{0, 0}, f.shape)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			got, err := a.ReadAll(context.Background())
			if err == nil && !bytes.Equal(got, want) {
				err = fmt.Errorf("concurrent ReadAll differs from the reference")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
