// Package awsemu is the tests' AWS control plane: moto's server (an AWS
// API emulator; IAM, Lambda and S3 without Docker) run inside the Debian
// sid root that testdata/sid/build.sh makes (python3-moto), through
// testdata/sid/run.sh, on a free 127.0.0.1 port. Functions it holds
// cannot be invoked there (that needs Docker): invoke through
// internal/lambdatest's Runtime Interface Emulators instead.
package awsemu

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a running moto server.
type Server struct {
	// Endpoint is its base URL, http://127.0.0.1:PORT.
	Endpoint string
}

// Start starts a moto server for t and stops it (by its PID: run.sh execs
// through to python, so the PID is the server's) when t ends. It skips t
// when the sid root or moto is missing, and fails it under CI (CI=true),
// where `make sid-env` builds the root first.
func Start(t testing.TB) *Server {
	t.Helper()
	runSh, err := runScript()
	if err == nil {
		err = ready(runSh)
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("moto's server (make sid-env) is missing under CI: %v", err)
		}
		t.Skipf("moto's server (make sid-env) is missing: %v", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	cmd := exec.Command(runSh, "python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("moto's log:\n%s", log.String())
		}
	})
	s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port)}
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(s.Endpoint + "/")
		if err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case err := <-exited:
			t.Fatalf("moto exited before answering: %v\n%s", err, log.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not answer on %s within 90 s:\n%s", s.Endpoint, log.String())
		}
	}
}

// Env points the AWS SDK of this process at the server for t's duration
// (AWS_ENDPOINT_URL, dummy credentials, us-east-1), away from any AWS
// profile or config file of the machine.
func (s *Server) Env(t testing.TB) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL":            s.Endpoint,
		"AWS_ACCESS_KEY_ID":           "test",
		"AWS_SECRET_ACCESS_KEY":       "test",
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  "us-east-1",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL_S3":         "",
		"AWS_ENDPOINT_URL_LAMBDA":     "",
		"AWS_ENDPOINT_URL_IAM":        "",
	} {
		t.Setenv(k, v)
		if v == "" {
			os.Unsetenv(k)
		}
	}
}

// runScript finds testdata/sid/run.sh from the working directory (a
// package directory inside the module).
func runScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "sid", "run.sh"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

var (
	readyOnce sync.Once
	readyErr  error
)

// ready reports why moto cannot run in the sid root (nil when it can);
// checked once per test binary.
func ready(runSh string) error {
	readyOnce.Do(func() {
		root := os.Getenv("GOKERCHUNK_SID_ROOT")
		if root == "" {
			home, _ := os.UserHomeDir()
			root = filepath.Join(home, ".cache", "gokerchunk-tools", "sid")
		}
		if _, err := os.Stat(filepath.Join(root, ".complete")); err != nil {
			readyErr = fmt.Errorf("the Debian sid root %s is not built: %w", root, err)
			return
		}
		if out, err := exec.Command(runSh, "python3", "-c", "import moto.server, flask, flask_cors, boto3").CombinedOutput(); err != nil {
			readyErr = fmt.Errorf("moto does not import in the sid root (an older stamp? make sid-env updates it): %w: %s", err, bytes.TrimSpace(out))
		}
	})
	return readyErr
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer is the server's log, written by the process's output copier
// and read by the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
