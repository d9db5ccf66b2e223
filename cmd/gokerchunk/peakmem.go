package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// peakMemory describes the process's peak resident memory (VmHWM, Linux)
// for summaries, or "" where the system does not tell.
func peakMemory() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
				return fmt.Sprintf("peak memory %d MB", (kb+512)/1024)
			}
		}
	}
	return ""
}
