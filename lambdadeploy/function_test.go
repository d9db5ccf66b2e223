package lambdadeploy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gokerchunk/internal/awsemu"
	"gokerchunk/internal/backoff"
)

// TestDeployRetriesRoleNotAssumable puts a proxy before moto's Lambda
// API that refuses the first two CreateFunction calls as Lambda does
// while IAM has not yet propagated a new role; Deploy waits and retries,
// and the function is created.
func TestDeployRetriesRoleNotAssumable(t *testing.T) {
	srv := awsemu.Start(t)
	srv.Env(t)
	target, _ := url.Parse(srv.Endpoint)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var refused atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/2015-03-31/functions" && refused.Add(1) <= 2 {
			w.Header().Set("X-Amzn-Errortype", "InvalidParameterValueException")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"Type":"User","message":"The role defined for the function cannot be assumed by Lambda."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", front.URL)

	clients, err := NewClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	d := NewDeployer(clients, func(m string) { notes = append(notes, m) })
	d.RoleRetry = backoff.Policy{BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}
	spec := &Spec{Function: "gk-retry", Buckets: []string{"in-bucket"}, Arch: "arm64", MemoryMB: DefaultMemoryMB,
		TimeoutS: DefaultTimeoutS, EphemeralMB: DefaultEphemeralMB, Zip: []byte("PK\x05\x06" + strings.Repeat("\x00", 18))}
	if err := d.Deploy(context.Background(), spec); err != nil {
		t.Fatalf("Deploy: %v\n%s", err, strings.Join(notes, "\n"))
	}
	all := strings.Join(notes, "\n")
	if strings.Count(all, "role not assumable yet") != 2 || !strings.Contains(all, "created function gk-retry") {
		t.Errorf("notes:\n%s\nwant two retries, then the function created", all)
	}

	// Bounded: a role that never becomes assumable fails after
	// RoleAttempts attempts, naming the cause.
	refused.Store(-100)
	d.RoleAttempts = 3
	spec.Function = "gk-never"
	err = d.Deploy(context.Background(), spec)
	if err == nil || !strings.Contains(err.Error(), "cannot be assumed") {
		t.Errorf("Deploy with a role never assumable: %v", err)
	}
}
