package rescue

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestGuard: a goroutine's panic reaches the handler, which decides the
// exit code; without Guard, Go's runtime exits 2. Run in a child process,
// since both end it.
func TestGuard(t *testing.T) {
	if mode := os.Getenv("RESCUE_CHILD"); mode != "" {
		OnPanic(func(r any) { os.Stdout.WriteString("handled: " + r.(string) + "\n"); os.Exit(4) })
		done := make(chan struct{})
		go func() {
			if mode == "guarded" {
				defer Guard()
			}
			defer close(done)
			panic("boom")
		}()
		<-done
		select {} // the panic ends the process first
	}
	for _, tt := range []struct {
		mode string
		code int
		out  string
	}{
		{"guarded", 4, "handled: boom"},
		{"bare", 2, "panic: boom"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestGuard$")
		cmd.Env = append(os.Environ(), "RESCUE_CHILD="+tt.mode)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != tt.code || !strings.Contains(string(out), tt.out) {
			t.Errorf("%s: exit %d, want %d; output %q lacks %q", tt.mode, cmd.ProcessState.ExitCode(), tt.code, out, tt.out)
		}
	}
}
