package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"gokerchunk/refs"
	"gokerchunk/refs/refio"
)

// targetPrefixHelp explains --target-prefix in the help of every command
// that takes it.
const targetPrefixHelp = `--target-prefix OLD=NEW points every reference whose target starts with OLD
at NEW instead (repeat it for several; the longest OLD that matches wins, and
a target is rewritten once). OLD and NEW are absolute paths or URLs
(scheme://...), and both end in "/" (directories) or neither does (a
directory or a file): /data/=s3://b/archive would glue s3://b/archivex.nc.
An OLD without "/" at its end matches whole path segments only:
/data/archive matches /data/archive/x.nc, not /data/archive2/x.nc. OLD ends
at the first "=" that makes such a rule, so paths with "=" (year=2020/) work.
--templates writes kerchunk JSON version 1 templates: each target that two
or more references share is named once ("templates": {"u": "s3://..."}) and
its references read ["{{u}}", offset, length], which fsspec expands; the
JSON is then smaller. Parquet sets have no templates.`

func targetPrefixFlag() cli.Flag {
	return &cli.GenericFlag{Name: "target-prefix", Value: &prefixRules{}, Usage: "OLD=NEW: point references to targets under OLD at NEW (repeatable; the longest OLD wins), e.g. /data/archive/=s3://bucket/archive/"}
}

func templatesFlag() cli.Flag {
	return &cli.BoolFlag{Name: "templates", Usage: "write JSON with kerchunk templates for targets that references share (smaller JSON)"}
}

// prefixRules is the value of --target-prefix: each use adds a rule.
type prefixRules struct{ rules []refs.PrefixRule }

func (p *prefixRules) Set(spec string) error {
	r, err := refs.ParsePrefixRule(spec)
	if err != nil {
		return err
	}
	p.rules = append(p.rules, r)
	return nil
}

func (p *prefixRules) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(p.rules))
	for i, r := range p.rules {
		s[i] = r.String()
	}
	return strings.Join(s, " ")
}

// targetPrefixRules returns the command's --target-prefix rules, checked
// together (refs.NewRetarget: no OLD twice); nil when there are none.
func targetPrefixRules(c *cli.Context) ([]refs.PrefixRule, *refs.Retarget, error) {
	p, _ := c.Generic("target-prefix").(*prefixRules)
	if p == nil || len(p.rules) == 0 {
		return nil, nil, nil
	}
	rt, err := refs.NewRetarget(p.rules)
	if err != nil {
		return nil, nil, usagef("--target-prefix: %w", err)
	}
	return p.rules, rt, nil
}

// maxUnmatchedShown bounds the targets warned about one by one.
const maxUnmatchedShown = 10

// reportRetarget prints a warning for each target no rule matched, a few
// at most, and unless quiet what the rules changed.
func reportRetarget(w io.Writer, rep refs.RetargetReport, quiet bool) {
	for i, u := range rep.Unmatched {
		if i == maxUnmatchedShown {
			fmt.Fprintf(w, "warning: and %s more that no --target-prefix OLD matches\n", plural(len(rep.Unmatched)-i, "target"))
			break
		}
		fmt.Fprintf(w, "warning: target %s matches no --target-prefix OLD: its references keep it\n", u)
	}
	if !quiet {
		fmt.Fprintf(w, "retargeted %d of %s (%s, %d unmatched)\n",
			rep.Changed, plural(rep.References, "reference"), plural(rep.Targets, "target"), len(rep.Unmatched))
	}
}

func refsCommand() *cli.Command {
	return &cli.Command{
		Name:  "refs",
		Usage: "work on existing reference sets",
		Subcommands: []*cli.Command{{
			Name:      "rewrite",
			Usage:     "rewrite the targets of a reference set (move it), or re-encode it",
			ArgsUsage: "IN OUT",
			Description: `IN and OUT are kerchunk JSON files or fsspec Parquet reference directories,
local or on S3 (s3://bucket/set.json, s3://bucket/set.parq); OUT may be IN.
OUT is written atomically, as combine writes (a temporary file renamed, one
S3 PutObject, or a Parquet directory swapped in). Its format is --format, or
parquet when OUT ends in .parq or .parquet, json when it ends in .json, and
otherwise IN's (with IN's record size, unless --record-size).

` + targetPrefixHelp + `

rewrite reports how many references changed and warns about each target that
no OLD matched (those references keep their target). The exit status is 0
even then: check the warnings.

Scan local copies and point the references at their home, or move a set
after its files moved:

    gokerchunk scan --target-prefix /data/archive/=s3://bucket/archive/ -o refs/ /data/archive/
    gokerchunk refs rewrite --target-prefix s3://bucket/archive/=s3://new-bucket/archive/ \
        s3://bucket/refs/combined.parq s3://new-bucket/refs/combined.parq
    gokerchunk refs rewrite --templates set.json set.json`,
			Flags: []cli.Flag{
				targetPrefixFlag(),
				templatesFlag(),
				&cli.StringFlag{Name: "format", Usage: "json or parquet", DefaultText: "by OUT's name, else IN's"},
				&cli.IntFlag{Name: "record-size", Usage: "references per Parquet file", DefaultText: "IN's, or " + fmt.Sprint(refs.DefaultRecordSize)},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no summary (warnings still print)"},
				s3PathStyleFlag(),
			},
			Action: runRefsRewrite,
		}},
	}
}

// runRefsRewrite reads IN, rewrites its targets and writes OUT.
func runRefsRewrite(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("refs rewrite needs IN and OUT (see gokerchunk refs rewrite --help)")
	}
	in, out := c.Args().Get(0), c.Args().Get(1)
	_, rt, err := targetPrefixRules(c)
	if err != nil {
		return err
	}
	if rt == nil && !c.Bool("templates") && !c.IsSet("format") && !c.IsSet("record-size") {
		return usagef("refs rewrite: nothing to change; give --target-prefix OLD=NEW, --templates, --format or --record-size")
	}
	format := c.String("format")
	switch format {
	case "", "json", "parquet":
	default:
		return usagef("--format must be json or parquet, not %q", format)
	}
	if c.IsSet("record-size") && (c.Int("record-size") <= 0 || c.Int("record-size") > refs.MaxRecordSize) {
		return usagef("--record-size must be between 1 and %d", refs.MaxRecordSize)
	}
	configureBlob(c)
	set, enc, err := refio.ReadEncoding(c.Context, in)
	if err != nil {
		return err
	}
	switch {
	case format != "":
		enc.Format = refio.Format(format)
	case strings.HasSuffix(strings.ToLower(strings.TrimRight(out, "/")), ".json"):
		enc.Format = refio.JSON
	case formatOf(out) == "parquet":
		enc.Format = refio.Parquet
	}
	if c.IsSet("record-size") {
		enc.RecordSize = c.Int("record-size")
	}
	if enc.Format == refio.Parquet && enc.RecordSize == 0 {
		enc.RecordSize = refs.DefaultRecordSize
	}
	enc.Templates = c.Bool("templates")
	if enc.Templates && enc.Format != refio.JSON {
		return usagef("--templates: %s is written as Parquet, which has no templates", out)
	}
	stderr := c.App.ErrWriter
	if rt != nil {
		reportRetarget(stderr, rt.Apply(set), c.Bool("quiet"))
	}
	if err := enc.Write(c.Context, out, set); err != nil {
		return err
	}
	if !c.Bool("quiet") {
		fmt.Fprintf(stderr, "rewrote %s -> %s (%s)\n", in, out, enc.Format)
	}
	return nil
}
