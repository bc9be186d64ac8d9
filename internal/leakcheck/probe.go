package leakcheck

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

// ProbeT is a testscript.T that records instead of failing, for tests
// that run scripts expected to fail (the leak check's probes): each
// script's errors are kept under its name. Run runs a script to its end,
// cleanups included, before it returns.
type ProbeT struct {
	name     string
	shared   *probeLog
	mu       sync.Mutex
	cleanups []func()
}

type probeLog struct {
	mu     sync.Mutex
	errors map[string][]string
	logs   map[string][]string
}

// NewProbeT returns a ProbeT for testscript.RunT.
func NewProbeT() *ProbeT {
	return &ProbeT{shared: &probeLog{errors: map[string][]string{}, logs: map[string][]string{}}}
}

// Errors returns what the script name (the file's name without .txtar)
// reported through Error, Errorf, Fatal and Fatalf.
func (t *ProbeT) Errors(name string) []string {
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	return append([]string(nil), t.shared.errors[name]...)
}

// Logs returns what the script name logged (testscript's log of the run).
func (t *ProbeT) Logs(name string) []string {
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	return append([]string(nil), t.shared.logs[name]...)
}

func (t *ProbeT) record(to map[string][]string, s string) {
	t.shared.mu.Lock()
	defer t.shared.mu.Unlock()
	to[t.name] = append(to[t.name], s)
}

func (t *ProbeT) Errorf(format string, args ...any) {
	t.record(t.shared.errors, fmt.Sprintf(format, args...))
}
func (t *ProbeT) Error(args ...any) { t.record(t.shared.errors, fmt.Sprint(args...)) }
func (t *ProbeT) Fatal(args ...any) { t.Error(args...); t.FailNow() }
func (t *ProbeT) Fatalf(format string, args ...any) {
	t.Errorf(format, args...)
	t.FailNow()
}
func (t *ProbeT) FailNow()        { runtime.Goexit() }
func (t *ProbeT) Skip(...any)     { runtime.Goexit() }
func (t *ProbeT) Log(args ...any) { t.record(t.shared.logs, fmt.Sprint(args...)) }
func (t *ProbeT) Logf(format string, args ...any) {
	t.record(t.shared.logs, fmt.Sprintf(format, args...))
}
func (t *ProbeT) Parallel()     {}
func (t *ProbeT) Helper()       {}
func (t *ProbeT) Verbose() bool { return false }
func (t *ProbeT) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// Run runs f as the subtest name, to its end, then its cleanups (last
// first), as testing does.
func (t *ProbeT) Run(name string, f func(testscript.T)) {
	sub := &ProbeT{name: name, shared: t.shared}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(sub.cleanups) - 1; i >= 0; i-- {
				sub.cleanups[i]()
			}
		}()
		f(sub)
	}()
	<-done
}
