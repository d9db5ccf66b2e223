package lambdadeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// writtenSuffix ends every key the function writes below its output
// prefix (sidecars are "<input name>.json").
const writtenSuffix = ".json"

// NotificationID is the Id of the bucket notification configuration that
// sends the objects created with suffix to function. S3 takes one suffix
// per configuration, so a trigger is one configuration per input
// extension. Lambda function names hold no '.', so "gokerchunk-NAME." is
// a prefix no other function's Ids share.
func NotificationID(function, suffix string) string {
	return "gokerchunk-" + function + suffix
}

// CheckTriggerScope refuses an output prefix whose objects would trigger
// the function again: one that overlaps the trigger's scope (same bucket,
// either prefix inside the other) when a notification filter (one per
// suffix; none means every key) can match the keys the function writes
// there, all ending in .json. With input extensions as the suffixes
// (.nc, .h5, ...) they cannot, and the output may sit inside the trigger's
// scope; note then says so.
func CheckTriggerScope(trigger, output S3Prefix, suffixes []string) (note string, err error) {
	if trigger.Bucket != output.Bucket ||
		!strings.HasPrefix(output.Prefix, trigger.Prefix) && !strings.HasPrefix(trigger.Prefix, output.Prefix) {
		return "", nil
	}
	if len(suffixes) == 0 {
		return "", fmt.Errorf("--output %s is inside --trigger %s, whose notification matches every key: each sidecar written would trigger the function again; use another prefix or bucket",
			output, trigger)
	}
	for _, s := range suffixes {
		if s == "" || strings.HasSuffix(writtenSuffix, s) || strings.HasSuffix(s, writtenSuffix) {
			return "", fmt.Errorf("--output %s is inside --trigger %s, and the notification's suffix filter %q matches the %s sidecars the function writes: each would trigger it again; use another prefix or bucket",
				output, trigger, s, writtenSuffix)
		}
	}
	return fmt.Sprintf("--output %s is inside --trigger %s: allowed, since the function writes only *%s keys there, which the notification's suffix filters (%s) never match",
		output, trigger, writtenSuffix, strings.Join(suffixes, " ")), nil
}

// triggerBucket returns the bucket whose notifications may invoke the
// function by the permission Deploy added (sidS3Trigger), "" when there is
// none.
func (d *Deployer) triggerBucket(ctx context.Context, function string) (string, error) {
	stmts, err := d.policyStatements(ctx, function)
	if err != nil {
		return "", err
	}
	for _, s := range stmts {
		if s.Sid != sidS3Trigger {
			continue
		}
		for _, vals := range s.Condition {
			if arn, ok := vals["AWS:SourceArn"].(string); ok {
				return arn[strings.LastIndex(arn, ":")+1:], nil
			}
		}
	}
	return "", nil
}

type resourceStatement struct {
	Sid       string
	Condition map[string]map[string]any
}

// policyStatements returns the statements of the function's resource
// policy (none when it has no policy).
func (d *Deployer) policyStatements(ctx context.Context, function string) ([]resourceStatement, error) {
	out, err := d.Lambda.GetPolicy(ctx, &lambda.GetPolicyInput{FunctionName: aws.String(function)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("function %s: get policy: %w", function, err)
	}
	var doc struct{ Statement []resourceStatement }
	if err := json.Unmarshal([]byte(aws.ToString(out.Policy)), &doc); err != nil {
		return nil, fmt.Errorf("function %s: its resource policy: %w", function, err)
	}
	return doc.Statement, nil
}

// removePermission removes the statement sid from the function's resource
// policy; it reports whether there was one.
func (d *Deployer) removePermission(ctx context.Context, function, sid string) (bool, error) {
	_, err := d.Lambda.RemovePermission(ctx, &lambda.RemovePermissionInput{FunctionName: aws.String(function), StatementId: aws.String(sid)})
	var missing *types.ResourceNotFoundException
	if errors.As(err, &missing) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("function %s: remove permission %s: %w", function, sid, err)
	}
	return true, nil
}

// ensureTrigger makes the S3 trigger match spec: the permission for S3 to
// invoke the function for the trigger bucket, and the bucket's
// notification configurations (one per suffix), keeping the bucket's other
// configurations. Without a trigger in spec, a trigger deployed before is
// removed.
func (d *Deployer) ensureTrigger(ctx context.Context, spec *Spec, roleARN string) (bool, error) {
	old, err := d.triggerBucket(ctx, spec.Function)
	if err != nil {
		return false, err
	}
	changed := false
	if old != "" && (spec.Trigger == nil || spec.Trigger.Bucket != old) {
		if err := d.removeTrigger(ctx, spec.Function, old); err != nil {
			return false, err
		}
		changed, old = true, ""
	}
	if spec.Trigger == nil {
		return changed, nil
	}
	trig := *spec.Trigger
	note, err := CheckTriggerScope(trig, spec.Output.Dir(), spec.Suffixes)
	if err != nil {
		return false, err
	}
	if note != "" {
		d.notef("note: %s", note)
	}
	conf, err := d.Lambda.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(spec.Function)})
	if err != nil {
		return false, fmt.Errorf("get function %s: %w", spec.Function, err)
	}
	fnARN := aws.ToString(conf.FunctionArn)
	bucketARN := "arn:" + partitionOf(roleARN) + ":s3:::" + trig.Bucket
	if old == "" {
		// S3 checks, when the notification is put, that it may invoke
		// the function: the permission comes first.
		if _, err := d.Lambda.AddPermission(ctx, &lambda.AddPermissionInput{
			FunctionName:  aws.String(spec.Function),
			StatementId:   aws.String(sidS3Trigger),
			Action:        aws.String("lambda:InvokeFunction"),
			Principal:     aws.String("s3.amazonaws.com"),
			SourceArn:     aws.String(bucketARN),
			SourceAccount: aws.String(accountOf(roleARN)),
		}); err != nil {
			return false, fmt.Errorf("function %s: allow s3://%s to invoke it: %w", spec.Function, trig.Bucket, err)
		}
		d.notef("added permission %s: s3.amazonaws.com may invoke %s for s3://%s", sidS3Trigger, spec.Function, trig.Bucket)
		changed = true
	}

	nc, err := d.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(trig.Bucket)})
	if err != nil {
		return false, fmt.Errorf("s3://%s: get notification configuration: %w", trig.Bucket, err)
	}
	var mine, others []s3types.LambdaFunctionConfiguration
	for _, c := range nc.LambdaFunctionConfigurations {
		if isOurNotification(c, spec.Function) {
			mine = append(mine, c)
		} else {
			others = append(others, c)
		}
	}
	var want []s3types.LambdaFunctionConfiguration
	for _, s := range spec.Suffixes {
		want = append(want, s3types.LambdaFunctionConfiguration{
			Id:                aws.String(NotificationID(spec.Function, s)),
			LambdaFunctionArn: aws.String(fnARN),
			Events:            []s3types.Event{"s3:ObjectCreated:*"},
			Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{
				{Name: "prefix", Value: aws.String(trig.Prefix)},
				{Name: "suffix", Value: aws.String(s)},
			}}},
		})
	}
	if sameNotifications(mine, want) {
		return changed, nil
	}
	if err := d.putNotifications(ctx, trig.Bucket, nc, append(others, want...)); err != nil {
		return false, err
	}
	d.notef("put bucket notification: objects created in %s ending %s invoke %s",
		trig, strings.Join(spec.Suffixes, " "), spec.Function)
	return true, nil
}

// removeTrigger removes the function's notification configurations from
// bucket (keeping the others) and the permission that let S3 invoke it.
func (d *Deployer) removeTrigger(ctx context.Context, function, bucket string) error {
	nc, err := d.S3.GetBucketNotificationConfiguration(ctx, &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String(bucket)})
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket":
		// The bucket went, and its notifications with it.
	case err != nil:
		return fmt.Errorf("s3://%s: get notification configuration: %w", bucket, err)
	default:
		others := slices.DeleteFunc(slices.Clone(nc.LambdaFunctionConfigurations), func(c s3types.LambdaFunctionConfiguration) bool {
			return isOurNotification(c, function)
		})
		if len(others) < len(nc.LambdaFunctionConfigurations) {
			if err := d.putNotifications(ctx, bucket, nc, others); err != nil {
				return err
			}
			d.notef("removed bucket notification of s3://%s → %s", bucket, function)
		}
	}
	removed, err := d.removePermission(ctx, function, sidS3Trigger)
	if removed {
		d.notef("removed permission %s (s3://%s may no longer invoke %s)", sidS3Trigger, bucket, function)
	}
	return err
}

// putNotifications replaces the bucket's Lambda configurations with
// lambdas, keeping its queue, topic and EventBridge configurations.
func (d *Deployer) putNotifications(ctx context.Context, bucket string, have *s3.GetBucketNotificationConfigurationOutput, lambdas []s3types.LambdaFunctionConfiguration) error {
	_, err := d.S3.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{
		Bucket: aws.String(bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{
			LambdaFunctionConfigurations: lambdas,
			QueueConfigurations:          have.QueueConfigurations,
			TopicConfigurations:          have.TopicConfigurations,
			EventBridgeConfiguration:     have.EventBridgeConfiguration,
		},
	})
	if err != nil {
		return fmt.Errorf("s3://%s: put notification configuration: %w", bucket, err)
	}
	return nil
}

func isOurNotification(c s3types.LambdaFunctionConfiguration, function string) bool {
	return strings.HasPrefix(aws.ToString(c.Id), NotificationID(function, "."))
}

// sameNotifications compares configurations by Id, function, events and
// filter rules (rule names case-insensitively: S3 answers "Prefix").
func sameNotifications(have, want []s3types.LambdaFunctionConfiguration) bool {
	key := func(c s3types.LambdaFunctionConfiguration) string {
		parts := []string{aws.ToString(c.Id), aws.ToString(c.LambdaFunctionArn)}
		for _, e := range c.Events {
			parts = append(parts, string(e))
		}
		var rules []string
		if c.Filter != nil && c.Filter.Key != nil {
			for _, r := range c.Filter.Key.FilterRules {
				rules = append(rules, strings.ToLower(string(r.Name))+"="+aws.ToString(r.Value))
			}
		}
		slices.Sort(rules)
		parts = append(parts, rules...)
		return strings.Join(parts, "\x00")
	}
	if len(have) != len(want) {
		return false
	}
	var h, w []string
	for i := range have {
		h, w = append(h, key(have[i])), append(w, key(want[i]))
	}
	slices.Sort(h)
	slices.Sort(w)
	return slices.Equal(h, w)
}
