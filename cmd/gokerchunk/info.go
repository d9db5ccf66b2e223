package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/format"
	"gokerchunk/scan"
)

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:      "info",
		Usage:     "print the groups and variables of a NetCDF-4/HDF5 or netCDF-3 file",
		ArgsUsage: "FILE (a path, s3:// or http(s):// URL)",
		Description: `For each group and dataset: dtype, shape (unlimited dimensions marked),
chunk shape, storage layout and chunk index type, filters, and the dimension
names the scanner will write. Datasets the scanner hides (netCDF dimensions
without coordinate variables) or cannot represent say why.`,
		Flags: []cli.Flag{s3PathStyleFlag()},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("info takes exactly one FILE")
			}
			configureBlob(c)
			url := c.Args().First()
			if fi, err := os.Stat(url); err == nil && fi.IsDir() && !blob.IsRemote(url) {
				return usagef("info describes one file; %s is a directory (gokerchunk scan -o OUT/ %s scans every file below it)", url, url)
			}
			info, err := scan.Inspect(c.Context, url)
			if err != nil {
				return errors.New(describeError(url, err))
			}
			printInfo(c.App.Writer, url, info)
			return nil
		},
	}
}

func printInfo(w io.Writer, url string, info *format.Info) {
	fmt.Fprintf(w, "%s: %s\n", url, info.Summary)
	for _, o := range info.Objects {
		depth := strings.Count(strings.Trim(o.Path, "/"), "/")
		if o.Path != "/" {
			depth++
		}
		indent := strings.Repeat("  ", depth)
		if o.Group {
			fmt.Fprintf(w, "%sgroup %s (%d attributes)\n", indent, o.Path, o.Attributes)
			continue
		}
		fmt.Fprintf(w, "%s%s %s %s", indent, o.Path, o.DType, shapeString(o.Shape, o.MaxShape))
		if len(o.Dims) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(o.Dims, ", "))
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s    layout: %s", indent, o.Layout)
		if len(o.Chunks) > 0 {
			fmt.Fprintf(w, ", chunks %v", o.Chunks)
		}
		if len(o.Filters) > 0 {
			fmt.Fprintf(w, ", filters %s", strings.Join(o.Filters, " → "))
		}
		fmt.Fprintf(w, ", %d attributes\n", o.Attributes)
		if o.Hidden != "" {
			fmt.Fprintf(w, "%s    hidden: %s\n", indent, o.Hidden)
		}
		if o.Unsupported != "" {
			fmt.Fprintf(w, "%s    unsupported: %s\n", indent, o.Unsupported)
		}
	}
	for _, n := range info.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

func shapeString(shape []uint64, max []int64) string {
	parts := make([]string, len(shape))
	for i, n := range shape {
		parts[i] = fmt.Sprint(n)
		if i < len(max) && max[i] < 0 {
			parts[i] += " (unlimited)"
		}
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
