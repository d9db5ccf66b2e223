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
element (NaN equals NaN, otherwise bit-exact; compounds member by member,
padding ignored; strings as strings), with the source file. Variables
missing on either side are reported. Prints a line per variable and a
summary; exits 1 on any difference.

The source is read with libnetcdf and libhdf5:
  - netCDF classic (no HDF5 superblock): libnetcdf;
  - HDF5 without the _NCProperties root attribute (plain HDF5, h5py):
    libhdf5, every dataset a variable, read in the file's own datatype;
  - netCDF-4: libnetcdf's variables, read with libnetcdf, except compound,
    opaque and vlen types, HDF5 fixed-length strings (libnetcdf misreads
    them) and h5py booleans, which libhdf5 reads; datasets libnetcdf does
    not list (other than dimension scales) are read with libhdf5 too.
A variable libhdf5 reads whose HDF5 extent is shorter than its netCDF
dimensions is listed as unchecked, not compared.`,
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
			src, err := zarrcheck.Open(c.String("source"))
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
