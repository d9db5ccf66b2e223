package lambdadeploy

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"gokerchunk/internal/backoff"
)

// waitFor bounds each wait for the function to become active or finish an
// update (Lambda usually takes seconds).
const waitFor = 5 * time.Minute

// codeSHA256 is Lambda's CodeSha256 of a zip: base64 of its SHA-256.
func codeSHA256(zip []byte) string {
	sum := sha256.Sum256(zip)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// getFunction returns the function with its tags and concurrency, nil when
// there is none.
func (d *Deployer) getFunction(ctx context.Context, name string) (*lambda.GetFunctionOutput, error) {
	out, err := d.Lambda.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get function %s: %w", name, err)
	}
	return out, nil
}

// environment is the function's environment as spec wants it: the
// variables it has (set by hand, kept) with OutputPrefixEnv set to the
// output prefix when there is a trigger and removed when there is none.
func environment(spec *Spec, have *types.EnvironmentResponse) map[string]string {
	env := map[string]string{}
	if have != nil {
		maps.Copy(env, have.Variables)
	}
	delete(env, OutputPrefixEnv)
	if spec.Output != nil {
		env[OutputPrefixEnv] = spec.Output.Dir().String()
	}
	return env
}

// ensureFunction creates the function or brings its code and
// configuration to spec, waiting after each change.
func (d *Deployer) ensureFunction(ctx context.Context, spec *Spec, existing *lambda.GetFunctionOutput, roleARN string) (bool, error) {
	if existing == nil {
		return true, d.createFunction(ctx, spec, roleARN)
	}
	name := aws.String(spec.Function)
	conf := existing.Configuration
	changed := false
	arch := lambdaArch(spec.Arch)
	haveArch := "x86_64" // Lambda's default when none is listed
	if len(conf.Architectures) > 0 {
		haveArch = string(conf.Architectures[0])
	}
	if aws.ToString(conf.CodeSha256) != codeSHA256(spec.Zip) || haveArch != arch {
		if _, err := d.Lambda.UpdateFunctionCode(ctx, &lambda.UpdateFunctionCodeInput{FunctionName: name,
			ZipFile: spec.Zip, Architectures: []types.Architecture{types.Architecture(arch)}}); err != nil {
			return false, fmt.Errorf("update the code of %s: %w", spec.Function, err)
		}
		if haveArch != arch {
			d.notef("updated architecture %s → %s", haveArch, arch)
		}
		d.notef("updated code (SHA256 %s → %s)", aws.ToString(conf.CodeSha256), codeSHA256(spec.Zip))
		if err := d.waitUpdated(ctx, spec.Function); err != nil {
			return false, err
		}
		changed = true
	}

	in := &lambda.UpdateFunctionConfigurationInput{FunctionName: name}
	var diffs []string
	if v := aws.ToInt32(conf.MemorySize); v != spec.MemoryMB {
		in.MemorySize = aws.Int32(spec.MemoryMB)
		diffs = append(diffs, fmt.Sprintf("updated memory %d → %d MB", v, spec.MemoryMB))
	}
	if v := aws.ToInt32(conf.Timeout); v != spec.TimeoutS {
		in.Timeout = aws.Int32(spec.TimeoutS)
		diffs = append(diffs, fmt.Sprintf("updated timeout %d → %d s", v, spec.TimeoutS))
	}
	haveEph := int32(DefaultEphemeralMB)
	if conf.EphemeralStorage != nil {
		haveEph = aws.ToInt32(conf.EphemeralStorage.Size)
	}
	if haveEph != spec.EphemeralMB {
		in.EphemeralStorage = &types.EphemeralStorage{Size: aws.Int32(spec.EphemeralMB)}
		diffs = append(diffs, fmt.Sprintf("updated ephemeral storage %d → %d MB", haveEph, spec.EphemeralMB))
	}
	if v := aws.ToString(conf.Role); v != roleARN {
		in.Role = aws.String(roleARN)
		diffs = append(diffs, fmt.Sprintf("updated role %s → %s", v, roleARN))
	}
	if conf.Runtime != types.RuntimeProvidedal2023 || aws.ToString(conf.Handler) != "bootstrap" {
		in.Runtime, in.Handler = types.RuntimeProvidedal2023, aws.String("bootstrap")
		diffs = append(diffs, fmt.Sprintf("updated runtime %s → provided.al2023, handler bootstrap", conf.Runtime))
	}
	var haveEnv map[string]string
	if conf.Environment != nil {
		haveEnv = conf.Environment.Variables
	}
	if env := environment(spec, conf.Environment); !maps.Equal(env, haveEnv) && !(len(env) == 0 && len(haveEnv) == 0) {
		in.Environment = &types.Environment{Variables: env}
		diffs = append(diffs, fmt.Sprintf("updated environment %s=%q → %q", OutputPrefixEnv, haveEnv[OutputPrefixEnv], env[OutputPrefixEnv]))
	}
	if len(diffs) > 0 {
		if _, err := d.Lambda.UpdateFunctionConfiguration(ctx, in); err != nil {
			return false, fmt.Errorf("update the configuration of %s: %w", spec.Function, err)
		}
		for _, m := range diffs {
			d.notef("%s", m)
		}
		if err := d.waitUpdated(ctx, spec.Function); err != nil {
			return false, err
		}
		changed = true
	}

	var haveRC *int32
	if existing.Concurrency != nil {
		haveRC = existing.Concurrency.ReservedConcurrentExecutions
	}
	rc, err := d.ensureConcurrency(ctx, spec, haveRC)
	return changed || rc, err
}

// createFunction creates the function and waits until it is active. A
// role created moments ago may not be assumable yet (IAM is eventually
// consistent): CreateFunction is retried then.
func (d *Deployer) createFunction(ctx context.Context, spec *Spec, roleARN string) error {
	in := &lambda.CreateFunctionInput{
		FunctionName:     aws.String(spec.Function),
		Runtime:          types.RuntimeProvidedal2023,
		Handler:          aws.String("bootstrap"),
		Architectures:    []types.Architecture{types.Architecture(lambdaArch(spec.Arch))},
		Code:             &types.FunctionCode{ZipFile: spec.Zip},
		Role:             aws.String(roleARN),
		MemorySize:       aws.Int32(spec.MemoryMB),
		Timeout:          aws.Int32(spec.TimeoutS),
		EphemeralStorage: &types.EphemeralStorage{Size: aws.Int32(spec.EphemeralMB)},
		Description:      aws.String("gokerchunk: one kerchunk sidecar per invocation"),
		Tags:             map[string]string{TagManagedBy: managedBy},
	}
	if env := environment(spec, nil); len(env) > 0 {
		in.Environment = &types.Environment{Variables: env}
	}
	for attempt := 1; ; attempt++ {
		_, err := d.Lambda.CreateFunction(ctx, in)
		if err == nil {
			break
		}
		if !roleNotYetAssumable(err) || attempt >= d.RoleAttempts {
			return fmt.Errorf("create function %s: %w", spec.Function, err)
		}
		wait := d.RoleRetry.Delay(attempt, 0)
		d.notef("role not assumable yet (IAM propagates new roles in seconds): retrying in %v", wait.Round(100*time.Millisecond))
		if err := backoff.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	d.notef("created function %s (%s, %d MB, %d s, %d MB of /tmp, provided.al2023)",
		spec.Function, lambdaArch(spec.Arch), spec.MemoryMB, spec.TimeoutS, spec.EphemeralMB)
	if env := in.Environment; env != nil {
		d.notef("set environment %s=%s", OutputPrefixEnv, env.Variables[OutputPrefixEnv])
	}
	if err := lambda.NewFunctionActiveV2Waiter(d.Lambda).Wait(ctx,
		&lambda.GetFunctionInput{FunctionName: aws.String(spec.Function)}, waitFor); err != nil {
		return fmt.Errorf("function %s did not become active: %w", spec.Function, err)
	}
	_, err := d.ensureConcurrency(ctx, spec, nil)
	return err
}

// roleNotYetAssumable tells the error CreateFunction gives while IAM has
// not yet propagated a new role.
func roleNotYetAssumable(err error) bool {
	var bad *types.InvalidParameterValueException
	return errors.As(err, &bad) && strings.Contains(bad.ErrorMessage(), "cannot be assumed")
}

func (d *Deployer) waitUpdated(ctx context.Context, function string) error {
	if err := lambda.NewFunctionUpdatedV2Waiter(d.Lambda).Wait(ctx,
		&lambda.GetFunctionInput{FunctionName: aws.String(function)}, waitFor); err != nil {
		return fmt.Errorf("function %s: the update did not succeed: %w", function, err)
	}
	return nil
}

// ensureConcurrency sets or removes the reserved concurrency when spec
// names one that differs from have (nil: none reserved).
func (d *Deployer) ensureConcurrency(ctx context.Context, spec *Spec, have *int32) (bool, error) {
	want := spec.ReservedConcurrency
	switch {
	case want == nil, *want == 0 && have == nil, have != nil && *want == *have:
		return false, nil
	case *want == 0:
		if _, err := d.Lambda.DeleteFunctionConcurrency(ctx, &lambda.DeleteFunctionConcurrencyInput{
			FunctionName: aws.String(spec.Function)}); err != nil {
			return false, fmt.Errorf("remove the reserved concurrency of %s: %w", spec.Function, err)
		}
		d.notef("removed reserved concurrency %d (no cap)", *have)
		return true, nil
	}
	if _, err := d.Lambda.PutFunctionConcurrency(ctx, &lambda.PutFunctionConcurrencyInput{
		FunctionName: aws.String(spec.Function), ReservedConcurrentExecutions: want}); err != nil {
		return false, fmt.Errorf("reserve concurrency %d for %s: %w", *want, spec.Function, err)
	}
	if have == nil {
		d.notef("reserved concurrency %d", *want)
	} else {
		d.notef("updated reserved concurrency %d → %d", *have, *want)
	}
	return true, nil
}
