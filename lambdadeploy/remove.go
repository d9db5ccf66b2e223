package lambdadeploy

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
)

// Remove deletes what Deploy made for function: its bucket notification
// and the permission for it, its URL, the function, and its role with
// the role's inline policy. A function or role of that name that Deploy
// did not make is left, and said so. It reports whether it removed
// anything.
func (d *Deployer) Remove(ctx context.Context, function string) (bool, error) {
	removed := false
	fn, err := d.getFunction(ctx, function)
	if err != nil {
		return false, err
	}
	switch {
	case fn == nil:
	case !ours(fn.Tags):
		d.notef("left function %s: it was not made by %s (no %s tag)", function, managedBy, TagManagedBy)
	default:
		bucket, err := d.triggerBucket(ctx, function)
		if err != nil {
			return removed, err
		}
		if bucket != "" {
			if err := d.removeTrigger(ctx, function, bucket); err != nil {
				return removed, err
			}
		}
		if _, err := d.URLOff(ctx, function); err != nil {
			return removed, err
		}
		if _, err := d.Lambda.DeleteFunction(ctx, &lambda.DeleteFunctionInput{FunctionName: aws.String(function)}); err != nil {
			return removed, fmt.Errorf("delete function %s: %w", function, err)
		}
		d.notef("removed function %s", function)
		removed = true
	}
	roleRemoved, err := d.removeRole(ctx, function)
	return removed || roleRemoved, err
}
