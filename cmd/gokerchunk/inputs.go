package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gokerchunk/blob"
	"gokerchunk/scan"
)

// scanArgs are scan's INPUT arguments resolved: the inputs known at
// once (local files, directories and globs, single S3 objects, URLs),
// and the S3 prefixes and globs whose listing the scan runs as it goes.
type scanArgs struct {
	known []blob.Object // sorted by URL, without duplicates
	// inputs are known's URLs.
	inputs []string
	roots  map[string]string // each known input's root (blob.Listing.Root) in the first argument that named it
	// lazy are the S3 listings, in argument order; their targets come
	// while the scan goes on (blob.Listing.Each).
	lazy []*blob.Listing
	// collection is the first argument naming a directory, an S3 prefix
	// or a glob, and which, "" if none: it makes -o a directory.
	collection string
}

// expandScanArgs resolves each argument on its own (blob.ListPattern),
// keeping where below it each input was found, for --mirror; S3 listings
// are left to run while the inputs are scanned.
func expandScanArgs(ctx context.Context, args []string) (*scanArgs, error) {
	a := &scanArgs{roots: map[string]string{}}
	for _, arg := range args {
		l, err := blob.ListPattern(ctx, arg, scan.InputExtensions)
		if err != nil {
			return nil, expandError(err)
		}
		if l.Collection && a.collection == "" {
			a.collection = arg + collectionKind(arg)
		}
		if l.Lazy() {
			a.lazy = append(a.lazy, l)
			continue
		}
		err = l.Each(ctx, func(o blob.Object) error {
			if _, ok := a.roots[o.URL]; !ok {
				a.roots[o.URL] = l.Root
				a.known = append(a.known, o)
			}
			return nil
		})
		if err != nil {
			return nil, expandError(err)
		}
	}
	slices.SortFunc(a.known, func(x, y blob.Object) int { return strings.Compare(x.URL, y.URL) })
	for _, o := range a.known {
		a.inputs = append(a.inputs, o.URL)
	}
	return a, nil
}

// collectionKind says what a pattern that blob.ExpandPattern found to
// be a collection is.
func collectionKind(arg string) string {
	switch {
	case strings.ContainsAny(arg, "*?["):
		return " is a glob"
	case blob.IsS3(arg):
		return " is an S3 prefix"
	}
	return " is a directory"
}

// sidecarNames maps each known input to its sidecar in dir (a local
// directory or an S3 prefix), in order, as sidecarNamer names them.
func sidecarNames(a *scanArgs, dir string, mirror bool) (map[string]string, *sidecarNamer, error) {
	n := &sidecarNamer{dir: dir, mirror: mirror, by: map[string]string{}}
	out := map[string]string{}
	for _, in := range a.inputs {
		name, err := n.name(in, a.roots[in])
		if err != nil {
			return nil, nil, err
		}
		out[in] = name
	}
	return out, n, nil
}

// sidecarNamer names inputs' sidecars in dir one by one (those of a
// listing as it goes): scan.SidecarName, or with mirror
// scan.MirroredSidecarName below the input's root. Two inputs whose
// sidecars would overwrite each other are refused.
type sidecarNamer struct {
	dir    string
	mirror bool
	by     map[string]string // the input of each sidecar named so far
}

func (n *sidecarNamer) name(in, root string) (string, error) {
	name := scan.SidecarName(n.dir, in)
	if n.mirror {
		var ok bool
		if name, ok = scan.MirroredSidecarName(n.dir, root, in); !ok {
			return "", usagef("--mirror: %s is not below %s, the root of the argument that named it", in, root)
		}
	}
	if prev, ok := n.by[name]; ok {
		if n.mirror {
			return "", usagef("%s and %s would both write %s (they lie at the same path below two INPUT arguments; scan them into different directories)", prev, in, name)
		}
		return "", usagef("%s and %s would both write %s; --mirror writes each sidecar at its input's path below the INPUT argument instead (%s)",
			prev, in, name, mirrorExample(n.dir, root, in))
	}
	n.by[name] = in
	return name, nil
}

// mirrorExample is the sidecar --mirror would give input, for the hint.
func mirrorExample(dir, root, input string) string {
	if name, ok := scan.MirroredSidecarName(dir, root, input); ok {
		return input + " -> " + name
	}
	return "see scan --help"
}

// isTerminal reports whether f is a character device (progress is shown
// only there, so logs and pipes stay clean).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	if stem, ok := strings.CutSuffix(word, "ry"); ok {
		return fmt.Sprintf("%d %sries", n, stem)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// localMatches is a local path as given, or the files a glob pattern
// matches (none is a usage error).
func localMatches(arg string) ([]string, error) {
	if !strings.ContainsAny(arg, "*?[") {
		return []string{arg}, nil
	}
	matches, err := filepath.Glob(arg)
	if err != nil {
		return nil, usagef("bad pattern %q: %v", arg, err)
	}
	if len(matches) == 0 {
		return nil, usagef("%s: no file matches", arg)
	}
	return matches, nil
}
