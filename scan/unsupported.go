package scan

import (
	"fmt"

	"gokerchunk/hdf5scan"
)

// OnUnsupported is what a scan does with a variable it cannot reference
// as stored: scan's and combine's --on-unsupported, a request's
// on_unsupported.
type OnUnsupported string

const (
	// UnsupportedError fails the input on the first such variable.
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

// skips reports whether the policy leaves unsupported variables out
// (skip, and inline for what cannot be inlined) rather than failing.
func (p OnUnsupported) skips() bool {
	return p == UnsupportedSkip || p == UnsupportedInline
}

// apply sets the hdf5scan options the policy decides.
func (p OnUnsupported) apply(o *hdf5scan.Options) {
	o.SkipUnsupported = p.skips()
	o.MaxDecodedInline = 0 // the scanner's own bound
	if p == UnsupportedInline {
		o.MaxDecodedInline = maxDecodedInlineUnlimited
	}
}
