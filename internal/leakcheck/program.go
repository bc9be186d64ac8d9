package leakcheck

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
)

// DirEnv names the directory, outside $WORK (which testscript removes
// before a test's cleanup runs), where Program tees each run.
const DirEnv = "LEAKCHECK_DIR"

// childEnv marks the process that runs the program itself.
const childEnv = "LEAKCHECK_CHILD"

// Program wraps a program's main for testscript.Main. Run in a script set
// up by Setup, it runs main in a child process (the same binary) and tees
// the child's stdout and stderr to a directory of its own, unchanged on
// their way to the script; it passes signals on and exits as the child did.
// A child process rather than redirected file descriptors, so that nothing
// is lost: not output written just before an os.Exit, not a crash's trace.
// Outside such a script it runs main directly.
func Program(main func() int) func() {
	return func() {
		dir := os.Getenv(DirEnv)
		if os.Getenv(childEnv) != "" || dir == "" {
			os.Unsetenv(childEnv)
			os.Exit(main())
		}
		code, err := tee(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "leakcheck: this run cannot be checked: %v\n", err)
			os.Exit(125)
		}
		os.Exit(code)
	}
}

// run is what a run records besides its output, every string hex-encoded:
// no form the check looks for, so the record never trips it.
type run struct {
	Args []string          `json:"args"`
	Env  map[string]string `json:"env"` // the secret variables (SecretEnv)
}

// tee runs the program as a child, teed into a new run directory under dir.
func tee(dir string) (int, error) {
	runDir, err := newRunDir(dir)
	if err != nil {
		return 0, err
	}
	rec := run{Env: map[string]string{}}
	for _, a := range os.Args {
		rec.Args = append(rec.Args, hex.EncodeToString([]byte(a)))
	}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if SecretEnv(k, v) {
			rec.Env[k] = hex.EncodeToString([]byte(v))
		}
	}
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(filepath.Join(runDir, "run.json"), b, 0o600); err != nil {
		return 0, err
	}
	stdout, err := os.Create(filepath.Join(runDir, "stdout"))
	if err != nil {
		return 0, err
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(runDir, "stderr"))
	if err != nil {
		return 0, err
	}
	defer stderr.Close()
	exe, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Args[0] = os.Args[0] // testscript.Main picks the program by it
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = os.Stdin
	// The file first: it has every byte even if the script stops reading.
	cmd.Stdout = io.MultiWriter(stdout, os.Stdout)
	cmd.Stderr = io.MultiWriter(stderr, os.Stderr)
	cmd.SysProcAttr = childAttr()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() {
		for sig := range sigs {
			cmd.Process.Signal(sig)
		}
	}()
	err = cmd.Wait()
	signal.Stop(sigs)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			// Die of the same signal, as the script would have seen.
			signal.Reset(ws.Signal())
			syscall.Kill(os.Getpid(), ws.Signal())
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 0, err
}

// newRunDir makes dir/N for the next free N: runs in the background of one
// script start side by side.
func newRunDir(dir string) (string, error) {
	for n := 1; ; n++ {
		p := filepath.Join(dir, strconv.Itoa(n))
		err := os.Mkdir(p, 0o700)
		if err == nil {
			return p, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
}

var (
	secretName  = regexp.MustCompile(`(?i)(KEY|TOKEN|SECRET|PASS|PASSWD|PASSWORD|DSN|CREDENTIALS?|DATABASE_URL)$`)
	secretValue = regexp.MustCompile(`SECRET|^(sk|rk|pk)_(live|test)_|^gl(pat|cbt|dt|ptt|rt|soat)-|^HRKU-|^gh[pousr]_|^xox[abprs]-|^AKIA|PRIVATE KEY|://[^/@\s]*:[^/@\s]+@`)
)

// SecretEnv reports whether an environment variable holds a secret: its
// name says so (…_KEY, …_TOKEN, …_PASS, …_DSN, …DATABASE_URL), or its value
// does: the scripts' convention (every fixture secret contains SECRET:
// sk-live-0123-SECRET-cfg), a well-known token format (sk_live_, glpat-,
// HRKU-, ghp_, xoxb-, AKIA, a private key) or a URL with a password.
func SecretEnv(name, value string) bool {
	if name == DirEnv || name == childEnv {
		return false
	}
	return secretName.MatchString(name) || secretValue.MatchString(value)
}
