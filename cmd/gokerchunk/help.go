package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"
)

// examples is the EXAMPLES block of each command's help, by its path
// ("convert csv2parquet"; "" for gokerchunk itself).
var examples = map[string][]string{
	"": {
		"gokerchunk scan -o refs/ data/                      # a sidecar per file in data/",
		"gokerchunk combine -o tas.json refs/                # one reference set along time",
		"gokerchunk check tas.json --source 'data/*.nc'      # read it back against the files",
	},
	"scan": {
		"gokerchunk scan tas_2020.nc > tas_2020.json",
		"gokerchunk scan -o refs/ data/",
		"gokerchunk scan --on-unsupported=skip -o refs/ --combine tas.parq 'data/tas_*.nc'",
		"gokerchunk scan --executor lambda --function gokerchunk -o s3://bucket/refs/ s3://bucket/data/",
		"gokerchunk scan --resume -o refs/ s3://bucket/data/   # after an interrupted run: only the rest",
	},
	"combine": {
		"gokerchunk combine -o tas.json refs/",
		"gokerchunk combine -o tas.parq 's3://bucket/refs/tas_*.json'",
		"gokerchunk combine --append -o tas.json refs/tas_2021*.json",
		"gokerchunk combine --rewrite-mismatched -o tas.json refs/   # netCDF-3 and netCDF-4 files of one dataset",
		"gokerchunk combine -o ens.parq --new-dim 'member=regex:_m(\\d+)_' --concat-dim time 'refs/ens_m*_*.json'",
		"gokerchunk combine -o ens.parq --concat-dim member --concat-dim time refs/   # both dims in the files",
	},
	"info": {
		"gokerchunk info tas_2020.nc",
		"gokerchunk info s3://bucket/data/tas_2020.nc",
	},
	"check": {
		"gokerchunk check tas_2020.json --source tas_2020.nc",
		"gokerchunk check tas.json --source 'data/tas_*.nc'",
	},
	"convert": {
		"gokerchunk convert csv2parquet --header --partition-by station -o obs/ obs_2020.csv",
	},
	"convert csv2parquet": {
		"gokerchunk convert csv2parquet --header --partition-by station -o obs/ obs_2020.csv",
		"gokerchunk convert csv2parquet --columns station,time,value --schema time:date --partition-by station -o s3://bucket/obs/ 's3://bucket/csv/*.csv'",
	},
	"serve": {
		"gokerchunk serve --listen 0.0.0.0:8080 --token-file token",
	},
	"lambda": {
		"gokerchunk lambda deploy --function gokerchunk --bucket my-archive --bucket my-refs",
		"gokerchunk lambda remove --function gokerchunk",
	},
	"lambda deploy": {
		"gokerchunk lambda deploy --function gokerchunk --bucket my-archive --bucket my-refs",
		"gokerchunk lambda deploy --function gokerchunk --bucket my-archive --trigger s3://my-archive/incoming/ --output s3://my-archive/refs/",
	},
	"lambda url": {
		"gokerchunk lambda url on --function gokerchunk",
		"gokerchunk lambda url off --function gokerchunk",
	},
	"lambda remove": {
		"gokerchunk lambda remove --function gokerchunk",
	},
}

// setUpHelp adds each command's examples to its help.
func setUpHelp(app *cli.App) {
	app.CustomAppHelpTemplate = cli.AppHelpTemplate + examplesBlock(examples[""])
	var walk func(path string, cmds []*cli.Command)
	walk = func(path string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := strings.TrimSpace(path + " " + c.Name)
			template := cli.CommandHelpTemplate
			if len(c.Subcommands) > 0 {
				template = cli.SubcommandHelpTemplate
			}
			if ex := examples[name]; len(ex) > 0 {
				c.CustomHelpTemplate = template + examplesBlock(ex)
			}
			walk(name, c.Subcommands)
		}
	}
	walk("", app.Commands)
}

// examplesBlock is an EXAMPLES section for a help template (the lines
// hold no template actions).
func examplesBlock(lines []string) string {
	return "\nEXAMPLES:\n   " + strings.Join(lines, "\n   ") + "\n"
}

// version is what --version prints after "gokerchunk version": the
// module's version, the commit it was built from (when the build
// recorded it) and the Go release.
func version() string {
	v := "(devel)"
	var details []string
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			v = info.Main.Version
		}
		var commit, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = ", modified"
				}
			}
		}
		if commit != "" {
			details = append(details, "commit "+commit+modified)
		}
	}
	details = append(details, runtime.Version())
	return fmt.Sprintf("%s (%s)", v, strings.Join(details, ", "))
}
