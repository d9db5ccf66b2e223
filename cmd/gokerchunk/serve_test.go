package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gokerchunk/fanout"
)

var (
	staticBinOnce sync.Once
	staticBin     string
	staticBinErr  error
)

// staticGokerchunk builds the CLI as deploy/modal ships it (CGO_ENABLED=0),
// once per test run: the servers the HTTP tests start are that binary.
func staticGokerchunk(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and starts servers")
	}
	staticBinOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gokerchunk-serve-test")
		if err != nil {
			staticBinErr = err
			return
		}
		staticBin = filepath.Join(dir, "gokerchunk")
		cmd := exec.Command("go", "build", "-trimpath", "-o", staticBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			staticBinErr = &buildError{err: err, out: string(out)}
		}
	})
	if staticBinErr != nil {
		t.Fatalf("CGO_ENABLED=0 build: %v", staticBinErr)
	}
	return staticBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// server is a `gokerchunk serve` process on a loopback port.
type server struct {
	URL string
	cmd *exec.Cmd
	mu  sync.Mutex
	log []string // its standard error, a line each
	// lines receives each line as it comes.
	lines chan string
	done  chan struct{} // closed when the process has exited
}

// startServer starts `gokerchunk serve args...` (on --listen 127.0.0.1:0
// unless args say otherwise) and waits for the line that gives its
// address.
func startServer(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	bin := staticGokerchunk(t)
	if !slices.Contains(args, "--listen") {
		args = append([]string{"--listen", "127.0.0.1:0"}, args...)
	}
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, lines: make(chan string, 1024), done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.log = append(s.log, line)
			s.mu.Unlock()
			if u, ok := strings.CutPrefix(line, "gokerchunk serve: listening on "); ok {
				addr <- strings.Fields(u)[0]
			}
			select {
			case s.lines <- line:
			default:
			}
		}
		cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // our child, by its PID
		<-s.done
		if t.Failed() {
			t.Logf("server %s:\n%s", s.URL, s.logText())
		}
	})
	select {
	case s.URL = <-addr:
	case <-s.done:
		t.Fatalf("serve exited: %s", s.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("serve gave no address: %s", s.logText())
	}
	return s
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// count is how many log lines hold sub.
func (s *server) count(sub string) int {
	return strings.Count(s.logText(), sub)
}

func startServers(t *testing.T, n int, env []string, args ...string) (servers []*server, endpoints string) {
	var urls []string
	for range n {
		s := startServer(t, env, args...)
		servers = append(servers, s)
		urls = append(urls, s.URL)
	}
	return servers, strings.Join(urls, ",")
}

func writeToken(t *testing.T, tok string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func compareSidecars(t *testing.T, wantDir, gotDir string, n int) {
	t.Helper()
	want, got := sidecarsIn(t, wantDir), sidecarsIn(t, gotDir)
	if len(want) != n || len(got) != n {
		t.Fatalf("%d local and %d HTTP sidecars for %d inputs", len(want), len(got), n)
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("%s: the sidecar made over HTTP differs from the local one", name)
		}
	}
}

// TestScanOverHTTP: scan --executor http over three serve processes (the
// CGO_ENABLED=0 binary) writes the sidecars the local executor writes,
// byte for byte, one request per input spread over every server, and a
// manifest naming the executor and its endpoints.
func TestScanOverHTTP(t *testing.T) {
	tokFile := writeToken(t, "3f1c0ffee")
	servers, endpoints := startServers(t, 3, nil, "--token-file", tokFile)
	inputs := fanoutInputs(t)
	localDir, httpDir := t.TempDir(), t.TempDir()

	start := time.Now()
	code, _, errOut := runCLI(t, append([]string{"scan", "--concurrency", "3", "-o", localDir}, inputs...)...)
	localTime := time.Since(start)
	if code != exitOK {
		t.Fatalf("local scan: exit %d\n%s", code, errOut)
	}
	start = time.Now()
	code, _, errOut = runCLI(t, append([]string{"scan", "--executor", "http", "--endpoint", endpoints, "--token-file", tokFile, "-o", httpDir}, inputs...)...)
	httpTime := time.Since(start)
	if code != exitOK {
		t.Fatalf("http scan: exit %d\n%s", code, errOut)
	}
	t.Logf("%d files: local (3 workers) %v, http (3 servers, 12 at once) %v", len(inputs), localTime.Round(time.Millisecond), httpTime.Round(time.Millisecond))
	if want := "over HTTP (3 endpoints): " + plural(len(inputs), "request") + ", 0 retries, 0 throttled"; !strings.Contains(errOut, want) {
		t.Errorf("summary lacks %q:\n%s", want, errOut)
	}
	if !strings.Contains(errOut, "note: --executor http with local paths") {
		t.Errorf("no note on local paths:\n%s", errOut)
	}
	compareSidecars(t, localDir, httpDir, len(inputs))

	m, err := fanout.ReadManifest(filepath.Join(httpDir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Executor != "http" || len(m.Endpoints) != 3 || m.Succeeded != len(inputs) || m.Failed != 0 || m.Attempts != len(inputs) || m.Totals.Chunks == 0 {
		t.Errorf("manifest: %+v", m)
	}
	total := 0
	for i, s := range servers {
		n := s.count(`"msg":"scan done"`)
		if n == 0 {
			t.Errorf("server %d ran no job", i)
		}
		total += n
	}
	if total != len(inputs) {
		t.Errorf("the servers ran %d jobs for %d inputs", total, len(inputs))
	}
}

// slowInputs serves the inputs over HTTP with a latency per request, as
// remote inputs are read, so that a run lasts long enough for a server to
// be killed in the middle of it.
func slowInputs(t *testing.T, inputs []string, latency time.Duration) []string {
	t.Helper()
	dir := t.TempDir()
	var urls []string
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(in)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(latency)
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	for _, in := range inputs {
		urls = append(urls, srv.URL+"/"+filepath.Base(in))
	}
	slices.Sort(urls)
	return urls
}

// TestScanOverHTTPServerDies: one of three servers is killed (SIGKILL)
// after its first job; the jobs it had and the ones sent to it after are
// retried on the others, the run succeeds with every sidecar as the local
// executor writes it, and the summary and manifest count the retries.
func TestScanOverHTTPServerDies(t *testing.T) {
	servers, endpoints := startServers(t, 3, nil)
	inputs := slowInputs(t, fanoutInputs(t), 20*time.Millisecond)
	localDir, httpDir := t.TempDir(), t.TempDir()
	if code, _, errOut := runCLI(t, append([]string{"scan", "-o", localDir}, inputs...)...); code != exitOK {
		t.Fatalf("local scan: exit %d\n%s", code, errOut)
	}

	victim := servers[0]
	killed := make(chan struct{})
	go func() {
		defer close(killed)
		for line := range victim.lines {
			if strings.Contains(line, `"msg":"scan done"`) {
				victim.cmd.Process.Kill()
				return
			}
		}
	}()
	code, _, errOut := runCLI(t, append([]string{"scan", "--executor", "http", "--endpoint", endpoints, "-o", httpDir}, inputs...)...)
	<-killed
	if code != exitOK {
		t.Fatalf("http scan: exit %d\n%s", code, errOut)
	}
	<-victim.done
	// Jobs finishing together may all log before the kill lands.
	victimDone := victim.count(`"msg":"scan done"`)
	if victimDone < 1 {
		t.Errorf("the killed server finished no job")
	}
	// A server killed while writing a local sidecar leaves its hidden
	// temporary file (on S3 nothing is left): only those may be extra.
	entries, _ := os.ReadDir(httpDir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			if !strings.Contains(e.Name(), ".tmp-") {
				t.Errorf("unexpected file %s", e.Name())
			}
			t.Logf("left by the killed server: %s", e.Name())
			os.Remove(filepath.Join(httpDir, e.Name()))
		}
	}
	compareSidecars(t, localDir, httpDir, len(inputs))
	m, err := fanout.ReadManifest(filepath.Join(httpDir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	retries := m.Attempts - len(inputs)
	if m.Succeeded != len(inputs) || m.Failed != 0 || retries < 1 {
		t.Fatalf("manifest: %d succeeded, %d failed, %d attempts for %d inputs", m.Succeeded, m.Failed, m.Attempts, len(inputs))
	}
	if got := strings.Count(errOut, "retry: "); got != retries {
		t.Errorf("%d retry lines for %d retries in the manifest:\n%s", got, retries, errOut)
	}
	if !strings.Contains(errOut, "retry: ") || !strings.Contains(errOut, "endpoint "+victim.URL+"/jobs") {
		t.Errorf("the retries do not name the dead endpoint:\n%s", errOut)
	}
	if want := "over HTTP (3 endpoints): " + plural(m.Attempts, "request") + ", " + plural(retries, "retry"); !strings.Contains(errOut, want) {
		t.Errorf("summary lacks %q:\n%s", want, errOut)
	}
	ran := 0
	for _, s := range servers[1:] {
		ran += s.count(`"msg":"scan done"`)
	}
	// A job the killed server finished may have lost its answer with it:
	// then it ran again elsewhere.
	if ran < len(inputs)-victimDone || ran > len(inputs) {
		t.Errorf("the living servers finished %d jobs for %d inputs (the killed one %d)", ran, len(inputs), victimDone)
	}
	t.Logf("%d inputs, %d retries after the kill", len(inputs), retries)
}

// TestScanOverHTTPWrongToken: a refused token fails each input once, with
// an error naming the endpoint and the token file, and no retry.
func TestScanOverHTTPWrongToken(t *testing.T) {
	srv := startServer(t, nil, "--token-file", writeToken(t, "right"))
	wrong := writeToken(t, "wrong")
	in := sampleFiles(t)
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "scan", "--executor", "http", "--endpoint", srv.URL, "--token-file", wrong, "-o", dir, in[0], in[1])
	if code != exitFailures {
		t.Fatalf("exit %d, want %d\n%s", code, exitFailures, errOut)
	}
	want := "endpoint " + srv.URL + "/jobs refused the request (401 Unauthorized): check the token in " + wrong
	if strings.Count(errOut, want) != 2 || strings.Contains(errOut, "retry:") || !strings.Contains(errOut, "2 requests, 0 retries") {
		t.Errorf("stderr lacks %q twice, or retried:\n%s", want, errOut)
	}
	m, err := fanout.ReadManifest(filepath.Join(dir, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Failed != 2 || m.Attempts != 2 || m.Failures[0].ErrorType != "Unauthorized" || m.Failures[0].Permanent {
		t.Errorf("manifest %+v", m)
	}
	if n := srv.count("refused a job without the right token"); n != 2 {
		t.Errorf("the server logged %d refusals", n)
	}
	// Without a token at all, the error says to give one.
	code, _, errOut = runCLI(t, "scan", "--executor", "http", "--endpoint", srv.URL, "-o", t.TempDir(), in[0])
	if code != exitFailures || !strings.Contains(errOut, "no token was sent") {
		t.Errorf("no token: exit %d\n%s", code, errOut)
	}
}

// TestServeBadRequests: a body that is not a job is a 400 naming the
// problem; an input that cannot be scanned is a 400 too, which the
// executor reports as permanent without retrying.
func TestServeBadRequests(t *testing.T) {
	srv := startServer(t, nil)
	for body, want := range map[string]string{
		`input=/x.nc`: "bad event",
		`{"input": "/d/x.nc", "output": "/o/x.json", "inline_treshold": 3}`: `unknown field \"inline_treshold\"`,
		`{"job": "combine", "input": "/d/x.nc", "output": "/o"}`:            `unknown job \"combine\"`,
		`{"input": "/d/x.nc"}`: "names no output",
	} {
		resp, err := http.Post(srv.URL+fanout.JobsPath, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ ErrorType, ErrorMessage string }
		json.Unmarshal(b, &e)
		if resp.StatusCode != http.StatusBadRequest || e.ErrorType != "InputError" || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %s, want 400 with %s", body, resp.StatusCode, b, want)
		}
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.nc")
	os.WriteFile(bad, bytes.Repeat([]byte("not hdf5 "), 100), 0o644)
	good := sampleFiles(t)[0]
	out := filepath.Join(dir, "out")
	code, _, errOut := runCLI(t, "scan", "--executor", "http", "--endpoint", srv.URL, "-o", out, bad, good)
	if code != exitFailures || !strings.Contains(errOut, "error: ") || !strings.Contains(errOut, "400 Bad Request") || !strings.Contains(errOut, bad) || strings.Contains(errOut, "retry:") {
		t.Errorf("exit %d\n%s", code, errOut)
	}
	m, err := fanout.ReadManifest(filepath.Join(out, fanout.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if m.Succeeded != 1 || m.Failed != 1 || !m.Failures[0].Permanent || m.Failures[0].ErrorType != "InputError" || m.Failures[0].Attempts != 1 {
		t.Errorf("manifest %+v", m)
	}
}

// TestServeShutsDownOnSIGTERM: SIGTERM stops the server cleanly (exit 0)
// after saying so.
func TestServeShutsDownOnSIGTERM(t *testing.T) {
	srv := startServer(t, nil)
	resp, err := http.Get(srv.URL + fanout.HealthPath)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	srv.cmd.Process.Signal(syscall.SIGTERM)
	<-srv.done
	if code := srv.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(srv.logText(), "shutting down") {
		t.Errorf("exit %d\n%s", code, srv.logText())
	}
	if strings.Contains(srv.logText(), "warning:") {
		t.Errorf("a warning on a loopback address:\n%s", srv.logText())
	}
}

// TestServeWarnsWithoutToken: no token on every interface is worth a
// warning; with a token there is none.
func TestServeWarnsWithoutToken(t *testing.T) {
	open := startServer(t, nil, "--listen", "0.0.0.0:0")
	if !strings.Contains(open.logText(), "warning: serving on ") || !strings.Contains(open.logText(), "without --token-file") {
		t.Errorf("no warning:\n%s", open.logText())
	}
	closed := startServer(t, nil, "--listen", "0.0.0.0:0", "--token-file", writeToken(t, "x"))
	if strings.Contains(closed.logText(), "warning:") {
		t.Errorf("a warning with a token:\n%s", closed.logText())
	}
}

// TestConvertOverHTTP: convert csv2parquet --executor http writes the
// dataset the local executor writes.
func TestConvertOverHTTP(t *testing.T) {
	_, endpoints := startServers(t, 2, nil)
	dir := t.TempDir()
	var inputs []string
	for i, rows := range []string{"a,1\nb,2\na,3\n", "b,4\nc,5\n"} {
		p := filepath.Join(dir, "part"+string(rune('0'+i))+".csv")
		os.WriteFile(p, []byte("k,v\n"+rows), 0o644)
		inputs = append(inputs, p)
	}
	localOut, httpOut := filepath.Join(dir, "local"), filepath.Join(dir, "http")
	args := []string{"convert", "csv2parquet", "--header", "--partition-by", "k"}
	if code, _, errOut := runCLI(t, append(append(args, "-o", localOut), inputs...)...); code != exitOK {
		t.Fatalf("local: exit %d\n%s", code, errOut)
	}
	code, _, errOut := runCLI(t, append(append(args, "-o", httpOut, "--executor", "http", "--endpoint", endpoints), inputs...)...)
	if code != exitOK || !strings.Contains(errOut, "over HTTP (2 endpoints): 2 requests, 0 retries") {
		t.Fatalf("http: exit %d\n%s", code, errOut)
	}
	var localFiles, httpFiles []string
	filepath.WalkDir(localOut, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			localFiles = append(localFiles, strings.TrimPrefix(p, localOut))
		}
		return nil
	})
	filepath.WalkDir(httpOut, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			httpFiles = append(httpFiles, strings.TrimPrefix(p, httpOut))
		}
		return nil
	})
	if len(localFiles) != 4 || !slices.Equal(localFiles, httpFiles) {
		t.Fatalf("files: local %v, http %v", localFiles, httpFiles)
	}
	for _, f := range localFiles {
		a, _ := os.ReadFile(filepath.Join(localOut, f))
		b, _ := os.ReadFile(filepath.Join(httpOut, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs", f)
		}
	}
	if code, _, errOut := runCLI(t, append(append(args, "-o", httpOut, "--executor", "http", "--endpoint", endpoints, "--row-group-rows", "5"), inputs...)...); code != exitUsage {
		t.Errorf("--row-group-rows over HTTP: exit %d\n%s", code, errOut)
	}
}

func TestServeAndHTTPUsage(t *testing.T) {
	in := sampleFiles(t)
	tok := writeToken(t, "x")
	empty := filepath.Join(t.TempDir(), "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	for name, args := range map[string][]string{
		"serve without listen":     {"serve"},
		"serve with an argument":   {"serve", "--listen", "127.0.0.1:0", "x"},
		"serve with a missing tok": {"serve", "--listen", "127.0.0.1:0", "--token-file", "/no/such/token"},
		"serve with an empty tok":  {"serve", "--listen", "127.0.0.1:0", "--token-file", empty},
		"http without endpoint":    {"scan", "--executor", "http", "-o", t.TempDir(), in[0]},
		"http to stdout":           {"scan", "--executor", "http", "--endpoint", "http://127.0.0.1:1", in[0]},
		"endpoint without http":    {"scan", "--endpoint", "http://127.0.0.1:1", "-o", t.TempDir(), in[0], in[1]},
		"token-file without http":  {"scan", "--token-file", tok, "-o", t.TempDir(), in[0], in[1]},
		"bad endpoint":             {"scan", "--executor", "http", "--endpoint", "127.0.0.1:8080", "-o", t.TempDir(), in[0]},
		"function with http":       {"scan", "--executor", "http", "--endpoint", "http://127.0.0.1:1", "--function", "f", "-o", t.TempDir(), in[0]},
	} {
		if code, _, errOut := runCLI(t, args...); code != exitUsage {
			t.Errorf("%s: exit %d, want %d (%s)", name, code, exitUsage, errOut)
		}
	}
	t.Setenv("MODAL_KEY", "wk-1")
	if code, _, errOut := runCLI(t, "scan", "--executor", "http", "--endpoint", "http://127.0.0.1:1", "-o", t.TempDir(), in[0]); code != exitUsage || !strings.Contains(errOut, "MODAL_SECRET") {
		t.Errorf("MODAL_KEY without MODAL_SECRET: exit %d (%s)", code, errOut)
	}
}

// TestModalApp: deploy/modal/app.py is Python, and the serve flags it
// passes are serve's.
func TestModalApp(t *testing.T) {
	app := filepath.Join("..", "..", "deploy", "modal", "app.py")
	src, err := os.ReadFile(app)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("python3", "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", app).CombinedOutput(); err != nil {
		t.Fatalf("python3 cannot parse %s: %v\n%s", app, err, out)
	}
	dockerfile, err := os.ReadFile(filepath.Join("..", "..", "deploy", "cloudrun", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var known []string
	for _, f := range serveCommand().Flags {
		known = append(known, f.Names()...)
	}
	for name, text := range map[string]string{"app.py": string(src), "Dockerfile": string(dockerfile)} {
		if !strings.Contains(text, `"serve"`) {
			t.Errorf("%s does not run serve", name)
		}
		flags := regexp.MustCompile(`"--([a-z][a-z-]*)"`).FindAllStringSubmatch(text, -1)
		if len(flags) == 0 {
			t.Errorf("%s passes no flags to serve", name)
		}
		for _, f := range flags {
			if !slices.Contains(known, f[1]) {
				t.Errorf("%s passes --%s, which serve does not have (it has %v)", name, f[1], known)
			}
		}
	}
}
