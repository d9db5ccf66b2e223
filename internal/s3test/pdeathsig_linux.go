package s3test

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal kills the server with the test binary, should the
// test process die before its cleanup runs.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
