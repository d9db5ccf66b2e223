package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// inputExtensions are the file names a directory input contributes.
var inputExtensions = []string{".nc", ".nc4", ".h5", ".hdf5", ".he5", ".hdf"}

// expandInputs turns the command line's files, directories and globs into
// a sorted list of absolute paths without duplicates.
func expandInputs(args []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) error {
		abs, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if !seen[abs] {
			seen[abs] = true
			out = append(out, abs)
		}
		return nil
	}
	for _, arg := range args {
		if strings.ContainsAny(arg, "*?[") {
			matches, err := filepath.Glob(arg)
			if err != nil {
				return nil, usagef("bad pattern %q: %v", arg, err)
			}
			if len(matches) == 0 {
				return nil, usagef("%s: no file matches", arg)
			}
			for _, m := range matches {
				if err := add(m); err != nil {
					return nil, err
				}
			}
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			return nil, usagef("%v", err)
		}
		if !st.IsDir() {
			if err := add(arg); err != nil {
				return nil, err
			}
			continue
		}
		n := 0
		err = filepath.WalkDir(arg, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.Type().IsRegular() && hasInputExtension(p) {
				n++
				return add(p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return nil, usagef("%s: no %s files in the directory", arg, strings.Join(inputExtensions, ", "))
		}
	}
	sort.Strings(out)
	return out, nil
}

func hasInputExtension(p string) bool {
	ext := strings.ToLower(filepath.Ext(p))
	for _, e := range inputExtensions {
		if ext == e {
			return true
		}
	}
	return false
}

// sidecarNames maps each input to "<dir>/<input file name>.json", refusing
// two inputs whose sidecars would overwrite each other.
func sidecarNames(inputs []string, dir string) (map[string]string, error) {
	out := map[string]string{}
	by := map[string]string{}
	for _, in := range inputs {
		name := filepath.Base(in) + ".json"
		if prev, ok := by[name]; ok {
			return nil, usagef("%s and %s would both write %s", prev, in, filepath.Join(dir, name))
		}
		by[name] = in
		out[in] = filepath.Join(dir, name)
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
