// Package lambdadeploy creates, updates and removes the AWS resources the
// gokerchunk Lambda function (cmd/gokerchunk-lambda) needs: its execution
// role and inline policy (role.go), the function (function.go), an S3
// trigger (trigger.go) and a function URL (url.go), through aws-sdk-go-v2.
//
// Every resource it makes is recognisable as its own, so that Remove
// deletes exactly what Deploy made: the role is named from the function
// (RoleName), lives under RolePath and carries the TagManagedBy and
// TagFunction tags; the function carries the same tags; permissions have
// the Sids below and bucket notifications the Ids NotificationID gives.
// A function or role of the same name without those tags is left alone
// and refused.
//
// Deploy compares what exists with what is asked and changes only the
// difference, reporting each change (or that there was none) through
// Deployer.Notify; the package logs nothing itself.
package lambdadeploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"gokerchunk/internal/backoff"
)

const (
	// TagManagedBy marks a role or function Deploy made.
	TagManagedBy = "gokerchunk:managed-by"
	managedBy    = "gokerchunk lambda deploy"
	// TagFunction names, on a role, the function it was made for.
	TagFunction = "gokerchunk:function"
	// RolePath is the IAM path of every role Deploy makes, so that
	// ListRoles(PathPrefix: RolePath) lists exactly ours.
	RolePath = "/gokerchunk/"
	// rolePolicyName is the role's one inline policy.
	rolePolicyName = "gokerchunk-function"

	// Statement ids of the permissions in the function's resource policy.
	sidS3Trigger = "gokerchunk-s3-trigger"
	sidURLPublic = "gokerchunk-url-public"
	// sidURLPublicInvoke is the lambda:InvokeFunction half that a public
	// function URL also needs (InvokedViaFunctionUrl).
	sidURLPublicInvoke = "gokerchunk-url-public-invoke"

	// OutputPrefixEnv is the function's environment variable naming where
	// sidecars of S3-triggered scans go.
	OutputPrefixEnv = "GOKERCHUNK_OUTPUT_PREFIX"
)

// Defaults, explained in the CLI's help.
const (
	DefaultMemoryMB    = 1024
	DefaultTimeoutS    = 300
	DefaultEphemeralMB = 512
	DefaultArch        = "arm64"
)

// Clients are the three AWS APIs a deployment talks to.
type Clients struct {
	IAM    *iam.Client
	Lambda *lambda.Client
	S3     *s3.Client
}

// NewClients configures the clients from the standard AWS environment and
// config files: credentials, region, and the endpoints AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_LAMBDA and AWS_ENDPOINT_URL_S3
// (so a local emulator works unchanged). S3 is addressed path-style when
// its endpoint is set that way, as local servers need.
func NewClients(ctx context.Context) (*Clients, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("AWS configuration: no region (set AWS_REGION or a profile's region)")
	}
	pathStyle := os.Getenv("AWS_ENDPOINT_URL_S3") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""
	return &Clients{
		IAM:    iam.NewFromConfig(cfg),
		Lambda: lambda.NewFromConfig(cfg),
		S3:     s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = pathStyle }),
	}, nil
}

// Deployer makes the calls; Notify receives one line per change made (nil:
// discarded).
type Deployer struct {
	*Clients
	Notify func(msg string)
	// RoleRetry is the wait between CreateFunction attempts while a new
	// role is not yet assumable (IAM is eventually consistent), at most
	// RoleAttempts attempts.
	RoleRetry    backoff.Policy
	RoleAttempts int
}

// NewDeployer returns a Deployer with the retry settings real IAM needs
// (a new role is usually assumable within 10 s).
func NewDeployer(c *Clients, notify func(string)) *Deployer {
	return &Deployer{Clients: c, Notify: notify,
		RoleRetry:    backoff.Policy{BaseDelay: time.Second, MaxDelay: 8 * time.Second},
		RoleAttempts: 8}
}

func (d *Deployer) notef(format string, args ...any) {
	if d.Notify != nil {
		d.Notify(fmt.Sprintf(format, args...))
	}
}

// RoleName is the execution role Deploy makes for function: gokerchunk-NAME,
// shortened with a hash of the name when that exceeds IAM's 64 characters.
func RoleName(function string) string {
	n := "gokerchunk-" + function
	if len(n) <= 64 {
		return n
	}
	sum := sha256.Sum256([]byte(function))
	return n[:55] + "-" + hex.EncodeToString(sum[:4])
}

// ours tells whether tags mark a resource Deploy made.
func ours(tags map[string]string) bool {
	return tags[TagManagedBy] == managedBy
}

// partitionOf returns the partition of an ARN ("aws", "aws-cn", ...).
func partitionOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) > 2 && p[1] != "" {
		return p[1]
	}
	return "aws"
}

// accountOf returns the account id of an ARN.
func accountOf(arn string) string {
	if p := strings.Split(arn, ":"); len(p) > 4 {
		return p[4]
	}
	return ""
}

// S3Prefix is s3://Bucket/Prefix.
type S3Prefix struct{ Bucket, Prefix string }

func (p S3Prefix) String() string { return "s3://" + p.Bucket + "/" + p.Prefix }

// ParseS3Prefix parses s3://BUCKET/ or s3://BUCKET/PREFIX/.
func ParseS3Prefix(url string) (S3Prefix, error) {
	rest, ok := strings.CutPrefix(url, "s3://")
	if !ok {
		return S3Prefix{}, fmt.Errorf("%s: not an s3:// URL", url)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return S3Prefix{}, fmt.Errorf("%s: no bucket", url)
	}
	return S3Prefix{Bucket: bucket, Prefix: prefix}, nil
}

// Dir returns p as a directory-like prefix, ending in "/" unless it is
// the whole bucket, as an output prefix that names are appended to must.
func (p S3Prefix) Dir() S3Prefix {
	if p.Prefix != "" && !strings.HasSuffix(p.Prefix, "/") {
		p.Prefix += "/"
	}
	return p
}

// Spec is what Deploy makes the function match.
type Spec struct {
	Function string
	// Buckets the function may read and write (the trigger's and the
	// output's are added).
	Buckets     []string
	Arch        string // "arm64" or "amd64"
	MemoryMB    int32
	TimeoutS    int32
	EphemeralMB int32
	// ReservedConcurrency: nil leaves it as it is, 0 removes the cap.
	ReservedConcurrency *int32
	Zip                 []byte
	// Trigger and Output: both or neither. The trigger's prefix filters
	// keys as given; the output is taken as a directory (Dir).
	Trigger, Output *S3Prefix
	// Suffixes are the keys a trigger sends to the function: the input
	// extensions (.nc, .h5, ...), one notification configuration each.
	Suffixes []string
}

// lambdaArch is Lambda's name for a Go architecture.
func lambdaArch(goarch string) string {
	if goarch == "amd64" {
		return "x86_64"
	}
	return goarch
}

// buckets are the spec's buckets, the trigger's and the output's, once each
// in the order named.
func (s *Spec) buckets() []string {
	var out []string
	seen := map[string]bool{}
	all := append([]string(nil), s.Buckets...)
	for _, p := range []*S3Prefix{s.Trigger, s.Output} {
		if p != nil {
			all = append(all, p.Bucket)
		}
	}
	for _, b := range all {
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return out
}

// Validate checks the spec before any call is made.
func (s *Spec) Validate() error {
	if s.Function == "" {
		return errors.New("no function name")
	}
	if len(s.buckets()) == 0 {
		return errors.New("no bucket: name at least one the function reads or writes")
	}
	if s.Arch != "arm64" && s.Arch != "amd64" {
		return fmt.Errorf("architecture %q: arm64 or amd64", s.Arch)
	}
	if s.MemoryMB < 128 || s.MemoryMB > 10240 {
		return fmt.Errorf("memory %d MB: Lambda allows 128 to 10240", s.MemoryMB)
	}
	if s.TimeoutS < 1 || s.TimeoutS > 900 {
		return fmt.Errorf("timeout %d s: Lambda allows 1 to 900", s.TimeoutS)
	}
	if s.EphemeralMB < 512 || s.EphemeralMB > 10240 {
		return fmt.Errorf("ephemeral storage %d MB: Lambda allows 512 to 10240", s.EphemeralMB)
	}
	if s.ReservedConcurrency != nil && *s.ReservedConcurrency < 0 {
		return fmt.Errorf("reserved concurrency %d: 0 (no cap) or more", *s.ReservedConcurrency)
	}
	if (s.Trigger == nil) != (s.Output == nil) {
		return errors.New("--trigger and --output go together")
	}
	if s.Trigger != nil {
		if len(s.Suffixes) == 0 {
			return errors.New("a trigger needs the input extensions its notification filters on")
		}
		if _, err := CheckTriggerScope(*s.Trigger, s.Output.Dir(), s.Suffixes); err != nil {
			return err
		}
	}
	return nil
}

// Deploy creates or updates the role, the function and its trigger so that
// they match spec, and waits until the function is active and its last
// update succeeded.
func (d *Deployer) Deploy(ctx context.Context, spec *Spec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	existing, err := d.getFunction(ctx, spec.Function)
	if err != nil {
		return err
	}
	if existing != nil && !ours(existing.Tags) {
		return fmt.Errorf("function %s exists but was not made by %s (no %s tag): refusing to change it",
			spec.Function, managedBy, TagManagedBy)
	}
	roleARN, roleChanged, err := d.ensureRole(ctx, spec)
	if err != nil {
		return err
	}
	fnChanged, err := d.ensureFunction(ctx, spec, existing, roleARN)
	if err != nil {
		return err
	}
	trigChanged, err := d.ensureTrigger(ctx, spec, roleARN)
	if err != nil {
		return err
	}
	if !roleChanged && !fnChanged && !trigChanged {
		d.notef("no change: function %s is as asked", spec.Function)
	}
	return nil
}
