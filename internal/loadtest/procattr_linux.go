package loadtest

import "syscall"

// serverProcAttr puts the server in its own process group (a Ctrl-C meant
// for the tool does not reach it first) and has the kernel stop it if the
// tool dies without stopping it.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
