package scan

import (
	"errors"
	"fmt"
	"strings"

	"gokerchunk/format"
	"gokerchunk/hdf5scan"
)

// OnUnsupported is what a scan does with a variable it cannot reference
// as stored: scan's and combine's --on-unsupported, a request's
// on_unsupported.
type OnUnsupported string

const (
	// UnsupportedError fails the input, naming every such variable.
	UnsupportedError OnUnsupported = "error"
	// UnsupportedSkip leaves the variable out and lists it.
	UnsupportedSkip OnUnsupported = "skip"
	// UnsupportedInline inlines the variable's decoded data where the
	// scanner can, up to maxDecodedInlineUnlimited, and skips the rest.
	UnsupportedInline OnUnsupported = "inline"
)

// maxDecodedInlineUnlimited is what inline lets one variable inline:
// bounded only so that a corrupt file cannot make the scanner allocate
// without end.
const maxDecodedInlineUnlimited = 1 << 30

// ParseOnUnsupported checks a policy's name; the error is to follow the
// name of the flag or field that gave it.
func ParseOnUnsupported(s string) (OnUnsupported, error) {
	switch p := OnUnsupported(s); p {
	case UnsupportedError, UnsupportedSkip, UnsupportedInline:
		return p, nil
	}
	return "", fmt.Errorf("must be error, skip or inline, not %q", s)
}

// apply sets the hdf5scan options the policy decides. The parser always
// goes on past a variable it cannot reference, listing it, so that a
// failure names them all (check).
func (p OnUnsupported) apply(o *hdf5scan.Options) {
	o.SkipUnsupported = true
	o.MaxDecodedInline = 0 // the scanner's own bound
	if p == UnsupportedInline {
		o.MaxDecodedInline = maxDecodedInlineUnlimited
	}
}

// check applies the policy to a parser's result: skip and inline keep
// the result with what it lists as left out; error fails the input,
// naming every variable left out, or saying that the file is truncated
// when that is why.
func (p OnUnsupported) check(input string, res *format.Result) error {
	if p != UnsupportedError && p != "" || len(res.Skipped)+len(res.Damaged) == 0 {
		return nil
	}
	for _, d := range res.Damaged {
		var te *format.TruncatedError
		if errors.As(d.Err, &te) && d.Attribute == "" {
			t := *te
			t.Reading = d.Path
			return &t
		}
	}
	return &UnsupportedVariablesError{Input: input, Unsupported: res.Skipped, Damaged: res.Damaged}
}

// UnsupportedVariablesError fails an input (under the error policy) for
// every variable that cannot be referenced as stored or whose structures
// do not parse, all of them.
type UnsupportedVariablesError struct {
	Input       string
	Unsupported []*format.UnsupportedError
	Damaged     []*format.DamagedError
}

func (e *UnsupportedVariablesError) Error() string {
	n := len(e.Unsupported) + len(e.Damaged)
	var b strings.Builder
	if n == 1 {
		fmt.Fprintf(&b, "%s: 1 variable cannot be referenced as stored: ", e.Input)
	} else {
		fmt.Fprintf(&b, "%s: %d variables cannot be referenced as stored:", e.Input, n)
	}
	sep := "\n  "
	if n == 1 {
		sep = ""
	}
	for _, u := range e.Unsupported {
		fmt.Fprintf(&b, "%s%s: unsupported: %s", sep, u.Path, u.Feature)
	}
	for _, d := range e.Damaged {
		b.WriteString(sep + strings.TrimPrefix(d.Error(), d.File+": "))
	}
	return b.String()
}

// Unwrap gives errors.As the variables' errors.
func (e *UnsupportedVariablesError) Unwrap() []error {
	errs := make([]error, 0, len(e.Unsupported)+len(e.Damaged))
	for _, u := range e.Unsupported {
		errs = append(errs, u)
	}
	for _, d := range e.Damaged {
		errs = append(errs, d)
	}
	return errs
}
