package leakcheck

import "syscall"

// childAttr kills the child if the wrapper is killed (testscript's last
// resort), so that no run outlives its script.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
