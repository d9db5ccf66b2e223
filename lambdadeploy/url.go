package lambdadeploy

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// URLOn creates the function's URL with auth (AWS_IAM or NONE), or reports
// the existing one (changing its auth type when it differs), and returns
// it. A URL with auth NONE is public: it needs the resource-policy
// statements that let anyone ("*") invoke the function through it, which
// URLOn adds (and removes when the URL goes back to AWS_IAM).
func (d *Deployer) URLOn(ctx context.Context, function string, auth types.FunctionUrlAuthType) (string, error) {
	if err := d.requireOurs(ctx, function); err != nil {
		return "", err
	}
	name := aws.String(function)
	have, err := d.Lambda.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: name})
	var missing *types.ResourceNotFoundException
	var url string
	switch {
	case errors.As(err, &missing):
		out, err := d.Lambda.CreateFunctionUrlConfig(ctx, &lambda.CreateFunctionUrlConfigInput{FunctionName: name, AuthType: auth})
		if err != nil {
			return "", fmt.Errorf("function %s: create URL: %w", function, err)
		}
		url = aws.ToString(out.FunctionUrl)
		d.notef("created function URL (auth %s)", auth)
	case err != nil:
		return "", fmt.Errorf("function %s: get URL: %w", function, err)
	case have.AuthType != auth:
		out, err := d.Lambda.UpdateFunctionUrlConfig(ctx, &lambda.UpdateFunctionUrlConfigInput{FunctionName: name, AuthType: auth})
		if err != nil {
			return "", fmt.Errorf("function %s: update URL: %w", function, err)
		}
		url = aws.ToString(out.FunctionUrl)
		d.notef("updated function URL auth %s → %s", have.AuthType, auth)
	default:
		url = aws.ToString(have.FunctionUrl)
		d.notef("function URL exists (auth %s): no change", auth)
	}
	if auth == types.FunctionUrlAuthTypeNone {
		return url, d.addPublicPermissions(ctx, function)
	}
	return url, d.removePublicPermissions(ctx, function)
}

// URLOff deletes the function's URL and the public permissions URLOn
// added; it reports whether there was anything to delete.
func (d *Deployer) URLOff(ctx context.Context, function string) (bool, error) {
	if err := d.requireOurs(ctx, function); err != nil {
		return false, err
	}
	removed := false
	// Asked first: moto's DeleteFunctionUrlConfig succeeds when there is
	// no URL, and what was removed must be said right.
	_, err := d.Lambda.GetFunctionUrlConfig(ctx, &lambda.GetFunctionUrlConfigInput{FunctionName: aws.String(function)})
	var missing *types.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
	case err != nil:
		return false, fmt.Errorf("function %s: get URL: %w", function, err)
	default:
		_, err := d.Lambda.DeleteFunctionUrlConfig(ctx, &lambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String(function)})
		if err != nil && !errors.As(err, &missing) {
			return false, fmt.Errorf("function %s: delete URL: %w", function, err)
		}
		d.notef("removed the function URL of %s", function)
		removed = true
	}
	if err := d.removePublicPermissions(ctx, function); err != nil {
		return removed, err
	}
	return removed, nil
}

// requireOurs refuses a function Deploy did not make.
func (d *Deployer) requireOurs(ctx context.Context, function string) error {
	fn, err := d.getFunction(ctx, function)
	if err != nil {
		return err
	}
	if fn == nil {
		return fmt.Errorf("no function %s (deploy it first)", function)
	}
	if !ours(fn.Tags) {
		return fmt.Errorf("function %s was not made by %s (no %s tag): refusing to change it", function, managedBy, TagManagedBy)
	}
	return nil
}

// addPublicPermissions lets anyone invoke the function through its URL:
// lambda:InvokeFunctionUrl for auth NONE, and lambda:InvokeFunction
// restricted to calls through the URL, which Lambda also requires of URLs
// created since October 2025.
func (d *Deployer) addPublicPermissions(ctx context.Context, function string) error {
	stmts, err := d.policyStatements(ctx, function)
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, s := range stmts {
		has[s.Sid] = true
	}
	for _, in := range []*lambda.AddPermissionInput{
		{StatementId: aws.String(sidURLPublic), Action: aws.String("lambda:InvokeFunctionUrl"),
			FunctionUrlAuthType: types.FunctionUrlAuthTypeNone},
		{StatementId: aws.String(sidURLPublicInvoke), Action: aws.String("lambda:InvokeFunction"),
			InvokedViaFunctionUrl: aws.Bool(true)},
	} {
		if has[aws.ToString(in.StatementId)] {
			continue
		}
		in.FunctionName, in.Principal = aws.String(function), aws.String("*")
		if _, err := d.Lambda.AddPermission(ctx, in); err != nil {
			return fmt.Errorf("function %s: add public permission %s: %w", function, aws.ToString(in.StatementId), err)
		}
		d.notef("added permission %s: anyone may %s through the URL", aws.ToString(in.StatementId), aws.ToString(in.Action))
	}
	return nil
}

func (d *Deployer) removePublicPermissions(ctx context.Context, function string) error {
	for _, sid := range []string{sidURLPublic, sidURLPublicInvoke} {
		removed, err := d.removePermission(ctx, function, sid)
		if err != nil {
			return err
		}
		if removed {
			d.notef("removed permission %s", sid)
		}
	}
	return nil
}
