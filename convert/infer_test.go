package convert

import "testing"

func TestInfer(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   Type
	}{
		{[]string{"1", "-20", "0", ""}, Int64},
		{[]string{"9223372036854775807"}, Int64},
		{[]string{"9223372036854775808"}, Float64},
		{[]string{"1", "2.5"}, Float64},
		{[]string{".5", "-1e10", "3E+2", "0.0"}, Float64},
		{[]string{"1e999"}, String},
		{[]string{"0700", "1700"}, String},
		{[]string{"00.5"}, String},
		{[]string{"+5"}, String},
		{[]string{"-0"}, Int64},
		{[]string{"1."}, Float64},
		{[]string{"."}, String},
		{[]string{"1e"}, String},
		{[]string{"NaN"}, String},
		{[]string{"inf"}, String},
		{[]string{"true", "FALSE", "True"}, Bool},
		{[]string{"true", "1"}, String},
		{[]string{"0", "1"}, Int64},
		{[]string{"2020-01-31", "1999-12-01"}, Date},
		{[]string{"2020-02-30"}, String},
		{[]string{"20200131"}, Int64},
		{[]string{"2020-01-31", "x"}, String},
		{[]string{"", ""}, String},
		{nil, String},
		{[]string{"USC00045123"}, String},
	} {
		in := newInferer(1)
		for _, v := range tc.values {
			in.add(0, []byte(v))
		}
		if got := in.typeOf(0); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.values, got, tc.want)
		}
		// Whatever is inferred parses every value of the sample.
		for _, v := range tc.values {
			if v == "" {
				continue
			}
			if _, err := parseValue(in.typeOf(0), []byte(v)); err != nil {
				t.Errorf("%q: inferred %v does not parse %q: %v", tc.values, in.typeOf(0), v, err)
			}
		}
	}
}
