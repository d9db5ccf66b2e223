package lambdadeploy

import (
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

var inputSuffixes = []string{".nc", ".nc4", ".h5", ".hdf5", ".he5", ".hdf"}

func TestCheckTriggerScope(t *testing.T) {
	p := func(s string) S3Prefix { v, _ := ParseS3Prefix(s); return v }
	for _, tc := range []struct {
		trigger, output string
		suffixes        []string
		refused, noted  bool
	}{
		{"s3://in/data/", "s3://out/refs/", inputSuffixes, false, false},
		{"s3://in/data/", "s3://in/refs/", inputSuffixes, false, false},
		// Inside the trigger's scope (either way round): allowed, since
		// the .json sidecars never match an input suffix.
		{"s3://in/data/", "s3://in/data/refs/", inputSuffixes, false, true},
		{"s3://in/data/", "s3://in/", inputSuffixes, false, true},
		{"s3://in/", "s3://in/", inputSuffixes, false, true},
		// Filters that would match the sidecars: refused.
		{"s3://in/data/", "s3://in/data/refs/", nil, true, false},
		{"s3://in/data/", "s3://in/data/refs/", []string{".nc", ".json"}, true, false},
		{"s3://in/data/", "s3://in/data/refs/", []string{"json"}, true, false},
		{"s3://in/data/", "s3://in/data/refs/", []string{""}, true, false},
		{"s3://in/data/", "s3://in/other/", nil, false, false},
	} {
		note, err := CheckTriggerScope(p(tc.trigger), p(tc.output), tc.suffixes)
		if (err != nil) != tc.refused || (note != "") != tc.noted {
			t.Errorf("trigger %s output %s suffixes %q: note %q, err %v; want refused %v, noted %v",
				tc.trigger, tc.output, tc.suffixes, note, err, tc.refused, tc.noted)
		}
	}
}

func TestParseS3Prefix(t *testing.T) {
	for in, want := range map[string]S3Prefix{
		"s3://b/":           {"b", ""},
		"s3://b":            {"b", ""},
		"s3://b/in/coming/": {"b", "in/coming/"},
	} {
		if got, err := ParseS3Prefix(in); err != nil || got != want {
			t.Errorf("ParseS3Prefix(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if got := (S3Prefix{"b", "refs"}).Dir().String(); got != "s3://b/refs/" {
		t.Errorf("Dir of s3://b/refs: %s", got)
	}
	if got := (S3Prefix{"b", ""}).Dir().String(); got != "s3://b/" {
		t.Errorf("Dir of s3://b/: %s", got)
	}
	for _, bad := range []string{"/local/dir", "s3:///key", "gs://b/"} {
		if _, err := ParseS3Prefix(bad); err == nil {
			t.Errorf("ParseS3Prefix(%q) accepted", bad)
		}
	}
}

func TestRoleName(t *testing.T) {
	if got := RoleName("gokerchunk"); got != "gokerchunk-gokerchunk" {
		t.Errorf("RoleName(gokerchunk) = %s", got)
	}
	long := strings.Repeat("f", 64)
	a, b := RoleName(long), RoleName(long[:63]+"g")
	if len(a) > 64 || len(b) > 64 || a == b {
		t.Errorf("long names: %s (%d), %s (%d): want distinct and at most 64", a, len(a), b, len(b))
	}
}

func TestRolePolicy(t *testing.T) {
	doc := rolePolicy("aws-cn", "fn", []string{"in", "out"})
	for _, want := range []string{`"arn:aws-cn:s3:::in/*"`, `"arn:aws-cn:s3:::out"`, `"s3:PutObject"`, `log-group:/aws/lambda/fn:*`} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy lacks %s: %s", want, doc)
		}
	}
	// IAM answers URL-encoded, with its own spacing.
	encoded := url.PathEscape(strings.ReplaceAll(doc, ",", ", "))
	if !samePolicy(encoded, doc) {
		t.Error("samePolicy: the URL-encoded document differs")
	}
	if samePolicy(encoded, rolePolicy("aws-cn", "fn", []string{"in"})) {
		t.Error("samePolicy: a policy with a bucket less is the same")
	}
}

func TestRoleNotYetAssumable(t *testing.T) {
	if !roleNotYetAssumable(&types.InvalidParameterValueException{Message: aws.String("The role defined for the function cannot be assumed by Lambda.")}) {
		t.Error("the IAM propagation error is not recognised")
	}
	if roleNotYetAssumable(&types.InvalidParameterValueException{Message: aws.String("Value 64 at 'memorySize' failed")}) {
		t.Error("another InvalidParameterValueException is taken for IAM propagation")
	}
}

func TestSpecValidate(t *testing.T) {
	ok := func() *Spec {
		return &Spec{Function: "f", Buckets: []string{"b"}, Arch: "arm64", MemoryMB: DefaultMemoryMB,
			TimeoutS: DefaultTimeoutS, EphemeralMB: DefaultEphemeralMB, Suffixes: inputSuffixes}
	}
	if err := ok().Validate(); err != nil {
		t.Fatal(err)
	}
	trig := S3Prefix{"in", "data/"}
	for name, change := range map[string]func(*Spec){
		"no bucket":       func(s *Spec) { s.Buckets = nil },
		"arch":            func(s *Spec) { s.Arch = "x86_64" },
		"memory":          func(s *Spec) { s.MemoryMB = 64 },
		"timeout":         func(s *Spec) { s.TimeoutS = 901 },
		"ephemeral":       func(s *Spec) { s.EphemeralMB = 100 },
		"trigger alone":   func(s *Spec) { s.Trigger = &trig },
		"concurrency":     func(s *Spec) { s.ReservedConcurrency = aws.Int32(-1) },
		"no suffixes":     func(s *Spec) { s.Trigger, s.Output, s.Suffixes = &trig, &S3Prefix{"out", ""}, nil },
		"no function":     func(s *Spec) { s.Function = "" },
		"matching filter": func(s *Spec) { s.Trigger, s.Output, s.Suffixes = &trig, &trig, []string{".json"} },
	} {
		s := ok()
		change(s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The trigger's and output's buckets join the policy's.
	s := ok()
	s.Trigger, s.Output = &trig, &S3Prefix{"out", "refs/"}
	if got := strings.Join(s.buckets(), ","); got != "b,in,out" {
		t.Errorf("buckets %s, want b,in,out", got)
	}
}
