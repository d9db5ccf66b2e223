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

// ExpandPattern turns one input pattern into its targets, all of them
// (ListPattern, then every target its Listing gives).
func (c *Client) ExpandPattern(ctx context.Context, pat string, extensions []string) (Expansion, error) {
	l, err := c.ListPattern(ctx, pat, extensions)
	if err != nil {
		return Expansion{}, err
	}
	e := Expansion{Root: l.Root, Collection: l.Collection}
	err = l.Each(ctx, func(o Object) error {
		e.Targets = append(e.Targets, o.URL)
		return nil
	})
	if err != nil {
		return Expansion{}, err
	}
	return e, nil
}

// A Listing is what one input pattern names, its targets given one by
// one (Each) so that a caller can start on the first while an S3 listing
// is still on its first page.
type Listing struct {
	// Root and Collection are an Expansion's, known before any target.
	Root       string
	Collection bool

	pattern string
	known   []Object // the targets, when no listing is left to do
	// What an S3 listing lists and keeps: the objects below prefix whose
	// key keep accepts.
	client *Client
	prefix string
	keep   func(Object) bool
	// none is the NoMatchError's reason when the listing keeps nothing.
	none string
}

// ListPattern lists the Default client's way (Client.ListPattern).
func ListPattern(ctx context.Context, pattern string, extensions []string) (*Listing, error) {
	return Default().ListPattern(ctx, pattern, extensions)
}

// ListPattern resolves one input pattern, leaving an S3 listing for
// Each:
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
// A pattern that gives nothing is a *NoMatchError (from Each when an S3
// listing finds nothing); a local path that does not exist wraps
// fs.ErrNotExist.
func (c *Client) ListPattern(ctx context.Context, pat string, extensions []string) (*Listing, error) {
	switch scheme, _, _ := splitScheme(pat); scheme {
	case "s3":
		return c.listS3(ctx, pat, extensions)
	case "http", "https":
		u, _, _ := strings.Cut(pat, "?")
		return &Listing{pattern: pat, known: []Object{{URL: pat}}, Root: u[:strings.LastIndex(u, "/")+1]}, nil
	}
	return listLocal(pat, extensions)
}

// Lazy tells a listing whose targets come from an S3 listing that Each
// runs: none is known before.
func (l *Listing) Lazy() bool { return l.client != nil }

// Each calls fn with each target, in the order the listing gives them
// (sorted for local patterns and S3 listings alike): S3 pages are fetched
// as fn takes their objects. An error from fn stops the listing and is
// returned; an S3 listing that keeps no object is a *NoMatchError.
func (l *Listing) Each(ctx context.Context, fn func(Object) error) error {
	if l.client == nil {
		for _, o := range l.known {
			if err := fn(o); err != nil {
				return err
			}
		}
		return nil
	}
	found := false
	err := l.client.ListEach(ctx, l.prefix, func(o Object) error {
		if !l.keep(o) {
			return nil
		}
		found = true
		return fn(o)
	})
	if err != nil {
		return err
	}
	if !found {
		return &NoMatchError{Pattern: l.pattern, Reason: l.none}
	}
	return nil
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

func listLocal(pat string, extensions []string) (*Listing, error) {
	out, root, many, err := expandLocalTargets(pat, extensions)
	if err != nil {
		return nil, err
	}
	return &Listing{pattern: pat, known: out, Root: root, Collection: many}, nil
}

// expandLocalTargets is listLocal's work: the targets (with their size
// and modification time), the absolute root and whether the pattern
// names a directory or a glob.
func expandLocalTargets(pat string, extensions []string) (out []Object, root string, many bool, err error) {
	p, err := localPath(pat)
	if err != nil {
		return nil, "", false, err
	}
	add := func(p string, st fs.FileInfo) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if st == nil {
			if st, err = os.Stat(p); err != nil {
				return err
			}
		}
		out = append(out, Object{URL: abs, Size: st.Size(), Modified: st.ModTime().UTC()})
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
			if err := add(m, nil); err != nil {
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
		err = add(p, st)
		if err != nil {
			return nil, "", false, err
		}
		return out, filepath.Dir(out[0].URL), false, nil
	}
	if root, err = filepath.Abs(p); err != nil {
		return nil, "", false, err
	}
	err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && HasExtension(q, extensions) {
			st, err := d.Info()
			if err != nil {
				return err
			}
			return add(q, st)
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

func (c *Client) listS3(ctx context.Context, pat string, extensions []string) (*Listing, error) {
	loc, err := parseS3URL(pat)
	if err != nil {
		return nil, err
	}
	if isGlob(loc.key) {
		return globS3(c, loc, pat)
	}
	prefix := loc.key
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		o, ok, err := c.statS3(ctx, pat)
		if err != nil {
			return nil, err
		}
		if ok {
			return &Listing{pattern: pat, known: []Object{o}, Root: loc.url(prefix[:strings.LastIndex(prefix, "/")+1])}, nil
		}
		prefix += "/"
	}
	return &Listing{
		pattern: pat, Root: loc.url(prefix), Collection: true,
		client: c, prefix: loc.url(prefix),
		keep: func(o Object) bool { return HasExtension(o.URL, extensions) },
		none: fmt.Sprintf("no such object, and no %s objects below %s", strings.Join(extensions, ", "), loc.url(prefix)),
	}, nil
}

// globS3 lists the keys below the pattern's literal leading segments and
// keeps those that match it.
func globS3(c *Client, loc s3Location, pat string) (*Listing, error) {
	segs := strings.Split(loc.key, "/")
	prefix := literalPrefix(segs, "/")
	for _, s := range segs[strings.Count(prefix, "/"):] {
		if _, err := path.Match(s, ""); err != nil {
			return nil, fmt.Errorf("bad pattern %q: %w", pat, err)
		}
	}
	return &Listing{
		pattern: pat, Root: loc.url(prefix), Collection: true,
		client: c, prefix: loc.url(prefix),
		keep: func(o Object) bool {
			key := strings.TrimPrefix(o.URL, loc.url(""))
			return matchSegments(segs, strings.Split(key, "/"))
		},
		none: "no object matches",
	}, nil
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
