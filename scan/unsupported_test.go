package scan

import (
	"testing"

	"gokerchunk/hdf5scan"
)

func TestOnUnsupported(t *testing.T) {
	for _, tc := range []struct {
		in         string
		skip       bool
		maxDecoded int64
		err        string
	}{
		{in: "error", skip: true},
		{in: "skip", skip: true},
		{in: "inline", skip: true, maxDecoded: maxDecodedInlineUnlimited},
		{in: "", err: `must be error, skip or inline, not ""`},
		{in: "Skip", err: `must be error, skip or inline, not "Skip"`},
	} {
		p, err := ParseOnUnsupported(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || string(p) != tc.in {
			t.Errorf("%q: %q, %v", tc.in, p, err)
			continue
		}
		o := hdf5scan.Options{URL: "u", InlineThreshold: 7, MaxDecodedInline: 99}
		p.apply(&o)
		if o.SkipUnsupported != tc.skip || o.MaxDecodedInline != tc.maxDecoded || o.URL != "u" || o.InlineThreshold != 7 {
			t.Errorf("%q: options %+v", tc.in, o)
		}
	}
}
