package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gokerchunk/scan"
)

// sidecarNames maps each input to its sidecar in dir (scan.SidecarName: a
// local directory or an S3 prefix), refusing two inputs whose sidecars
// would overwrite each other.
func sidecarNames(inputs []string, dir string) (map[string]string, error) {
	out := map[string]string{}
	by := map[string]string{}
	for _, in := range inputs {
		name := scan.SidecarName(dir, in)
		if prev, ok := by[name]; ok {
			return nil, usagef("%s and %s would both write %s", prev, in, name)
		}
		by[name] = in
		out[in] = name
	}
	return out, nil
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
