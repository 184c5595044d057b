package loadtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// processCPU returns the CPU time (user + system) process pid has used,
// from /proc/PID/stat.
func processCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(raw)
	// The command name may hold spaces; fields resume after its ')'.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuSample is the CPU time used so far by the server and by this tool.
type cpuSample struct {
	server, tool, machine time.Duration
	ok                    bool // the server's figure is known
	machineOK             bool
}

// sampleCPU reads both; serverPID 0 (an external server) or this
// process's own id (in-process) leave the server's figure unknown.
func sampleCPU(serverPID int) cpuSample {
	s := cpuSample{tool: selfCPU()}
	if m, _, err := machineCPU(); err == nil {
		s.machine, s.machineOK = m, true
	}
	if serverPID != 0 && serverPID != os.Getpid() {
		if c, err := processCPU(serverPID); err == nil {
			s.server, s.ok = c, true
		}
	}
	return s
}

// machineCPU returns the CPU time all processors have spent busy (not idle
// or waiting for I/O) and their number, from /proc/stat.
func machineCPU() (busy time.Duration, cpus int, err error) {
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, err
	}
	var ticks int64
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if f[0] != "cpu" {
			cpus++
			continue
		}
		for i, v := range f[1:] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("unexpected /proc/stat")
			}
			if i != 3 && i != 4 && i < 8 { // idle and iowait; guest time is already in user
				ticks += n
			}
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, cpus, nil
}
