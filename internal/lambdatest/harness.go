package lambdatest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RIEVersion is the emulator the Makefile's deps target installs.
const RIEVersion = "v0.0.0-20261030222936-bef5c4ba774d"

// RIEPath returns the emulator binary: $GOKERCHUNK_RIE, the project's
// tool cache or PATH. When it is missing the test is skipped, or fails
// under CI (where `make deps` installs it).
func RIEPath(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("GOKERCHUNK_RIE")}
	if home, err := os.UserHomeDir(); err == nil {
		candidates = append(candidates, filepath.Join(home, ".cache", "gokerchunk-tools", "bin", "aws-lambda-rie"))
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		candidates = append(candidates, p)
	}
	for _, c := range candidates {
		if st, err := os.Stat(c); c != "" && err == nil && st.Mode().IsRegular() {
			return c
		}
	}
	msg := "aws-lambda-rie is missing (make deps installs it: go install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@" + RIEVersion + ")"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Bootstrap builds cmd/gokerchunk-lambda as Lambda runs it (static, with
// the lambda.norpc tag), once per test process; Cleanup removes it.
func Bootstrap(t testing.TB) string {
	t.Helper()
	build.once.Do(func() {
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			build.err = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		root := filepath.Dir(strings.TrimSpace(string(gomod)))
		if build.dir, build.err = os.MkdirTemp("", "gokerchunk-lambda-"); build.err != nil {
			return
		}
		build.path = filepath.Join(build.dir, "bootstrap")
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", build.path, "./cmd/gokerchunk-lambda")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("build the bootstrap: %v\n%s", err, out)
		}
	})
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.path
}

// Cleanup removes what Bootstrap built; call it from TestMain after m.Run.
func Cleanup() {
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
}

// Options configure Start.
type Options struct {
	// N is the number of RIE instances (default 3).
	N int
	// Function is the name the front answers to (default "gokerchunk").
	Function string
	// Env is added to each RIE's environment, which the RIE passes on to
	// the function (KEY=value).
	Env []string
	// Timeout is the function's timeout (default 30 s).
	Timeout time.Duration
	Front   FrontOptions
}

// Start starts opts.N RIE instances running the bootstrap, each on its own
// free pair of 127.0.0.1 ports, waits until each accepts connections, and
// puts a Front before them. Everything is stopped when the test ends; the
// instances' logs are shown if it failed.
func Start(t testing.TB, opts Options) *Front {
	t.Helper()
	rie := RIEPath(t)
	bootstrap := Bootstrap(t)
	if opts.N <= 0 {
		opts.N = 3
	}
	if opts.Function == "" {
		opts.Function = "gokerchunk"
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	env := append(os.Environ(), "AWS_LAMBDA_FUNCTION_TIMEOUT="+strconv.Itoa(int(opts.Timeout.Seconds())))
	env = append(env, opts.Env...)
	logDir := t.TempDir()
	var backends []string
	for i := range opts.N {
		inst, err := startRIE(rie, bootstrap, env, filepath.Join(logDir, fmt.Sprintf("rie%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			inst.stop()
			if t.Failed() {
				b, _ := os.ReadFile(inst.log)
				t.Logf("RIE %d (%s) log:\n%s", i, inst.url, tail(b, 4000))
			}
		})
		backends = append(backends, inst.url)
	}
	f := NewFront(opts.Function, backends, opts.Front)
	t.Cleanup(f.Close)
	return f
}

type instance struct {
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's result
	url    string
	log    string
}

// startRIE starts one emulator; a port taken between choosing and binding
// it makes the emulator exit, and another pair is tried.
func startRIE(rie, bootstrap string, env []string, logPath string) (*instance, error) {
	var lastErr error
	for range 3 {
		ports, err := freePorts(2)
		if err != nil {
			return nil, err
		}
		logf, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", ports[0])
		cmd := exec.Command(rie,
			"--runtime-interface-emulator-address", addr,
			"--runtime-api-address", fmt.Sprintf("127.0.0.1:%d", ports[1]),
			bootstrap)
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = logf, logf
		// In the test's process group, so that a Ctrl-C that kills the
		// test binary before its cleanups stops the emulators too.
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, fmt.Errorf("start %s: %w", rie, err)
		}
		logf.Close() // the child holds its own descriptor
		inst := &instance{cmd: cmd, exited: make(chan error, 1), url: "http://" + addr, log: logPath}
		go func() { inst.exited <- cmd.Wait() }()
		if err := waitListening(addr, inst.exited, 10*time.Second); err != nil {
			inst.stop()
			b, _ := os.ReadFile(logPath)
			lastErr = fmt.Errorf("RIE on %s: %v\n%s", addr, err, tail(b, 2000))
			continue
		}
		return inst, nil
	}
	return nil, lastErr
}

// stop ends the emulator and waits for it. SIGTERM first: the emulator
// then kills the runtime (the bootstrap, which it starts in a process
// group of its own); SIGKILL if it has not exited after a while.
func (inst *instance) stop() {
	if inst.exited == nil {
		return
	}
	inst.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-inst.exited:
	case <-time.After(3 * time.Second):
		inst.cmd.Process.Kill()
		<-inst.exited
	}
	inst.exited = nil
}

// waitListening polls addr until it accepts a connection, the process
// exits or the time is up.
func waitListening(addr string, exited chan error, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case err := <-exited:
			exited <- err // for stop
			if err == nil {
				err = errors.New("exited")
			}
			return fmt.Errorf("exited before listening: %w", err)
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %v", limit)
		}
	}
}

// freePorts returns n ports free on 127.0.0.1 right now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}
