package fanout

import (
	"testing"
)

// FuzzDecodeEvent feeds the function's event decoding (what a direct
// invocation, a function URL and an S3 notification send) arbitrary
// payloads: telling the shape and decoding a direct request must give a
// request or an error, never a panic. Jobs are not run: the fuzzer's
// inputs would name arbitrary files.
func FuzzDecodeEvent(f *testing.F) {
	for _, seed := range []string{
		`{"job":"scan","input":"s3://b/a.nc","output":"s3://b/o/a.nc.json","inline_threshold":0}`,
		`{"input":"/data/a.nc","output":"-"}`,
		`{"version":"2.0","requestContext":{"http":{"method":"POST"}},"body":"e30=","isBase64Encoded":true}`,
		`{"version":"1.0","requestContext":{}}`,
		`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"},"object":{"key":"a+b.nc"}}}]}`,
		`{"Records":[],"x":1}`,
		`[]`, `null`, `{"job":"test","input":"a","output":"b","inline_threshold":-1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		shape, err := shapeOf(payload)
		if err != nil && shape != directEvent {
			t.Fatalf("shape %d with error %v", shape, err)
		}
		req, err := DecodeEvent(payload)
		if (req == nil) == (err == nil) {
			t.Fatalf("DecodeEvent gave request %v and error %v", req, err)
		}
	})
}
