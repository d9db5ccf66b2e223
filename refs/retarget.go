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
func (rt *Retarget) Apply(s *Set) RetargetReport {
	var rep RetargetReport
	targets := map[string]bool{} // matched
	note := func(u string, matched bool) {
		if _, ok := targets[u]; !ok {
			targets[u] = matched
		}
	}
	for _, path := range s.ArrayPaths() {
		m := s.Arrays[path].Manifest
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
