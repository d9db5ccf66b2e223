package blob

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// NoMatchError reports an input pattern, directory or prefix that names
// no input.
type NoMatchError struct {
	Pattern string
	Reason  string
}

func (e *NoMatchError) Error() string { return e.Pattern + ": " + e.Reason }

// Expand expands input patterns with the Default client.
func Expand(ctx context.Context, patterns, extensions []string) ([]string, error) {
	return Default().Expand(ctx, patterns, extensions)
}

// Expand turns input patterns into a sorted list of targets without
// duplicates:
//   - a local file as its absolute path; a local directory as every file
//     below it whose name ends in one of extensions (".nc", matched
//     without regard to case); a local glob (filepath.Glob) as its matches;
//   - s3://bucket/key as that object; s3://bucket/prefix/ (or a key that
//     is no object) as every object below the prefix with one of
//     extensions; s3://bucket/dir/*.nc as the matching objects, "*", "?"
//     and "[...]" matching within one path segment (path.Match) and a
//     segment "**" any number of segments;
//   - http(s):// URLs as they are (HTTP has no listing).
//
// A pattern that gives nothing is a *NoMatchError; a local path that does
// not exist wraps fs.ErrNotExist.
func (c *Client) Expand(ctx context.Context, patterns, extensions []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(u string) {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	for _, pat := range patterns {
		var got []string
		var err error
		switch scheme, _, _ := splitScheme(pat); scheme {
		case "s3":
			got, err = c.expandS3(ctx, pat, extensions)
		case "http", "https":
			got = []string{pat}
		default:
			got, err = expandLocal(pat, extensions)
		}
		if err != nil {
			return nil, err
		}
		for _, u := range got {
			add(u)
		}
	}
	sort.Strings(out)
	return out, nil
}

// HasExtension tells whether name ends in one of extensions, without
// regard to case.
func HasExtension(name string, extensions []string) bool {
	ext := path.Ext(name)
	for _, e := range extensions {
		if strings.EqualFold(ext, e) {
			return true
		}
	}
	return false
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

func expandLocal(pat string, extensions []string) ([]string, error) {
	p, err := localPath(pat)
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(p string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		out = append(out, abs)
		return nil
	}
	if isGlob(p) {
		matches, err := filepath.Glob(p)
		if err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
		if len(matches) == 0 {
			return nil, &NoMatchError{Pattern: pat, Reason: "no file matches"}
		}
		for _, m := range matches {
			if err := add(m); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return out, add(p)
	}
	err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && HasExtension(q, extensions) {
			return add(q)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &NoMatchError{Pattern: pat, Reason: fmt.Sprintf("no %s files in the directory", strings.Join(extensions, ", "))}
	}
	return out, nil
}

func (c *Client) expandS3(ctx context.Context, pat string, extensions []string) ([]string, error) {
	loc, err := parseS3URL(pat)
	if err != nil {
		return nil, err
	}
	if isGlob(loc.key) {
		return c.globS3(ctx, loc, pat)
	}
	prefix := loc.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		ok, err := c.Exists(ctx, pat)
		if err != nil {
			return nil, err
		}
		if ok {
			return []string{pat}, nil
		}
		prefix += "/"
	}
	objs, err := c.List(ctx, loc.url(prefix))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range objs {
		if HasExtension(o.URL, extensions) {
			out = append(out, o.URL)
		}
	}
	if len(out) == 0 {
		return nil, &NoMatchError{Pattern: pat, Reason: fmt.Sprintf("no such object, and no %s objects below %s", strings.Join(extensions, ", "), loc.url(prefix))}
	}
	return out, nil
}

// globS3 lists the keys below the pattern's literal leading segments and
// keeps those that match it.
func (c *Client) globS3(ctx context.Context, loc s3Location, pat string) ([]string, error) {
	segs := strings.Split(loc.key, "/")
	lit := 0
	for lit < len(segs) && !isGlob(segs[lit]) {
		lit++
	}
	for _, s := range segs[lit:] {
		if _, err := path.Match(s, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
	}
	prefix := strings.Join(segs[:lit], "/")
	if lit > 0 {
		prefix += "/"
	}
	objs, err := c.List(ctx, loc.url(prefix))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, o := range objs {
		key := strings.TrimPrefix(o.URL, loc.url(""))
		if matchSegments(segs, strings.Split(key, "/")) {
			out = append(out, o.URL)
		}
	}
	if len(out) == 0 {
		return nil, &NoMatchError{Pattern: pat, Reason: "no object matches"}
	}
	return out, nil
}

// matchSegments matches a key's segments against a pattern's; "**"
// matches any number of whole segments, zero included.
func matchSegments(pat, key []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(key); i++ {
				if matchSegments(pat[1:], key[i:]) {
					return true
				}
			}
			return false
		}
		if len(key) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], key[0]); !ok {
			return false
		}
		pat, key = pat[1:], key[1:]
	}
	return len(key) == 0
}
