package refs

import (
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

// strconvFloat is AppendFloat without its short cut: strconv's
// shortest 'g' form, ".0" after an integer, the bare non-finite words.
func strconvFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, bits)
	for _, c := range b[start:] {
		if c == '.' || c == 'e' || c == 'E' {
			return b
		}
	}
	return append(b, ".0"...)
}

// checkFloat fails t unless AppendFloat writes f as strconv does,
// as a float64 and, when f is one, as a float32.
func checkFloat(t testing.TB, f float64) {
	t.Helper()
	sizes := []int{64}
	if float64(float32(f)) == f || math.IsNaN(f) {
		sizes = append(sizes, 32)
	}
	for _, bits := range sizes {
		got := AppendFloat([]byte("x"), f, bits)
		want := strconvFloat([]byte("x"), f, bits)
		if string(got) != string(want) {
			t.Fatalf("AppendFloat(%b, %d) = %s, strconv %s", f, bits, got[1:], want[1:])
		}
	}
}

// checkAround checks f, its negation and its float64 and float32
// neighbours.
func checkAround(t testing.TB, f float64) {
	t.Helper()
	for _, g := range []float64{f, -f} {
		checkFloat(t, g)
		up, down := g, g
		for range 2 {
			up, down = math.Nextafter(up, math.Inf(1)), math.Nextafter(down, math.Inf(-1))
			checkFloat(t, up)
			checkFloat(t, down)
		}
		g32 := float32(g)
		checkFloat(t, float64(g32))
		up32, down32 := g32, g32
		for range 2 {
			up32 = math.Nextafter32(up32, float32(math.Inf(1)))
			down32 = math.Nextafter32(down32, float32(math.Inf(-1)))
			checkFloat(t, float64(up32))
			checkFloat(t, float64(down32))
		}
	}
}

func TestAppendAttrFloatEdges(t *testing.T) {
	for _, f := range []float64{
		0, 1, 0.5, 0.1, 0.2, 0.3, 1.0 / 3, 2.0 / 3, 273.15, -273.15, 9.5, 1000, 12345.678,
		1e-4, 1e-5, 0.99e-4, 9.999e-5, 0.0001234, 0.000123456789, 1.23456789,
		999999, 999999.5, 999999.999, 999999.999999999, 1e6, 1e6 - 1e-9, 1e7, 1e15, 1e16, 1e21, 1e22, 1e23,
		123456.789012345, 4.35, 0.3 + 0.6, 1.1 * 1.1, 100 * 1.1,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.MaxFloat32, math.SmallestNonzeroFloat32,
		9.969209968386869e+36, 9.969209968386869e+36 / 1e30, float64(float32(0.1)), float64(float32(1) / 3),
		math.Inf(1), math.NaN(),
	} {
		checkAround(t, f)
	}
	for e := -30; e <= 30; e++ {
		checkAround(t, math.Ldexp(1, e))
		checkAround(t, math.Pow(10, float64(e)))
		checkAround(t, 5*math.Pow(10, float64(e)))
		checkAround(t, 9.5*math.Pow(10, float64(e)))
	}
}

// Every decimal with up to 9 decimals and few digits, those with many
// digits at random, and their neighbours: the values the short cut takes,
// and the ones beside them it must leave to strconv. The decimals that
// read back as float64s in range must take the short cut.
func TestAppendAttrFloatDecimals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := 0; k <= maxShortDecimals+1; k++ {
		p := math.Pow(10, float64(k))
		limit := uint64(1e6 * p)
		check := func(m uint64) {
			d, err := strconv.ParseFloat(strconv.FormatUint(m, 10)+"e-"+strconv.Itoa(k), 64)
			if err != nil {
				t.Fatal(err)
			}
			checkAround(t, d)
			if k <= maxShortDecimals && m%10 != 0 && d >= 1e-4 && d < 1e6 {
				want := m * uint64(pow10[maxShortDecimals-k])
				if got, ok := shortDecimal64(d); !ok || got != want {
					t.Fatalf("%de-%d: shortDecimal64 = %d, %v, want %d", m, k, got, ok, want)
				}
			}
		}
		for m := uint64(1); m <= 1000; m++ {
			check(m)
		}
		for range 5000 {
			check(1 + r.Uint64N(limit))
		}
		if testing.Short() {
			break
		}
	}
}

// Random bit patterns, and random floats in the short cut's range.
func TestAppendAttrFloatRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 200000
	if testing.Short() {
		n = 20000
	}
	for range n {
		checkFloat(t, math.Float64frombits(r.Uint64()))
		checkFloat(t, float64(math.Float32frombits(r.Uint32())))
		f := math.Pow(10, -4.5+11*r.Float64())
		checkFloat(t, f)
		checkFloat(t, float64(float32(f)))
	}
}

// Float32s of the short cut's range, every 997th of them; every one with
// GOKERCHUNK_ALL_FLOAT32=1 (some minutes).
func TestAppendAttrFloat32Range(t *testing.T) {
	step := uint32(997)
	if os.Getenv("GOKERCHUNK_ALL_FLOAT32") == "1" {
		step = 1
	} else if testing.Short() {
		step = 9973
	}
	lo, hi := math.Float32bits(0.99e-4), math.Float32bits(1e6)
	var got, want []byte
	for u := lo - 4; u <= hi+4; u += step {
		for _, sign := range []uint32{0, 1 << 31} {
			f := float64(math.Float32frombits(u | sign))
			got = AppendFloat(got[:0], f, 32)
			want = strconvFloat(want[:0], f, 32)
			if string(got) != string(want) {
				t.Fatalf("AppendFloat(%v, 32) = %s, strconv %s", float32(f), got, want)
			}
		}
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 0.5, 0.1, 273.15, 1e-4, 999999.9375, 1e6, 1.0 / 3, math.Inf(-1), math.NaN()} {
		f.Add(math.Float64bits(v))
		f.Add(uint64(math.Float32bits(float32(v))))
	}
	f.Fuzz(func(t *testing.T, u uint64) {
		// The bits as they are: mostly outside the short cut's range.
		checkFloat(t, math.Float64frombits(u))
		checkFloat(t, float64(math.Float32frombits(uint32(u))))
		checkFloat(t, float64(math.Float32frombits(uint32(u>>32))))
		// The significand in a binade of the short cut's range (2^-14 to
		// 2^19), as a float64 and a float32.
		x := math.Ldexp(1+float64(u&(1<<52-1))/(1<<52), int(u>>52)%34-14)
		checkFloat(t, x)
		checkFloat(t, float64(float32(x)))
		// A decimal with up to 9 decimals, and its neighbours.
		checkAround(t, float64(u%1e15)/1e9)
	})
}

// BenchmarkAppendFloat writes attribute-like floats, with the short
// cut and through strconv.
func BenchmarkAppendFloat(b *testing.B) {
	values := []float64{0.5, 1, 273.15, 9.969209968386869e+36, 1.0 / 3, 12.5, 0.001, -45.25}
	for _, tc := range []struct {
		name string
		fn   func([]byte, float64, int) []byte
	}{{"append", AppendFloat}, {"strconv", strconvFloat}} {
		for _, bits := range []int{32, 64} {
			b.Run(tc.name+"/"+strconv.Itoa(bits), func(b *testing.B) {
				var buf []byte
				for b.Loop() {
					buf = buf[:0]
					for _, v := range values {
						buf = tc.fn(buf, v, bits)
					}
				}
			})
		}
	}
}
