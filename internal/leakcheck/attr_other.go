//go:build !linux

package leakcheck

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
