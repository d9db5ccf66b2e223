// Command rusage runs a command and reports, from outside it, its wall
// time, its peak resident memory (the child's ru_maxrss as wait4 returns
// it: the largest resident set of the child, or of any descendant it
// waited for) and its CPU time (user + system), so no /usr/bin/time is
// needed.
//
//	rusage [-o FILE] command [args...]
//
// writes "WALL_SECONDS MAXRSS_KB CPU_SECONDS" (e.g. "6.82 496412 9.10") to
// FILE, or to stderr without -o; the command's output passes through and
// its exit status is rusage's.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

func main() {
	out := flag.String("o", "", "file for \"WALL_SECONDS MAXRSS_KB CPU_SECONDS\" (default stderr)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: rusage [-o FILE] command [args...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	cmd := exec.Command(flag.Arg(0), flag.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		log.Fatalf("rusage: %v", err) // did not start
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		log.Fatal("rusage: no rusage on this system")
	}
	kb := int64(ru.Maxrss) // kilobytes on Linux
	if runtime.GOOS == "darwin" {
		kb /= 1024 // bytes there
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	line := fmt.Sprintf("%.2f %d %.2f\n", wall.Seconds(), kb, cpu.Seconds())
	if *out == "" {
		fmt.Fprint(os.Stderr, line)
	} else if err := os.WriteFile(*out, []byte(line), 0o644); err != nil {
		log.Fatalf("rusage: %v", err)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}
