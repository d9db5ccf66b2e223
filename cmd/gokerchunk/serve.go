package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"gokerchunk/fanout"
)

// serveGrace is how long a server stopped by SIGINT or SIGTERM gives the
// jobs in flight to finish before it cuts them (their clients retry them
// elsewhere).
const serveGrace = 30 * time.Second

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the jobs --executor http sends, over HTTP (the Lambda function's jobs, anywhere)",
		Description: `serve runs the jobs the Lambda function runs (scan, csv2parquet), one per
HTTP request, for "scan --executor http" and "convert csv2parquet
--executor http" elsewhere: on Modal, Cloud Run, or machines of your own.

    echo "$(openssl rand -hex 32)" > token
    gokerchunk serve --listen 0.0.0.0:8080 --token-file token

and, on the machine that drives the run:

    gokerchunk scan --executor http --endpoint http://host-a:8080,http://host-b:8080 \
        --token-file token -o s3://bucket/refs/ s3://bucket/data/

The API:
  POST /jobs     the body is the event a direct Lambda invocation takes
                 ({"job": "scan", "input": ..., "output": ..., options}; at
                 most 262144 bytes); the job runs while the request waits.
                 200: the job's response JSON, as the Lambda function's.
                 400: the input or the request is wrong (an InputError:
                      another attempt fails the same way), 413: the body is
                      over the bound, 401: the bearer token is missing or
                      wrong, 405: not a POST; the body is then
                      {"errorType": ..., "errorMessage": ...}.
                 500: the job failed in a way another attempt may not
                      repeat (a read or write that failed on the way, a
                      crash); --executor http retries it on another server.
  GET /healthz   200 {"status": "ok", "jobs": [...]}, without a token.

--token-file F: every POST must carry "Authorization: Bearer TOKEN" with
the token F holds (its content without the white space around it),
compared in constant time. Without it anyone who reaches the port runs
jobs with this process's credentials: a warning says so unless --listen is
a loopback address.

The server reads inputs and writes outputs itself, with its own AWS
credentials (the usual AWS_* variables). It logs a JSON line per job on
standard error. SIGINT or SIGTERM stops it: it accepts nothing more and
gives the jobs in flight 30 s to finish.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "the address to listen on, HOST:PORT (0.0.0.0:8080 for every interface; port 0 picks a free one)"},
			&cli.StringFlag{Name: "token-file", Usage: "a file holding the bearer token every job request must carry"},
		},
		Action: runServe,
	}
}

func runServe(c *cli.Context) error {
	addr := c.String("listen")
	if addr == "" {
		return usagef("serve needs --listen HOST:PORT (see gokerchunk serve --help)")
	}
	if c.NArg() > 0 {
		return usagef("serve takes no arguments, only --listen and --token-file")
	}
	stderr := c.App.ErrWriter
	srv := &fanout.HTTPServer{Handler: fanout.NewLambdaHandler(stderr, os.Getenv)}
	if f := c.String("token-file"); f != "" {
		tok, err := readTokenFile(f)
		if err != nil {
			return usageError{err}
		}
		srv.Token = tok
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if srv.Token == "" && !isLoopback(ln.Addr()) {
		fmt.Fprintf(stderr, "warning: serving on %s without --token-file: anyone who reaches it runs jobs with this process's credentials\n", ln.Addr())
	}
	// Tests and scripts read the address (with the port 0 picked) here.
	fmt.Fprintf(stderr, "gokerchunk serve: listening on http://%s (POST %s, GET %s)\n", ln.Addr(), fanout.JobsPath, fanout.HealthPath)
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fanout.Serve(ctx, ln, srv, serveGrace, srv.Handler.Log)
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
