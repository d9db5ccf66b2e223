package hdf5scan

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// numberList reads what elementValue reads, element by element, in both
// byte orders.
func TestNumberList(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	data := make([]byte, 8*50)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	for _, big := range []bool{false, true} {
		types := []*datatype{
			{class: classFloat, ieee: true, size: 4, bigEndian: big},
			{class: classFloat, ieee: true, size: 8, bigEndian: big},
		}
		for _, size := range []int{1, 2, 4, 8} {
			for _, signed := range []bool{false, true} {
				types = append(types, &datatype{class: classFixedPoint, size: size, signed: signed, fullWidth: true, precision: 8 * size, bigEndian: big})
			}
		}
		for _, typ := range types {
			n := len(data) / typ.size
			list, ok := numberList(typ, data, n)
			if !ok {
				t.Fatalf("%s: no list", typ)
			}
			got := []any{}
			switch l := list.(type) {
			case []float32:
				for _, v := range l {
					got = append(got, v)
				}
			case []float64:
				for _, v := range l {
					got = append(got, v)
				}
			case []int64:
				for _, v := range l {
					got = append(got, v)
				}
			case []uint64:
				for _, v := range l {
					got = append(got, v)
				}
			}
			for i := range n {
				want, err := elementValue(nil, nil, typ, data[i*typ.size:(i+1)*typ.size])
				if err != nil {
					t.Fatal(err)
				}
				if g, w := fmt.Sprintf("%T %#v", got[i], got[i]), fmt.Sprintf("%T %#v", want, want); g != w {
					t.Fatalf("%s big-endian %v, element %d: %s, want %s", typ, big, i, g, w)
				}
			}
		}
	}
}
