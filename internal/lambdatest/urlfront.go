package lambdatest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"
)

// URLFront answers like a Lambda function URL before a Front, as Lambda's
// URL service does before the function: each HTTP request becomes the
// payload format version 2.0 event (a text body plain, any other
// base64-encoded), invoked through the Front's Invoke API; the function's
// {"statusCode", "headers", "body", "isBase64Encoded"} becomes the HTTP
// answer. A throttled invocation answers 429 TooManyRequestsException, a
// function error 502, as the service does.
type URLFront struct {
	URL string

	front *Front
	opts  URLOptions
	srv   *httptest.Server

	Requests atomic.Int64 // requests received
	Refused  atomic.Int64 // requests Check refused (403)
}

// URLOptions configure a URLFront.
type URLOptions struct {
	// Check, when not nil, is asked about every request (its body already
	// read and put back): an error refuses it with 403 AccessDeniedException,
	// as the service refuses a bad signature.
	Check func(r *http.Request) error
	// Base64 sends every body base64-encoded, as the service does for
	// content types it does not take for text.
	Base64 bool
}

// NewURLFront serves a function URL in front of front until Close.
func NewURLFront(front *Front, opts URLOptions) *URLFront {
	u := &URLFront{front: front, opts: opts}
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	u.URL = u.srv.URL + "/"
	return u
}

// Close stops the URL front (not the Front).
func (u *URLFront) Close() { u.srv.Close() }

func (u *URLFront) serve(w http.ResponseWriter, r *http.Request) {
	u.Requests.Add(1)
	body, err := io.ReadAll(io.LimitReader(r.Body, maxPayload+1))
	if err != nil || len(body) > maxPayload {
		urlServiceError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", "request too large or unreadable")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if u.opts.Check != nil {
		if err := u.opts.Check(r); err != nil {
			u.Refused.Add(1)
			urlServiceError(w, http.StatusForbidden, "AccessDeniedException", "Forbidden: "+err.Error())
			return
		}
	}
	event, _ := json.Marshal(URLEvent(r, body, u.opts.Base64))
	resp, err := http.Post(u.front.URL+"/2015-03-31/functions/"+u.front.Function+"/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		urlServiceError(w, http.StatusInternalServerError, "ServiceException", err.Error())
		return
	}
	defer resp.Body.Close()
	payload, _ := io.ReadAll(resp.Body)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		urlServiceError(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.")
		return
	case resp.StatusCode != http.StatusOK:
		urlServiceError(w, resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), strings.TrimSpace(string(payload)))
		return
	case resp.Header.Get("X-Amz-Function-Error") != "":
		urlServiceError(w, http.StatusBadGateway, "", "Internal Server Error")
		return
	}
	var out struct {
		StatusCode      *int              `json:"statusCode"`
		Headers         map[string]string `json:"headers"`
		Body            string            `json:"body"`
		IsBase64Encoded bool              `json:"isBase64Encoded"`
	}
	if json.Unmarshal(payload, &out) != nil || out.StatusCode == nil {
		// The service answers a result without statusCode as 200 JSON.
		w.Header().Set("Content-Type", "application/json")
		w.Write(payload)
		return
	}
	data := []byte(out.Body)
	if out.IsBase64Encoded {
		if data, err = base64.StdEncoding.DecodeString(out.Body); err != nil {
			urlServiceError(w, http.StatusBadGateway, "", "Internal Server Error")
			return
		}
	}
	for k, v := range out.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(*out.StatusCode)
	w.Write(data)
}

// URLEvent is the function URL event (payload format version 2.0) Lambda
// makes of an HTTP request whose body is body: a JSON or text body plain,
// any other base64-encoded (or every one when b64).
func URLEvent(r *http.Request, body []byte, b64 bool) map[string]any {
	headers := map[string]string{}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	headers["host"] = r.Host
	ct := r.Header.Get("Content-Type")
	text := strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json")
	enc := string(body)
	if b64 || !text {
		enc = base64.StdEncoding.EncodeToString(body)
		b64 = true
	}
	now := time.Now().UTC()
	return map[string]any{
		"version":        "2.0",
		"routeKey":       "$default",
		"rawPath":        r.URL.Path,
		"rawQueryString": r.URL.RawQuery,
		"headers":        headers,
		"requestContext": map[string]any{
			"accountId":  "123456789012",
			"apiId":      "gokerchunktest",
			"domainName": r.Host,
			"http": map[string]string{
				"method": r.Method, "path": r.URL.Path, "protocol": r.Proto,
				"sourceIp": strings.Split(r.RemoteAddr, ":")[0], "userAgent": r.UserAgent(),
			},
			"requestId": "url-request",
			"routeKey":  "$default",
			"stage":     "$default",
			"time":      now.Format("02/Jan/2006:15:04:05 -0700"),
			"timeEpoch": now.UnixMilli(),
		},
		"body":            enc,
		"isBase64Encoded": b64,
	}
}

// urlServiceError answers as Lambda's URL service does when it refuses a
// request or the function failed.
func urlServiceError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	if code != "" {
		w.Header().Set("X-Amzn-ErrorType", code)
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"Message": msg})
	w.Write(b)
}
