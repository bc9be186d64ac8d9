package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

// runChildEnv makes the test binary run `heroku-deploy` with its own
// arguments (after --) instead of the tests: TestRunMemoryBounded measures
// that process's peak RSS, and nothing else's.
const runChildEnv = "CLI_TEST_RUN_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(runChildEnv) != "" {
		for i, a := range os.Args {
			if a == "--" {
				os.Exit(Main("test", os.Args[i+1:]))
			}
		}
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// simRun starts a simulator for run and returns the environment that
// points heroku-deploy at it.
func simRun(t *testing.T, opts herokusim.Options) map[string]string {
	t.Helper()
	opts.Apps = []string{"my-app"}
	sim, err := herokusim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ca, err := sim.RendezvousCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"HEROKU_API_URL": sim.URL, "HEROKU_API_KEY": herokusim.DefaultKey,
		"HEROKU_DEPLOY_RENDEZVOUS_CA": caFile, "HEROKU_DEPLOY_RETRY_WAIT": "5ms",
	}
}

// stamped records when each write arrived.
type stamped struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes []stampedWrite
}

type stampedWrite struct {
	at  time.Time
	end int // len(buf) after it
}

func (s *stamped) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf.Write(p)
	s.writes = append(s.writes, stampedWrite{time.Now(), s.buf.Len()})
	return len(p), nil
}

// when returns when the output first held sub, after the first line (the
// "==> Running" line quotes the command).
func (s *stamped) when(t *testing.T, sub string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	from := strings.IndexByte(s.buf.String(), '\n') + 1
	i := strings.Index(s.buf.String()[from:], sub)
	if i += from; i < from {
		t.Fatalf("output %q lacks %q", s.buf.String(), sub)
	}
	for _, w := range s.writes {
		if w.end >= i+len(sub) {
			return w.at
		}
	}
	panic("unreachable")
}

func runIn(vars map[string]string, stdout io.Writer, args ...string) (int, *bytes.Buffer) {
	var stderr bytes.Buffer
	env := environment{
		Getenv: func(k string) string { return vars[k] },
		Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Stdout: stdout, Stderr: &stderr,
	}
	return run(context.Background(), "test", args, env), &stderr
}

// TestRunPartialOutputIsLive: a partial line (a progress bar) reaches the
// job log while the command still runs, within 100 ms, not when its line
// or the command ends. The dyno prints "downloading 10%", sleeps 2 s,
// then prints the rest: the first part must arrive at least 1.9 s before
// the rest.
func TestRunPartialOutputIsLive(t *testing.T) {
	vars := simRun(t, herokusim.Options{})
	var out stamped
	code, stderr := runIn(vars, &out, "run", "--app", "my-app", "--", `printf 'downloading 10%%'; sleep 2; printf '\r100%%\n'`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	first, rest := out.when(t, "downloading 10%"), out.when(t, "\r100%")
	if gap := rest.Sub(first); gap < 1900*time.Millisecond {
		t.Errorf("the partial line came %v before the rest, want ≥ 1.9 s (2 s of sleep, less 100 ms): it was held back", gap)
	}
}

// TestRunReturnsSoonAfterStatus: once the status arrived, run returns
// within two seconds, even if the attach session stays open (it used to
// wait for it to close, up to --timeout).
func TestRunReturnsSoonAfterStatus(t *testing.T) {
	vars := simRun(t, herokusim.Options{Rendezvous: "linger"})
	var out stamped
	start := time.Now()
	code, stderr := runIn(vars, &out, "run", "--app", "my-app", "--timeout", "60s", "--", "echo done; exit 7")
	end := time.Now()
	if code != 7 {
		t.Fatalf("exit %d, want 7: %s", code, stderr)
	}
	if d := end.Sub(out.when(t, "done\n")); d > 2*time.Second {
		t.Errorf("run returned %v after the command's last output (%v in all), want within 2 s", d, end.Sub(start))
	}
}

// TestRunMemoryBounded streams 200 MB without a line break (zeros turned
// into CRs: a progress bar that never ends its line) through `run` in a
// child process, and requires its peak RSS under 64 MB: the output is not
// held whole (it was: 200 MB -> 594 MB). The output must also arrive
// whole, and the status after it.
func TestRunMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("a peak-memory measurement: skipped under -short (the race detector multiplies memory)")
	}
	const size, maxRSS = 200_000_000, 64 << 20
	vars := simRun(t, herokusim.Options{})
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "run", "--app", "my-app", "--",
		fmt.Sprintf(`head -c %d /dev/zero | tr '\0' '\r'; exit 3`, size))
	cmd.Env = append(os.Environ(), runChildEnv+"=1")
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var crs int
	var tail []byte
	br := bufio.NewReaderSize(pipe, 64<<10)
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		for _, b := range buf[:n] {
			if b == '\r' {
				crs++
			}
		}
		tail = append(tail, buf[:n]...)
		tail = tail[max(0, len(tail)-200):]
		if err != nil {
			break
		}
	}
	err = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("exit %d (%v), want the command's 3; stderr:\n%s", code, err, stderr.String())
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10 // KiB on Linux
	t.Logf("%d CRs through run in %v; peak RSS %.1f MiB (limit %d MiB)", crs, time.Since(start).Round(time.Millisecond), float64(rss)/(1<<20), maxRSS>>20)
	if crs != size {
		t.Errorf("%d CRs out, want %d (tail %q)", crs, size, tail)
	}
	if rss >= maxRSS {
		t.Errorf("peak RSS %d MiB, want under %d MiB", rss>>20, maxRSS>>20)
	}
}
