package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/fanout"
	"gokerchunk/hdf5scan"
)

func scanCommand() *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "write a kerchunk reference JSON for each NetCDF-4/HDF5 input",
		ArgsUsage: "INPUT...",
		Description: `INPUT is a file, a directory (every .nc, .nc4, .h5, .hdf5, .he5 and .hdf file
below it) or a glob pattern. References name each input by its absolute path.

With one input, -o names the output file ("-" or no -o: standard output).
With several, -o names a directory that receives <input file name>.json for
each input. Outputs are written to a temporary file and renamed: a failed
scan leaves no partial file.

Variables that cannot be referenced as stored are handled by --on-unsupported:
  error  (default) the file fails with an error naming the variable and why;
         in a batch the other files are still scanned and the summary counts
         the failures
  skip   the variable is left out and listed on standard error ("skipped:")
         and in the summary
  inline like skip, but variables whose chunks this tool can decode (filters
         without a numcodecs equivalent such as HDF5's lz4, lzf,
         bitshuffle, n-bit and scale-offset, chunks stored with another
         filter mask, narrow integers, embedded strings) are inlined
         whatever their size; by default that is done only up to 16 MiB
         of decoded data per variable
Whatever is deliberately not turned into an array or attribute (hard links
seen twice, soft and external links, empty datasets) is listed as "note:".`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "output file, - for standard output, or a directory for several inputs"},
			&cli.IntFlag{Name: "inline-threshold", Value: 500, Usage: "inline chunks smaller than this many bytes in the JSON (0: never)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "files scanned in parallel"},
			&cli.StringFlag{Name: "on-unsupported", Value: "error", Usage: "what to do with a variable that cannot be represented: error, skip or inline"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress and no summary"},
		},
		Action: runScan,
	}
}

func runScan(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("scan needs at least one INPUT (see gokerchunk scan --help)")
	}
	inputs, err := expandInputs(c.Args().Slice())
	if err != nil {
		return err
	}
	policy := c.String("on-unsupported")
	var maxDecodedInline int64 // 0: the scanner's default
	switch policy {
	case "error", "skip":
	case "inline":
		maxDecodedInline = inlineUnlimited
	default:
		return usagef("--on-unsupported must be error, skip or inline, not %q", policy)
	}
	if c.Int("inline-threshold") < 0 {
		return usagef("--inline-threshold must be 0 or more")
	}
	out := c.String("output")
	outputs := map[string]string{}
	if len(inputs) == 1 {
		if out == "" {
			out = "-"
		}
		outputs[inputs[0]] = out
	} else {
		if out == "" || out == "-" {
			return usagef("%d inputs: -o must name a directory for the sidecars", len(inputs))
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if outputs, err = sidecarNames(inputs, out); err != nil {
			return err
		}
	}

	stderr := c.App.ErrWriter
	quiet := c.Bool("quiet")
	showProgress := !quiet && len(inputs) > 1 && isTerminal(os.Stderr)
	start := time.Now()
	job := func(ctx context.Context, in string) (*hdf5scan.Result, error) {
		return fanout.ScanFile(ctx, in, fanout.ScanOptions{
			Options: hdf5scan.Options{
				URL:              in,
				InlineThreshold:  c.Int("inline-threshold"),
				SkipUnsupported:  policy != "error",
				MaxDecodedInline: maxDecodedInline,
			},
			Output: outputs[in],
			Stdout: c.App.Writer,
		})
	}
	progress := func(done int) {
		if showProgress {
			fmt.Fprintf(stderr, "\rscanned %d/%d files", done, len(inputs))
		}
	}
	outcomes := fanout.Run(c.Context, inputs, c.Int("workers"), job, progress)
	if showProgress {
		fmt.Fprintln(stderr)
	}

	var arrays, chunks, inlined, failed, skipped int
	for _, o := range outcomes {
		if o.Err != nil {
			failed++
			fmt.Fprintf(stderr, "error: %s\n", describeError(o.Input, o.Err))
			continue
		}
		arrays += o.Result.Arrays
		chunks += o.Result.Chunks
		inlined += o.Result.Inlined
		for _, s := range o.Result.Skipped {
			skipped++
			fmt.Fprintf(stderr, "skipped: %s\n", s)
		}
		for _, n := range o.Result.Notes {
			fmt.Fprintf(stderr, "note: %s: %s\n", o.Input, n)
		}
	}
	if !quiet {
		summary := fmt.Sprintf("scanned %s: %s, %s, %s",
			plural(len(inputs), "file"), plural(arrays, "variable"), plural(chunks, "chunk"), plural(failed, "error"))
		if inlined > 0 {
			summary += fmt.Sprintf(" (%d inline)", inlined)
		}
		if skipped > 0 {
			summary += ", " + plural(skipped, "skipped variable")
		}
		fmt.Fprintf(stderr, "%s in %.2fs\n", summary, time.Since(start).Seconds())
	}
	if failed > 0 {
		return failure{}
	}
	return nil
}

// inlineUnlimited is the decoded data --on-unsupported=inline lets one
// variable inline: bounded only so that a corrupt file cannot make the
// scanner allocate without end.
const inlineUnlimited = 1 << 30

// describeError names the file in every error, once.
func describeError(input string, err error) string {
	var fe *hdf5scan.FormatError
	var ue *hdf5scan.UnsupportedError
	msg := err.Error()
	if errors.As(err, &fe) || errors.As(err, &ue) || strings.Contains(msg, input) {
		return msg
	}
	return input + ": " + msg
}
