package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"gokerchunk/blob"
	"gokerchunk/refs"
	"gokerchunk/zarrcheck"
)

func checkCommand() *cli.Command {
	return &cli.Command{
		Name:      "check",
		Usage:     "verify a reference set: every reference resolves and decodes, and every array equals the source",
		ArgsUsage: "REFS.json",
		Description: `Reads every chunk through the references (byte range inside its target,
decodes to exactly the chunk's size) and compares every array, element by
element (NaN equals NaN, otherwise bit-exact), with the source file read
through libnetcdf. Variables missing on either side are reported.
Prints a line per variable and a summary; exits 1 on any difference.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "source", Usage: "the NetCDF-4/HDF5 file the references were made from (required)"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return usagef("check takes exactly one REFS.json")
			}
			if c.String("source") == "" {
				return usagef("check needs --source FILE")
			}
			path := c.Args().First()
			fh, err := os.Open(path)
			if err != nil {
				return err
			}
			set, err := refs.ReadJSON(fh)
			fh.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			src, err := zarrcheck.OpenNetCDF(c.String("source"))
			if err != nil {
				return err
			}
			defer src.Close()
			opener := blob.NewOpener()
			defer opener.Close()
			report, err := zarrcheck.Check(c.Context, set, opener, src, zarrcheck.Options{})
			if err != nil {
				return err
			}
			report.Write(c.App.Writer)
			if report.Failed() {
				return failure{}
			}
			return nil
		},
	}
}
