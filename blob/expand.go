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
// duplicates, each pattern expanded as ExpandPattern expands it.
func (c *Client) Expand(ctx context.Context, patterns, extensions []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	for _, pat := range patterns {
		e, err := c.ExpandPattern(ctx, pat, extensions)
		if err != nil {
			return nil, err
		}
		for _, u := range e.Targets {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// Expansion is what one input pattern names.
type Expansion struct {
	Targets []string
	// Root is the directory or prefix the targets are named below, so
	// that a target's path relative to it (Rel) says where below the
	// pattern it was found: a local directory itself, a glob's leading
	// segments without metacharacters (data/*/*.nc: data), an S3 prefix
	// itself (s3://b/dir/), a file's or an object's own directory. Local
	// roots are absolute paths; URL roots end in "/".
	Root string
	// Collection tells a pattern that names a directory, an S3 prefix or
	// a glob (however many targets it gave) from one naming one target.
	Collection bool
}

// ExpandPattern expands the Default client's way (Client.ExpandPattern).
func ExpandPattern(ctx context.Context, pattern string, extensions []string) (Expansion, error) {
	return Default().ExpandPattern(ctx, pattern, extensions)
}

// ExpandPattern turns one input pattern into its targets:
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
func (c *Client) ExpandPattern(ctx context.Context, pat string, extensions []string) (Expansion, error) {
	switch scheme, _, _ := splitScheme(pat); scheme {
	case "s3":
		return c.expandS3(ctx, pat, extensions)
	case "http", "https":
		u, _, _ := strings.Cut(pat, "?")
		return Expansion{Targets: []string{pat}, Root: u[:strings.LastIndex(u, "/")+1]}, nil
	}
	return expandLocal(pat, extensions)
}

// Rel is target's path below root (an Expansion's Root), with "/"
// separators; ok is false when target is not below root.
func Rel(root, target string) (rel string, ok bool) {
	if IsRemote(root) {
		rel, ok = strings.CutPrefix(target, root)
	} else {
		r, err := filepath.Rel(root, target)
		rel, ok = filepath.ToSlash(r), err == nil
	}
	if !ok || rel == "" || path.IsAbs(rel) {
		return "", false
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == ".." || seg == "." || seg == "" {
			return "", false
		}
	}
	return rel, true
}

// literalPrefix is a glob's leading segments without metacharacters,
// joined with sep and ending in it ("" when the first segment has one).
func literalPrefix(segs []string, sep string) string {
	lit := 0
	for lit < len(segs) && !isGlob(segs[lit]) {
		lit++
	}
	if lit == 0 {
		return ""
	}
	return strings.Join(segs[:lit], sep) + sep
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

func expandLocal(pat string, extensions []string) (Expansion, error) {
	out, root, many, err := expandLocalTargets(pat, extensions)
	if err != nil {
		return Expansion{}, err
	}
	return Expansion{Targets: out, Root: root, Collection: many}, nil
}

// expandLocalTargets is expandLocal's work: the targets, the absolute
// root and whether the pattern names a directory or a glob.
func expandLocalTargets(pat string, extensions []string) (out []string, root string, many bool, err error) {
	p, err := localPath(pat)
	if err != nil {
		return nil, "", false, err
	}
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
			return nil, "", false, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
		if len(matches) == 0 {
			return nil, "", false, &NoMatchError{Pattern: pat, Reason: "no file matches"}
		}
		for _, m := range matches {
			if err := add(m); err != nil {
				return nil, "", false, err
			}
		}
		lit := literalPrefix(strings.Split(filepath.ToSlash(p), "/"), "/")
		if lit == "" {
			lit = "."
		}
		root, err = filepath.Abs(filepath.FromSlash(lit))
		return out, root, true, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, "", false, err
	}
	if !st.IsDir() {
		err = add(p)
		if err != nil {
			return nil, "", false, err
		}
		return out, filepath.Dir(out[0]), false, nil
	}
	if root, err = filepath.Abs(p); err != nil {
		return nil, "", false, err
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
		return nil, "", false, err
	}
	if len(out) == 0 {
		return nil, "", false, &NoMatchError{Pattern: pat, Reason: fmt.Sprintf("no %s files in the directory", strings.Join(extensions, ", "))}
	}
	return out, root, true, nil
}

func (c *Client) expandS3(ctx context.Context, pat string, extensions []string) (Expansion, error) {
	loc, err := parseS3URL(pat)
	if err != nil {
		return Expansion{}, err
	}
	if isGlob(loc.key) {
		return c.globS3(ctx, loc, pat)
	}
	prefix := loc.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		ok, err := c.Exists(ctx, pat)
		if err != nil {
			return Expansion{}, err
		}
		if ok {
			return Expansion{Targets: []string{pat}, Root: loc.url(prefix[:strings.LastIndex(prefix, "/")+1])}, nil
		}
		prefix += "/"
	}
	objs, err := c.List(ctx, loc.url(prefix))
	if err != nil {
		return Expansion{}, err
	}
	var out []string
	for _, o := range objs {
		if HasExtension(o.URL, extensions) {
			out = append(out, o.URL)
		}
	}
	if len(out) == 0 {
		return Expansion{}, &NoMatchError{Pattern: pat, Reason: fmt.Sprintf("no such object, and no %s objects below %s", strings.Join(extensions, ", "), loc.url(prefix))}
	}
	return Expansion{Targets: out, Root: loc.url(prefix), Collection: true}, nil
}

// globS3 lists the keys below the pattern's literal leading segments and
// keeps those that match it.
func (c *Client) globS3(ctx context.Context, loc s3Location, pat string) (Expansion, error) {
	segs := strings.Split(loc.key, "/")
	prefix := literalPrefix(segs, "/")
	for _, s := range segs[strings.Count(prefix, "/"):] {
		if _, err := path.Match(s, ""); err != nil {
			return Expansion{}, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
	}
	objs, err := c.List(ctx, loc.url(prefix))
	if err != nil {
		return Expansion{}, err
	}
	var out []string
	for _, o := range objs {
		key := strings.TrimPrefix(o.URL, loc.url(""))
		if matchSegments(segs, strings.Split(key, "/")) {
			out = append(out, o.URL)
		}
	}
	if len(out) == 0 {
		return Expansion{}, &NoMatchError{Pattern: pat, Reason: "no object matches"}
	}
	return Expansion{Targets: out, Root: loc.url(prefix), Collection: true}, nil
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
