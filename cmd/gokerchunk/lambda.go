package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/urfave/cli/v2"

	"gokerchunk/lambdadeploy"
	"gokerchunk/scan"
)

const lambdaRecipe = `The whole recipe, from a checkout (credentials and region from the standard
AWS environment: AWS_PROFILE or AWS_ACCESS_KEY_ID..., AWS_REGION):

    make lambda-zip        # optional: deploy builds the zip when it is missing
    gokerchunk lambda deploy --function gokerchunk --bucket my-archive --bucket my-refs
    # one file first: its sidecar, or the function's error naming the file
    gokerchunk scan --executor lambda --function gokerchunk -o s3://my-refs/refs/ \
      s3://my-archive/tas/tas_day_20200101.nc
    gokerchunk lambda url on --function gokerchunk        # prints the URL (AWS_IAM auth)
    gokerchunk scan --executor lambda --function gokerchunk -o s3://my-refs/refs/ s3://my-archive/tas/
    gokerchunk combine -o s3://my-refs/tas.json s3://my-refs/refs/
    gokerchunk lambda url off --function gokerchunk
    gokerchunk lambda remove --function gokerchunk

Every new file scanned as it arrives:

    gokerchunk lambda deploy --function gokerchunk --bucket my-archive \
      --trigger s3://my-archive/incoming/ --output s3://my-refs/refs/

Endpoints come from AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_LAMBDA,
AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_S3), so a local emulator (moto's
server) works unchanged.`

func lambdaCommand() *cli.Command {
	return &cli.Command{
		Name:        "lambda",
		Usage:       "deploy, expose and remove the AWS Lambda function that --executor lambda calls",
		Description: lambdaRecipe,
		Subcommands: []*cli.Command{lambdaDeployCommand(), lambdaURLCommand(), lambdaRemoveCommand()},
	}
}

func lambdaDeployCommand() *cli.Command {
	return &cli.Command{
		Name:  "deploy",
		Usage: "create or update the function, its role and its S3 trigger (idempotent)",
		Description: `Creates, or brings up to date, everything the function needs:
  - the execution role gokerchunk-NAME (IAM path /gokerchunk/, tagged
    gokerchunk:managed-by and gokerchunk:function so remove finds exactly
    it), trusted by lambda.amazonaws.com, with one inline policy: s3:GetObject,
    s3:PutObject and s3:AbortMultipartUpload on the objects of each --bucket,
    s3:ListBucket on the buckets (a missing key is then a 404, "no such
    file", not a 403), and the function's CloudWatch Logs;
  - the function (runtime provided.al2023, handler bootstrap), from --zip, or
    else bin/gokerchunk-lambda-ARCH.zip as ` + "`make lambda-zip`" + ` writes it, or else
    (in the checkout, with go) built there by make lambda-zip's go build;
  - with --trigger and --output: the environment variable
    GOKERCHUNK_OUTPUT_PREFIX (the output prefix), the permission for
    s3.amazonaws.com to invoke the function from the trigger's bucket, and
    the bucket's notification (s3:ObjectCreated:*, the trigger's prefix, one
    configuration per input extension .nc .nc4 .h5 .hdf5 .he5 .hdf; the
    bucket's other configurations are kept). The sidecars the function writes
    end in .json, which those filters never match, so --output may lie inside
    the trigger's scope without retriggering the function.

Each change is printed ("created role ...", "updated memory 1024 → 2048 MB");
a deploy that finds everything as asked prints "no change" and changes
nothing (code compared by its SHA256, configuration field by field). It waits
until the function is Active and its last update Successful. Deploy makes the
function match the command line: a deploy without --trigger removes a trigger
deployed before, and --bucket lists replace the policy's buckets.

Defaults: --memory 1024 MB (CPU grows with memory; a scan holds the file's
metadata, inlined chunks and the JSON; 2048 for files with millions of
chunks), --timeout 300 s (a metadata scan over S3 takes seconds; up to 900),
--ephemeral-storage 512 MB (Lambda's minimum: /tmp only holds csv2parquet's
files), --arch arm64 (cheaper per GB-second than x86_64), no reserved
concurrency (0 removes a cap set before).

` + lambdaRecipe,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "function", Usage: "the function's name (required)"},
			&cli.StringSliceFlag{Name: "bucket", Usage: "a bucket the function reads inputs from or writes sidecars to (repeat for several)"},
			&cli.IntFlag{Name: "memory", Value: lambdadeploy.DefaultMemoryMB, Usage: "MB of memory (128-10240)"},
			&cli.IntFlag{Name: "timeout", Value: lambdadeploy.DefaultTimeoutS, Usage: "seconds an invocation may run (1-900)"},
			&cli.IntFlag{Name: "ephemeral-storage", Value: lambdadeploy.DefaultEphemeralMB, Usage: "MB of /tmp (512-10240)"},
			&cli.IntFlag{Name: "reserved-concurrency", Usage: "reserve and cap the function's concurrent executions (0: no cap; unset: leave as is)"},
			&cli.StringFlag{Name: "arch", Value: lambdadeploy.DefaultArch, Usage: "arm64 or amd64 (x86_64)"},
			&cli.StringFlag{Name: "zip", Usage: "the deployment package", DefaultText: "bin/gokerchunk-lambda-ARCH.zip, built when missing"},
			&cli.StringFlag{Name: "trigger", Usage: "s3://BUCKET/PREFIX/: scan every input file created there (with --output)"},
			&cli.StringFlag{Name: "output", Usage: "s3://BUCKET/PREFIX/: where triggered scans write their sidecars (with --trigger)"},
		},
		Action: runLambdaDeploy,
	}
}

// newLambdaDeploySpec reads deploy's flags into a validated spec, without
// the code.
func newLambdaDeploySpec(c *cli.Context) (*lambdadeploy.Spec, error) {
	if c.Args().Len() > 0 {
		return nil, usagef("lambda deploy takes no arguments, got %q", c.Args().Slice())
	}
	if err := requireFunction(c); err != nil {
		return nil, err
	}
	spec := &lambdadeploy.Spec{
		Function:    c.String("function"),
		Buckets:     c.StringSlice("bucket"),
		Arch:        c.String("arch"),
		MemoryMB:    int32(c.Int("memory")),
		TimeoutS:    int32(c.Int("timeout")),
		EphemeralMB: int32(c.Int("ephemeral-storage")),
		Suffixes:    scan.InputExtensions,
	}
	if c.IsSet("reserved-concurrency") {
		spec.ReservedConcurrency = aws.Int32(int32(c.Int("reserved-concurrency")))
	}
	if c.IsSet("trigger") || c.IsSet("output") {
		if !c.IsSet("trigger") || !c.IsSet("output") {
			return nil, usagef("--trigger and --output go together")
		}
		for _, f := range []struct {
			name string
			dst  **lambdadeploy.S3Prefix
		}{{"trigger", &spec.Trigger}, {"output", &spec.Output}} {
			p, err := lambdadeploy.ParseS3Prefix(c.String(f.name))
			if err != nil {
				return nil, usagef("--%s %v", f.name, err)
			}
			*f.dst = &p
		}
	}
	if err := spec.Validate(); err != nil {
		return nil, usageError{err}
	}
	return spec, nil
}

func runLambdaDeploy(c *cli.Context) error {
	spec, err := newLambdaDeploySpec(c)
	if err != nil {
		return err
	}
	zipPath := c.String("zip")
	if zipPath == "" {
		var built bool
		zipPath, built, err = lambdadeploy.FindOrBuildZip(c.Context, ".", spec.Arch)
		if err != nil {
			return err
		}
		if built {
			fmt.Printf("built %s with make lambda-zip's go build (no zip was there)\n", zipPath)
		}
	}
	if spec.Zip, err = os.ReadFile(zipPath); err != nil {
		return fmt.Errorf("the deployment package: %w", err)
	}
	if st, err := os.Stat(zipPath); err == nil {
		abs, _ := filepath.Abs(zipPath)
		fmt.Printf("package %s (%d bytes, %s)\n", abs, st.Size(), st.ModTime().Format(time.RFC3339))
	}
	d, err := newDeployer(c.Context)
	if err != nil {
		return err
	}
	return d.Deploy(c.Context, spec)
}

func lambdaURLCommand() *cli.Command {
	return &cli.Command{
		Name:      "url",
		Usage:     "turn the function's URL on (create it, print it) or off (delete it)",
		ArgsUsage: "on|off",
		Description: `on creates the function's URL, or reports the one it has, and prints it.
Its auth type is AWS_IAM: callers sign requests with credentials allowed
lambda:InvokeFunctionUrl. --auth none makes it public — anyone who knows the
URL can run scans at your cost and read what the function's role may read —
and adds the permissions that needs (lambda:InvokeFunctionUrl and
lambda:InvokeFunction through the URL, principal *); it prints a warning.
off deletes the URL and those permissions.

` + lambdaRecipe,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "function", Usage: "the function's name (required)"},
			&cli.StringFlag{Name: "auth", Value: "iam", Usage: "iam (AWS_IAM: signed requests) or none (public)"},
		},
		Action: runLambdaURL,
	}
}

func runLambdaURL(c *cli.Context) error {
	if c.Args().Len() != 1 || (c.Args().First() != "on" && c.Args().First() != "off") {
		return usagef("lambda url takes on or off, got %q", c.Args().Slice())
	}
	var auth types.FunctionUrlAuthType
	switch c.String("auth") {
	case "iam":
		auth = types.FunctionUrlAuthTypeAwsIam
	case "none":
		auth = types.FunctionUrlAuthTypeNone
	default:
		return usagef("--auth must be iam or none, not %q", c.String("auth"))
	}
	if err := requireFunction(c); err != nil {
		return err
	}
	on := c.Args().First() == "on"
	if !on && c.IsSet("auth") {
		return usagef("--auth goes with url on")
	}
	function := c.String("function")
	d, err := newDeployer(c.Context)
	if err != nil {
		return err
	}
	if !on {
		removed, err := d.URLOff(c.Context, function)
		if err == nil && !removed {
			fmt.Printf("function %s has no URL: nothing to remove\n", function)
		}
		return err
	}
	if auth == types.FunctionUrlAuthTypeNone {
		fmt.Fprintf(os.Stderr, "gokerchunk: warning: --auth none makes the URL of %s public: anyone who has it can invoke the function, at your cost, with its role's access to your buckets\n", function)
	}
	url, err := d.URLOn(c.Context, function, auth)
	if err != nil {
		return err
	}
	fmt.Println(url)
	return nil
}

func lambdaRemoveCommand() *cli.Command {
	return &cli.Command{
		Name:  "remove",
		Usage: "delete what lambda deploy made for the function, and nothing else",
		Description: `Deletes the function's bucket notification and the permission for it, its
URL and the URL's permissions, the function, and its role gokerchunk-NAME
with the role's inline policy — each only when deploy made it (recognised
by the gokerchunk:managed-by tag, the role also by gokerchunk:function and
its name). A function or role of that name made otherwise is left and said
so. Says what it removed; when there is nothing, says so and exits 0.

` + lambdaRecipe,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "function", Usage: "the function's name (required)"},
		},
		Action: func(c *cli.Context) error {
			if c.Args().Len() > 0 {
				return usagef("lambda remove takes no arguments, got %q", c.Args().Slice())
			}
			if err := requireFunction(c); err != nil {
				return err
			}
			d, err := newDeployer(c.Context)
			if err != nil {
				return err
			}
			function := c.String("function")
			removed, err := d.Remove(c.Context, function)
			if err == nil && !removed {
				fmt.Printf("nothing to remove: no function or role of %s made by lambda deploy\n", function)
			}
			return err
		},
	}
}

// requireFunction refuses a lambda command line without --function (a
// usage error, status 2, where urfave's Required would exit 1).
func requireFunction(c *cli.Context) error {
	if c.String("function") == "" {
		return usagef("lambda %s needs --function NAME", c.Command.Name)
	}
	return nil
}

// newDeployer makes the AWS clients from the standard environment and
// prints each change on standard output.
func newDeployer(ctx context.Context) (*lambdadeploy.Deployer, error) {
	clients, err := lambdadeploy.NewClients(ctx)
	if err != nil {
		return nil, err
	}
	return lambdadeploy.NewDeployer(clients, func(msg string) { fmt.Println(msg) }), nil
}
