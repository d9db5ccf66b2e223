package lambdadeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// trustPolicy lets Lambda assume the role.
const trustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
	`"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

type policyDocument struct {
	Version   string
	Statement []policyStatement
}

type policyStatement struct {
	Sid      string
	Effect   string
	Action   []string
	Resource []string
}

// rolePolicy is the role's inline policy: read, list and write the named
// buckets (ListBucket makes a missing key a 404, "no such file", rather than
// a 403), and write the function's CloudWatch logs.
func rolePolicy(partition, function string, buckets []string) string {
	var objects, bucketARNs []string
	for _, b := range buckets {
		bucketARNs = append(bucketARNs, "arn:"+partition+":s3:::"+b)
		objects = append(objects, "arn:"+partition+":s3:::"+b+"/*")
	}
	logGroup := "arn:" + partition + ":logs:*:*:log-group:/aws/lambda/" + function
	doc := policyDocument{Version: "2012-10-17", Statement: []policyStatement{
		{Sid: "ReadInputs", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: objects},
		{Sid: "ListBuckets", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: bucketARNs},
		{Sid: "WriteOutputs", Effect: "Allow", Action: []string{"s3:PutObject", "s3:AbortMultipartUpload"}, Resource: objects},
		{Sid: "Logs", Effect: "Allow", Action: []string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: []string{logGroup, logGroup + ":*"}},
	}}
	b, _ := json.Marshal(doc)
	return string(b)
}

// samePolicy compares two policy documents as JSON values; IAM returns
// them URL-encoded.
func samePolicy(have, want string) bool {
	if u, err := url.PathUnescape(have); err == nil {
		have = u
	}
	var h, w any
	if json.Unmarshal([]byte(have), &h) != nil || json.Unmarshal([]byte(want), &w) != nil {
		return false
	}
	return reflect.DeepEqual(h, w)
}

// ensureRole creates the function's execution role, or checks that the
// existing one is ours, and puts its inline policy when it differs.
func (d *Deployer) ensureRole(ctx context.Context, spec *Spec) (arn string, changed bool, err error) {
	name := RoleName(spec.Function)
	role, err := d.getRole(ctx, name)
	if err != nil {
		return "", false, err
	}
	if role != nil && !roleIsOurs(role, spec.Function) {
		return "", false, fmt.Errorf("role %s exists but was not made by %s for function %s (tags %s, %s): refusing to use it",
			name, managedBy, spec.Function, TagManagedBy, TagFunction)
	}
	if role == nil {
		out, err := d.IAM.CreateRole(ctx, &iam.CreateRoleInput{
			RoleName:                 aws.String(name),
			Path:                     aws.String(RolePath),
			AssumeRolePolicyDocument: aws.String(trustPolicy),
			Description:              aws.String("execution role of the gokerchunk Lambda function " + spec.Function),
			Tags: []iamtypes.Tag{
				{Key: aws.String(TagManagedBy), Value: aws.String(managedBy)},
				{Key: aws.String(TagFunction), Value: aws.String(spec.Function)},
			},
		})
		if err != nil {
			return "", false, fmt.Errorf("create role %s: %w", name, err)
		}
		role = out.Role
		d.notef("created role %s (%s)", name, aws.ToString(role.Arn))
		changed = true
	}
	arn = aws.ToString(role.Arn)
	buckets := spec.buckets()
	want := rolePolicy(partitionOf(arn), spec.Function, buckets)
	have, err := d.IAM.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(rolePolicyName)})
	var missing *iamtypes.NoSuchEntityException
	switch {
	case errors.As(err, &missing):
		have = nil
	case err != nil:
		return "", false, fmt.Errorf("role %s: get policy %s: %w", name, rolePolicyName, err)
	}
	if have != nil && samePolicy(aws.ToString(have.PolicyDocument), want) {
		return arn, changed, nil
	}
	if _, err := d.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name),
		PolicyName: aws.String(rolePolicyName), PolicyDocument: aws.String(want)}); err != nil {
		return "", false, fmt.Errorf("role %s: put policy %s: %w", name, rolePolicyName, err)
	}
	verb := "put"
	if have != nil {
		verb = "updated"
	}
	d.notef("%s role policy %s: read, list and write s3://%s, CloudWatch Logs", verb, rolePolicyName,
		strings.Join(buckets, ", s3://"))
	return arn, true, nil
}

// getRole returns the role named name with its tags, nil when there is none.
func (d *Deployer) getRole(ctx context.Context, name string) (*iamtypes.Role, error) {
	out, err := d.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	var missing *iamtypes.NoSuchEntityException
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get role %s: %w", name, err)
	}
	return out.Role, nil
}

// roleIsOurs tells whether role carries the tags Deploy gives the role of
// function.
func roleIsOurs(role *iamtypes.Role, function string) bool {
	tags := map[string]string{}
	for _, t := range role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return ours(tags) && tags[TagFunction] == function
}

// removeRole deletes the function's role and its inline policies when the
// role is ours; it reports whether it removed anything.
func (d *Deployer) removeRole(ctx context.Context, function string) (bool, error) {
	name := RoleName(function)
	role, err := d.getRole(ctx, name)
	if err != nil || role == nil {
		return false, err
	}
	if !roleIsOurs(role, function) {
		d.notef("left role %s: it was not made by %s for %s", name, managedBy, function)
		return false, nil
	}
	policies, err := d.IAM.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return false, fmt.Errorf("role %s: list policies: %w", name, err)
	}
	for _, p := range policies.PolicyNames {
		if _, err := d.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(p)}); err != nil {
			return false, fmt.Errorf("role %s: delete policy %s: %w", name, p, err)
		}
		d.notef("removed role policy %s", p)
	}
	if _, err := d.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String(name)}); err != nil {
		return false, fmt.Errorf("delete role %s: %w", name, err)
	}
	d.notef("removed role %s", name)
	return true, nil
}
