package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gokerchunk/blob"
	"gokerchunk/scan"
)

// scanArgs are scan's INPUT arguments expanded.
type scanArgs struct {
	inputs []string          // sorted, without duplicates
	roots  map[string]string // each input's root (blob.Expansion.Root) in the first argument that named it
	// collection is the first argument naming a directory, an S3 prefix
	// or a glob, and which, "" if none: it makes -o a directory.
	collection string
}

// expandScanArgs expands each argument on its own (blob.ExpandPattern),
// keeping where below it each input was found, for --mirror.
func expandScanArgs(ctx context.Context, args []string) (*scanArgs, error) {
	a := &scanArgs{roots: map[string]string{}}
	for _, arg := range args {
		e, err := blob.ExpandPattern(ctx, arg, scan.InputExtensions)
		if err != nil {
			return nil, expandError(err)
		}
		if e.Collection && a.collection == "" {
			a.collection = arg + collectionKind(arg)
		}
		for _, in := range e.Targets {
			if _, ok := a.roots[in]; !ok {
				a.roots[in] = e.Root
				a.inputs = append(a.inputs, in)
			}
		}
	}
	sort.Strings(a.inputs)
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

// sidecarNames maps each input to its sidecar in dir (a local directory
// or an S3 prefix): scan.SidecarName, or with mirror
// scan.MirroredSidecarName below the input's root. Two inputs whose
// sidecars would overwrite each other are refused.
func sidecarNames(a *scanArgs, dir string, mirror bool) (map[string]string, error) {
	out := map[string]string{}
	by := map[string]string{}
	for _, in := range a.inputs {
		name := scan.SidecarName(dir, in)
		if mirror {
			var ok bool
			if name, ok = scan.MirroredSidecarName(dir, a.roots[in], in); !ok {
				return nil, usagef("--mirror: %s is not below %s, the root of the argument that named it", in, a.roots[in])
			}
		}
		if prev, ok := by[name]; ok {
			if mirror {
				return nil, usagef("%s and %s would both write %s (they lie at the same path below two INPUT arguments; scan them into different directories)", prev, in, name)
			}
			return nil, usagef("%s and %s would both write %s; --mirror writes each sidecar at its input's path below the INPUT argument instead (%s)",
				prev, in, name, mirrorExample(dir, a.roots[in], in))
		}
		by[name] = in
		out[in] = name
	}
	return out, nil
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
