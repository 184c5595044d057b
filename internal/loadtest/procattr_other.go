//go:build !linux

package loadtest

import "syscall"

// serverProcAttr puts the server in its own process group, so a Ctrl-C
// meant for the tool does not reach it first.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
