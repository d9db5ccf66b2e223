// Command gokerchunk turns NetCDF-4/HDF5 and netCDF-3 files into kerchunk reference sets
// ("virtual Zarr") and checks them against their sources.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// Exit codes scripts can rely on.
const (
	exitOK       = 0
	exitFailures = 1 // some input failed, or a check found a mismatch
	exitUsage    = 2 // bad command line
)

// failure is an error whose message was already printed (per-input errors,
// check reports); main only sets the exit code.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

func main() {
	// SIGINT or SIGTERM cancels the command's context: a scan stops
	// sending jobs and records what it finished (scan --resume goes on
	// from there). A second signal kills as usual.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(runContext(ctx, os.Args))
}

func run(args []string) int { return runContext(context.Background(), args) }

func runContext(ctx context.Context, args []string) int {
	app := &cli.App{
		Name:  "gokerchunk",
		Usage: "turn NetCDF-4/HDF5 and netCDF-3 files into kerchunk reference sets (virtual Zarr v2)",
		Description: `gokerchunk reads the metadata of NetCDF-4/HDF5 and netCDF-3 (classic)
files without decompressing their data and writes, per file, a kerchunk
reference JSON: the Zarr v2 metadata of every variable and the byte range of
every chunk. fsspec, zarr and xarray then read the original files through it:

    xarray.open_dataset("reference://", engine="zarr",
        backend_kwargs={"consolidated": False, "storage_options": {"fo": "file.json"}})

Exit status: 0 on success, 1 when an input failed or a check found a
difference, 2 on a usage error.`,
		Version:        version(),
		Commands:       []*cli.Command{scanCommand(), combineCommand(), infoCommand(), checkCommand(), convertCommand(), refsCommand(), serveCommand(), lambdaCommand()},
		ExitErrHandler: func(*cli.Context, error) {},
	}
	setUpHelp(app)
	for _, c := range app.Commands {
		c.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
		for _, sub := range c.Subcommands {
			sub.OnUsageError = c.OnUsageError
		}
	}
	app.OnUsageError = func(_ *cli.Context, err error, _ bool) error { return usageError{err} }
	err := app.RunContext(ctx, flagsFirst(app, args))
	if err == nil {
		return exitOK
	}
	var f failure
	if errors.As(err, &f) {
		if f.msg != "" {
			fmt.Fprintln(os.Stderr, "gokerchunk:", f.msg)
		}
		return exitFailures
	}
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintln(os.Stderr, "gokerchunk:", err)
		return exitUsage
	}
	fmt.Fprintln(os.Stderr, "gokerchunk:", err)
	return exitFailures
}

// usageError marks a bad command line.
type usageError struct{ error }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// flagsFirst moves a subcommand's flags ahead of its positional arguments:
// urfave/cli, like the flag package, stops at the first argument, but
// "check REFS --source FILE" is how people write it.
func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	cmd := app.Command(args[1])
	if cmd == nil {
		return args
	}
	// "convert csv2parquet INPUT -o OUT": the flags are the subcommand's.
	depth := 2
	for len(cmd.Subcommands) > 0 && len(args) > depth {
		sub := cmd.Command(args[depth])
		if sub == nil {
			break
		}
		cmd = sub
		depth++
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, name := range f.Names() {
			takesValue[name] = !isBool
		}
	}
	var flags, positional []string
	rest := args[depth:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			positional = append(positional, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
			flags = append(flags, rest[i+1])
			i++
		}
	}
	out := append(slices.Clone(args[:depth]), flags...)
	if len(positional) > 0 {
		out = append(out, "--")
		out = append(out, positional...)
	}
	return out
}
