// Command ghcn writes synthetic CSV shaped like NOAA's GHCN-Daily by_year
// files (noaa-ghcn-pds/csv/by_year/YYYY.csv), for the csv2parquet tests and
// benchmark:
//
//	go run ./testdata/bench/ghcn -size 1GB -seed 1 -o FILE
//
// As in the real files there is no header, and each line is one element of
// one station-day:
//
//	ID,DATE,ELEMENT,DATA_VALUE,M_FLAG,Q_FLAG,S_FLAG,OBS_TIME
//	USC00045123,20200101,TMAX,156,,,7,0700
//
// ID is the 11-character station code (country, network, station: US1
// CoCoRaHS, USC00 cooperative, USW000 first-order, and international
// networks), DATE is YYYYMMDD, ELEMENT one of the core five (PRCP, SNOW,
// SNWD, TMAX, TMIN) or about forty rarer ones (TAVG, TOBS, WESD, AWND, the
// WT** weather types...), DATA_VALUE an integer in the element's units
// (tenths of °C, tenths of mm, ...). M_FLAG and Q_FLAG are mostly empty,
// S_FLAG almost always set (by network), OBS_TIME HHMM for cooperative
// stations and empty otherwise. Lines are in date order, then station order,
// as the by_year files are. The numbers are random but plausible (seasonal
// temperatures with TMIN below TMAX, mostly dry days); they only need the
// shape, the field widths and the value frequencies of the real data.
//
// The station count is chosen so that a year is about -size bytes; the
// output stops at the last whole line within -size, going on into the next
// year if a year is not enough. The same -seed and -size give the same
// bytes.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	sizeFlag := flag.String("size", "100MB", "output size: bytes, or with KB, MB, GB (powers of 1000) or KiB, MiB, GiB")
	seed := flag.Uint64("seed", 1, "random seed")
	year := flag.Int("year", 2020, "first year")
	out := flag.String("o", "-", "output file (- for standard output)")
	flag.Parse()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		log.Fatalf("ghcn: -size: %v", err)
	}
	w := io.Writer(os.Stdout)
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			log.Fatal(err)
		}
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := generate(bw, size, *seed, *year); err != nil {
		log.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		log.Fatal(err)
	}
	if f != nil {
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
	}
}

func parseSize(s string) (int64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	u := strings.ToUpper(strings.TrimSpace(s))
	mult := 1.0
	for _, x := range units {
		if strings.HasSuffix(u, x.suffix) {
			u, mult = strings.TrimSpace(strings.TrimSuffix(u, x.suffix)), x.mult
			break
		}
	}
	v, err := strconv.ParseFloat(u, 64)
	if err != nil || v < 0 || v*mult > 1<<50 {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return int64(v * mult), nil
}

// element is what a station reports: the element, how often (a day's
// probability) and how its value is drawn.
type element struct {
	name  string
	daily float64
	draw  func(g *gen, st *station, doy int) int
}

// station is one station: its code, network flags and elements.
type station struct {
	id       string
	sflag    string
	obsTime  string // "" or HHMM
	tmean    float64
	trange   float64
	elements []element
}

type gen struct {
	r *rand.Rand
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// Value draws for the element kinds.
func temperature(offset float64) func(*gen, *station, int) int {
	return func(g *gen, st *station, doy int) int {
		season := -math.Cos(2 * math.Pi * float64(doy-15) / 365)
		return int(math.Round(st.tmean + 100*season + offset*st.trange + 25*g.r.NormFloat64()))
	}
}

func precipitation(g *gen, _ *station, _ int) int {
	if g.chance(0.65) {
		return 0
	}
	return int(g.r.ExpFloat64() * 55)
}

func snow(g *gen, st *station, doy int) int {
	if st.tmean > 120 || doy > 90 && doy < 300 || g.chance(0.85) {
		return 0
	}
	return int(g.r.ExpFloat64() * 40)
}

func uniform(lo, hi int) func(*gen, *station, int) int {
	return func(g *gen, _ *station, _ int) int { return lo + g.r.IntN(hi-lo+1) }
}

func direction(g *gen, _ *station, _ int) int { return 10 * (1 + g.r.IntN(36)) }

func one(*gen, *station, int) int { return 1 }

var (
	prcp = element{"PRCP", 0.95, precipitation}
	snwf = element{"SNOW", 0.7, snow}
	snwd = element{"SNWD", 0.6, snow}
	tmax = element{"TMAX", 0.97, temperature(+0.5)}
	tmin = element{"TMIN", 0.97, temperature(-0.5)}
	tavg = element{"TAVG", 0.9, temperature(0)}
	tobs = element{"TOBS", 0.9, temperature(0.2)}
)

// rare are the other elements; a station reports a few of them.
var rare = []element{
	{"WESD", 0.15, uniform(0, 400)}, {"WESF", 0.05, uniform(0, 200)}, {"AWND", 0.95, uniform(0, 150)},
	{"WDF2", 0.95, direction}, {"WDF5", 0.9, direction}, {"WSF2", 0.95, uniform(20, 250)},
	{"WSF5", 0.9, uniform(30, 350)}, {"PGTM", 0.3, uniform(0, 2359)}, {"FMTM", 0.2, uniform(0, 2359)},
	{"TSUN", 0.5, uniform(0, 900)}, {"PSUN", 0.5, uniform(0, 100)}, {"EVAP", 0.5, uniform(0, 150)},
	{"MNPN", 0.5, temperature(-0.3)}, {"MXPN", 0.5, temperature(0.3)}, {"DAPR", 0.02, uniform(2, 9)},
	{"MDPR", 0.02, uniform(0, 800)}, {"DASF", 0.01, uniform(2, 9)}, {"MDSF", 0.01, uniform(0, 300)},
	{"DATN", 0.01, uniform(2, 9)}, {"DATX", 0.01, uniform(2, 9)}, {"MDTN", 0.01, temperature(-0.5)},
	{"MDTX", 0.01, temperature(0.5)}, {"THIC", 0.05, uniform(0, 500)}, {"WDMV", 0.4, uniform(0, 900)},
	{"SN32", 0.7, temperature(-0.2)}, {"SX32", 0.7, temperature(0.4)}, {"SN52", 0.5, temperature(-0.1)},
	{"SX52", 0.5, temperature(0.3)}, {"WDFG", 0.3, direction}, {"WSFG", 0.3, uniform(50, 400)},
	{"WT01", 0.12, one}, {"WT02", 0.03, one}, {"WT03", 0.08, one}, {"WT04", 0.02, one},
	{"WT05", 0.02, one}, {"WT06", 0.02, one}, {"WT08", 0.06, one}, {"WT09", 0.01, one},
	{"WT11", 0.03, one}, {"WT16", 0.15, one}, {"WT18", 0.04, one}, {"WV03", 0.005, one},
}

// networks are the station kinds with their share of stations.
var networks = []struct {
	share float64
	make  func(g *gen) station
}{
	{0.40, func(g *gen) station { // CoCoRaHS: precipitation and snow
		st := station{id: fmt.Sprintf("US1%s%s%04d", letters(g, 2), letters(g, 2), g.r.IntN(10000)), sflag: "N"}
		st.elements = []element{prcp, snwf, snwd}
		if g.chance(0.2) {
			st.elements = append(st.elements, rare[0], rare[1])
		}
		if g.chance(0.3) {
			st.obsTime = obsTimes[g.r.IntN(len(obsTimes))]
		}
		return st
	}},
	{0.25, func(g *gen) station { // cooperative: temperatures at a fixed hour
		st := station{id: fmt.Sprintf("USC00%06d", g.r.IntN(1000000)), sflag: "7", obsTime: obsTimes[g.r.IntN(len(obsTimes))]}
		st.elements = []element{tmax, tmin, tobs, prcp, snwf, snwd}
		for _, e := range rare[len(rare)-12:] {
			if g.chance(0.2) {
				st.elements = append(st.elements, e)
			}
		}
		if g.chance(0.1) {
			st.elements = append(st.elements, rare[14:22]...)
		}
		return st
	}},
	{0.05, func(g *gen) station { // first-order (ASOS): wind, sun, weather types
		st := station{id: fmt.Sprintf("USW000%05d", g.r.IntN(100000)), sflag: "W"}
		if g.chance(0.2) {
			st.obsTime = "2400"
		}
		st.elements = []element{tmax, tmin, tavg, prcp, snwf, snwd}
		for _, e := range rare[2:30] {
			if g.chance(0.4) {
				st.elements = append(st.elements, e)
			}
		}
		for _, e := range rare[30:] {
			if g.chance(0.7) {
				st.elements = append(st.elements, e)
			}
		}
		return st
	}},
	{0.30, func(g *gen) station { // international networks
		nets := []struct{ prefix, sflag string }{
			{"ASN000", "a"}, {"CA00", "C"}, {"GME0", "E"}, {"RSM000", "S"}, {"MXN000", "X"}, {"BR00", "R"}, {"SWE000", "E"}, {"IN0", "I"},
		}
		n := nets[g.r.IntN(len(nets))]
		st := station{id: n.prefix + digitString(g, 11-len(n.prefix)), sflag: n.sflag}
		st.elements = []element{prcp}
		if g.chance(0.6) {
			st.elements = append(st.elements, tmax, tmin)
		}
		if n.sflag == "S" || g.chance(0.2) {
			st.elements = append(st.elements, tavg)
		}
		if n.prefix == "CA00" || n.prefix == "SWE000" {
			st.elements = append(st.elements, snwf, snwd)
		}
		return st
	}},
}

var obsTimes = []string{"0700", "0700", "0700", "0800", "0800", "0600", "1700", "1800", "0900", "1600", "2400", "0730"}

func letters(g *gen, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('A' + g.r.IntN(26))
	}
	return string(b)
}

func digitString(g *gen, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

func makeStations(g *gen, n int) []station {
	sts := make([]station, 0, n)
	seen := map[string]bool{}
	for len(sts) < n {
		x, k := g.r.Float64(), 0
		for k < len(networks)-1 && x >= networks[k].share {
			x -= networks[k].share
			k++
		}
		st := networks[k].make(g)
		if seen[st.id] {
			continue
		}
		seen[st.id] = true
		st.tmean = 50 + 200*g.r.Float64()
		st.trange = 80 + 80*g.r.Float64()
		sts = append(sts, st)
	}
	slices.SortFunc(sts, func(a, b station) int { return strings.Compare(a.id, b.id) })
	return sts
}

// limitWriter passes on whole lines until the next would go past the limit.
type limitWriter struct {
	w    io.Writer
	left int64
	full bool
}

func (l *limitWriter) line(b []byte) error {
	if int64(len(b)) > l.left {
		l.full = true
		return nil
	}
	l.left -= int64(len(b))
	_, err := l.w.Write(b)
	return err
}

// generate writes lines until size bytes are reached.
func generate(w io.Writer, size int64, seed uint64, year int) error {
	// Measure a station-day on a probe set, then size the station set so
	// that a year is about size bytes.
	probe := &limitWriter{w: io.Discard, left: math.MaxInt64}
	pg := &gen{r: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))}
	probeStations := makeStations(pg, 500)
	start := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
	for d := range 60 {
		if err := writeDay(probe, pg, probeStations, start.AddDate(0, 0, d*6)); err != nil {
			return err
		}
	}
	perStationDay := float64(math.MaxInt64-probe.left) / (500 * 60)
	n := max(1, int(math.Ceil(float64(size)/(perStationDay*365))))

	g := &gen{r: rand.New(rand.NewPCG(seed, 0x2545f4914f6cdd1d))}
	sts := makeStations(g, n)
	lw := &limitWriter{w: w, left: size}
	for day := start; !lw.full; day = day.AddDate(0, 0, 1) {
		if err := writeDay(lw, g, sts, day); err != nil {
			return err
		}
	}
	return nil
}

func writeDay(lw *limitWriter, g *gen, sts []station, day time.Time) error {
	date := day.Format("20060102")
	doy := day.YearDay()
	var b []byte
	for i := range sts {
		st := &sts[i]
		for _, e := range st.elements {
			if !g.chance(e.daily) {
				continue
			}
			v := e.draw(g, st, doy)
			mflag, qflag := "", ""
			switch {
			case e.name == "PRCP" && v == 0 && g.chance(0.04):
				mflag = "T"
			case e.name == "TAVG" && st.sflag == "S":
				mflag = "H"
			case g.chance(0.002):
				mflag = string("BDKLOPW"[g.r.IntN(7)])
			}
			if g.chance(0.003) {
				qflag = string("DGIKLMNORSTWXZ"[g.r.IntN(14)])
			}
			b = append(b[:0], st.id...)
			b = append(b, ',')
			b = append(b, date...)
			b = append(b, ',')
			b = append(b, e.name...)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(v), 10)
			b = append(b, ',')
			b = append(b, mflag...)
			b = append(b, ',')
			b = append(b, qflag...)
			b = append(b, ',')
			b = append(b, st.sflag...)
			b = append(b, ',')
			b = append(b, st.obsTime...)
			b = append(b, '\n')
			if err := lw.line(b); err != nil || lw.full {
				return err
			}
		}
	}
	return nil
}
