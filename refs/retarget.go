package refs

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// A PrefixRule points the references whose target starts with Old at New
// instead: /data/archive/x.nc becomes s3://bucket/archive/x.nc under the
// rule /data/archive/ → s3://bucket/archive/. Scripts and job requests
// carry rules as {"old": ..., "new": ...}.
type PrefixRule struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// ParsePrefixRule reads "OLD=NEW". Since paths and S3 keys may hold "="
// themselves (year=2020/), OLD ends at the first "=" that is followed by
// what NEW must start with ("/" or a scheme and "://") and makes a rule
// that passes PrefixRule.Check.
func ParsePrefixRule(spec string) (PrefixRule, error) {
	var first error
	for i := 0; i < len(spec); i++ {
		if spec[i] != '=' || !isAbsoluteTarget(spec[i+1:]) {
			continue
		}
		r := PrefixRule{Old: spec[:i], New: spec[i+1:]}
		err := r.Check()
		if err == nil {
			return r, nil
		}
		if first == nil {
			first = err
		}
	}
	if first != nil {
		return PrefixRule{}, first
	}
	return PrefixRule{}, fmt.Errorf("%q: want OLD=NEW, NEW an absolute path or a URL (scheme://...)", spec)
}

func (r PrefixRule) String() string { return r.Old + "=" + r.New }

// Check tells whether the rule keeps targets well formed:
//   - OLD and NEW are both absolute paths ("/...") or URLs ("scheme://..."),
//     so that a rule can neither make a target relative nor match one in
//     the middle;
//   - OLD ends in "/" exactly when NEW does, so that the rest of the path
//     keeps one separator: /data/=s3://b/archive would make
//     s3://b/archivex.nc, /data=s3://b/ would make s3://b//x.nc.
//
// A rule whose OLD does not end in "/" matches whole path segments only
// (Match): /data/archive does not match /data/archive2/x.nc.
func (r PrefixRule) Check() error {
	switch {
	case r.Old == "" || r.New == "":
		return fmt.Errorf("%q: OLD and NEW must not be empty", r.String())
	case !isAbsoluteTarget(r.Old):
		return fmt.Errorf("%q: OLD %q is neither an absolute path nor a URL (scheme://...)", r.String(), r.Old)
	case !isAbsoluteTarget(r.New):
		return fmt.Errorf("%q: NEW %q is neither an absolute path nor a URL (scheme://...)", r.String(), r.New)
	case strings.HasSuffix(r.Old, "/") != strings.HasSuffix(r.New, "/"):
		return fmt.Errorf("%q: OLD and NEW must both end in \"/\" (a directory) or both not (a directory or a file named without it), or paths would lose or double their separator", r.String())
	}
	return nil
}

// Match returns url with the rule applied, and whether it applied: url is
// OLD itself, or starts with OLD at a path boundary (OLD ends in "/", or
// "/" follows it in url).
func (r PrefixRule) Match(url string) (string, bool) {
	rest, ok := strings.CutPrefix(url, r.Old)
	if !ok || (rest != "" && !strings.HasSuffix(r.Old, "/") && rest[0] != '/') {
		return url, false
	}
	return r.New + rest, true
}

// isAbsoluteTarget tells an absolute path or a URL with a scheme
// (RFC 3986: a letter, then letters, digits, "+", "-" or ".").
func isAbsoluteTarget(s string) bool {
	if strings.HasPrefix(s, "/") {
		return true
	}
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return false
		}
	}
	return true
}

// Retarget rewrites the targets of reference sets by PrefixRules, the
// longest OLD first. The zero value and nil rewrite nothing.
type Retarget struct {
	rules []PrefixRule
}

// NewRetarget checks the rules (PrefixRule.Check, and no OLD twice) and
// orders them longest OLD first. No rules give a nil Retarget.
func NewRetarget(rules []PrefixRule) (*Retarget, error) {
	if len(rules) == 0 {
		return nil, nil
	}
	seen := map[string]bool{}
	var errs []error
	for _, r := range rules {
		if err := r.Check(); err != nil {
			errs = append(errs, err)
		} else if seen[r.Old] {
			errs = append(errs, fmt.Errorf("OLD %q is given twice", r.Old))
		}
		seen[r.Old] = true
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	sorted := append([]PrefixRule(nil), rules...)
	// Two OLDs of one length cannot both be prefixes of one target, so
	// the order among them does not matter; it is fixed all the same.
	sort.SliceStable(sorted, func(i, j int) bool {
		if len(sorted[i].Old) != len(sorted[j].Old) {
			return len(sorted[i].Old) > len(sorted[j].Old)
		}
		return sorted[i].Old < sorted[j].Old
	})
	return &Retarget{rules: sorted}, nil
}

// Rules returns the rules, longest OLD first.
func (rt *Retarget) Rules() []PrefixRule {
	if rt == nil {
		return nil
	}
	return append([]PrefixRule(nil), rt.rules...)
}

// URL returns url rewritten by the rule with the longest OLD that matches
// it, and whether one did. A rewritten URL is not rewritten again.
func (rt *Retarget) URL(url string) (string, bool) {
	if rt == nil {
		return url, false
	}
	for _, r := range rt.rules {
		if u, ok := r.Match(url); ok {
			return u, true
		}
	}
	return url, false
}

// RetargetReport is what Apply did.
type RetargetReport struct {
	// References is the number of references to a target (chunks and
	// extra keys, not inline data); Changed those whose target changed.
	References, Changed int
	// Targets is the number of distinct targets before the rewrite;
	// Unmatched those that no rule matched, sorted.
	Targets   int
	Unmatched []string
}

// Apply rewrites the targets of every chunk reference and of every extra
// key that refers to a target. Targets of one manifest that become equal
// share one entry of its URL table.
//
// An array with a Source and no Manifest gets a Source that rewrites each
// table its reader gives (retargetSource). Its tables are seen only by
// reading it, so Apply makes one pass over the source to count its
// references for the report; Targets counts the targets of every table
// the pass gave, as it counts a manifest's whole table. Apply returns no
// error: if that pass fails, every pass over the new Source fails with
// the same error (the write that follows reports it), and the report
// counts the references read before it.
func (rt *Retarget) Apply(s *Set) RetargetReport {
	var rep RetargetReport
	targets := map[string]bool{} // matched
	note := func(u string, matched bool) {
		if _, ok := targets[u]; !ok {
			targets[u] = matched
		}
	}
	for _, path := range s.ArrayPaths() {
		a := s.Arrays[path]
		if a.Manifest == nil && a.Source != nil {
			rt.applySource(a, &rep, note)
			continue
		}
		m := a.Manifest
		if m == nil || len(m.URLs) == 0 {
			continue
		}
		urls := make([]string, 0, len(m.URLs))
		index := make(map[string]int32, len(m.URLs))
		remap := make([]int32, len(m.URLs))
		changed := make([]bool, len(m.URLs))
		for i, u := range m.URLs {
			nu, ok := rt.URL(u)
			note(u, ok)
			changed[i] = nu != u
			j, dup := index[nu]
			if !dup {
				j = int32(len(urls))
				urls = append(urls, nu)
				index[nu] = j
			}
			remap[i] = j
		}
		for i, t := range m.Target {
			if t < 0 {
				continue
			}
			rep.References++
			if changed[t] {
				rep.Changed++
			}
			m.Target[i] = remap[t]
		}
		m.URLs = urls
	}
	for k, ref := range s.Extra {
		if ref.URL == "" {
			continue
		}
		nu, ok := rt.URL(ref.URL)
		note(ref.URL, ok)
		rep.References++
		if nu != ref.URL {
			rep.Changed++
			ref.URL = nu
			s.Extra[k] = ref
		}
	}
	rep.Targets = len(targets)
	for u, matched := range targets {
		if !matched {
			rep.Unmatched = append(rep.Unmatched, u)
		}
	}
	sort.Strings(rep.Unmatched)
	return rep
}

// applySource counts the references of a's Source into rep, noting every
// target of its tables, and replaces the Source by one that rewrites them.
func (rt *Retarget) applySource(a *Array, rep *RetargetReport, note func(string, bool)) {
	var table []string
	var changed []bool
	err := EachStoredWindow(a.Source, streamWindow, func(_ int, w *Manifest) error {
		if !sameTable(w.URLs, table) {
			table, changed = w.URLs, changed[:0]
			for _, u := range table {
				nu, ok := rt.URL(u)
				note(u, ok)
				changed = append(changed, nu != u)
			}
		}
		for _, t := range w.Target {
			// A target outside the table is refused by the writers.
			if t >= 0 && int(t) < len(changed) {
				rep.References++
				if changed[t] {
					rep.Changed++
				}
			}
		}
		return nil
	})
	if rt == nil || len(rt.rules) == 0 {
		return
	}
	a.Source = &retargetSource{src: a.Source, rt: rt, err: err}
}

// retargetSource is a ChunkSource whose targets are rewritten by rt. A
// table is rewritten entry by entry, so targets that become equal may
// appear twice in it (a ChunkReader's table may).
type retargetSource struct {
	src ChunkSource
	rt  *Retarget
	err error // of Apply's pass over src: every pass fails with it
}

func (s *retargetSource) Grid() []int { return s.src.Grid() }

func (s *retargetSource) recordSize() int {
	if rs, ok := s.src.(recordSized); ok {
		return rs.recordSize()
	}
	return streamWindow
}

func (s *retargetSource) Open() (ChunkReader, error) {
	if s.err != nil {
		return nil, s.err
	}
	r, err := s.src.Open()
	if err != nil {
		return nil, err
	}
	return &retargetReader{r: r, rt: s.rt}, nil
}

// retargetReader rewrites the table of each window, once for as long as
// the reader it wraps gives the same table.
type retargetReader struct {
	r       ChunkReader
	rt      *Retarget
	table   []string // the last table r gave
	mapped  []string // table rewritten
	pos     int      // the next position
	scratch Manifest // what r fills when it cannot skip
}

// NextStored passes on r's answer; a reader that cannot tell may have a
// chunk at every position.
func (r *retargetReader) NextStored() int {
	if s, ok := r.r.(StoredSeeker); ok {
		return s.NextStored()
	}
	return r.pos
}

// Skip passes over n positions of r.
func (r *retargetReader) Skip(n int) error {
	r.pos += n
	return Skip(r.r, n, &r.scratch)
}

func (r *retargetReader) Next(n int, w *Manifest) error {
	if err := r.r.Next(n, w); err != nil {
		return err
	}
	r.pos += n
	if !sameTable(w.URLs, r.table) {
		// A new slice, so that the caller sees a new table.
		r.table, r.mapped = w.URLs, make([]string, len(w.URLs))
		for i, u := range w.URLs {
			r.mapped[i], _ = r.rt.URL(u)
		}
	}
	w.URLs = r.mapped
	return nil
}

func (r *retargetReader) Close() error { return r.r.Close() }
