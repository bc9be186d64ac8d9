package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/cli"
	"gitlab.com/heroku-deploy/heroku/internal/gitlabfake"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim/simscript"
	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		// Every run is leak-checked when its script ends (leakcheck.Setup,
		// through simscript.Setup): its stdout and stderr are teed aside.
		// The name picks the program: dpl and gem are the image's drop-ins.
		"heroku-deploy": leakcheck.Program(func() int { return cli.MainAs(os.Args[0], "test", os.Args[1:]) }),
		"dpl":           leakcheck.Program(func() int { return cli.MainAs(os.Args[0], "test", os.Args[1:]) }),
		"gem":           leakcheck.Program(func() int { return cli.MainAs(os.Args[0], "test", os.Args[1:]) }),
	})
}

// TestScripts runs testdata/script/*.txtar against the simulator; its
// commands (herokusim, herokusim-requests, leakcheck…) are documented in
// internal/herokusim/simscript.
func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, params("../../testdata/script"))
}

// params are the golden scripts' in dir.
func params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// Heroku's pace, compressed: the flow is the same, only faster.
			env.Setenv("HEROKU_DEPLOY_POLL_INTERVAL", "20ms")
			env.Setenv("HEROKU_DEPLOY_RETRY_WAIT", "5ms")
			env.Setenv("HEROKU_DEPLOY_STREAM_WAIT", "3s")
			env.Setenv("HEROKU_DEPLOY_LOOKUP_WINDOW", "200ms")
			env.Values[signalledKey{}] = new([]*exec.Cmd)
			gitlabfake.Setup(env.Values)
			if err := simscript.Setup(env); err != nil {
				return err
			}
			return os.CopyFS(filepath.Join(env.WorkDir, "apps"), os.DirFS("../../testdata/apps"))
		},
		Cmds:      commands(),
		Condition: condition,
	}
}

// condition adds [need:TOOL] for a line or a script that runs a program
// other than heroku-deploy (git): true when it is installed; when it is
// not, false (the run's one line says what was skipped), or an error that
// fails the script under CI=true, as testenv.Need.
func condition(cond string) (bool, error) {
	tool, ok := strings.CutPrefix(cond, "need:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	if err := testenv.Have(tool); err != nil {
		if os.Getenv("CI") == "true" {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// commands are the simulator's (internal/herokusim/simscript), the
// GitLab fake's (internal/gitlabfake) and these, for exit codes, which
// consumers rely on in allow_failure:
//
//	exec-code CODE PROG [ARGS...]  run PROG like exec; fail unless it exits CODE
//	signal INT|TERM                signal every background command, as GitLab Runner does
//	exit-code CODE                 after wait: fail unless the signalled commands exited CODE
//
// and these, so that a script runs no program but heroku-deploy (a machine
// with only Go runs them all; one that needs a tool says [need:TOOL]):
//
//	sleep DURATION                 wait (a Go duration, or seconds: 0.3)
//	mkfifo FILE                    make a named pipe
//	ls DIR                         print DIR's entries, one a line
//	env-file NAME FILE             set NAME to FILE's content, final line breaks dropped, as "$(cat FILE)"
//	env-unquote NAME "GO STRING"   set NAME to a Go string literal's value ("a\x01b")
func commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	cmds := simscript.Commands()
	for name, cmd := range gitlabfake.Commands() {
		cmds[name] = cmd
	}
	cmds["exec-code"] = cmdExecCode
	cmds["signal"] = cmdSignal
	cmds["exit-code"] = cmdExitCode
	cmds["sleep"] = cmdSleep
	cmds["mkfifo"] = cmdMkfifo
	cmds["ls"] = cmdLs
	cmds["env-file"] = cmdEnvFile
	cmds["env-unquote"] = cmdEnvUnquote
	return cmds
}

func cmdSleep(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sleep DURATION")
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		secs, ferr := strconv.ParseFloat(args[0], 64)
		if ferr != nil {
			ts.Fatalf("sleep: %q is not a duration", args[0])
		}
		d = time.Duration(secs * float64(time.Second))
	}
	time.Sleep(d)
}

func cmdMkfifo(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: mkfifo FILE")
	}
	ts.Check(syscall.Mkfifo(ts.MkAbs(args[0]), 0o644))
}

func cmdLs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ls DIR")
	}
	entries, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	out := ts.Stdout() // even for no entry: stdout is then empty, not the last command's
	for _, e := range entries {
		fmt.Fprintln(out, e.Name())
	}
}

func cmdEnvFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: env-file NAME FILE")
	}
	b, err := os.ReadFile(ts.MkAbs(args[1]))
	ts.Check(err)
	ts.Setenv(args[0], strings.TrimRight(string(b), "\n"))
}

func cmdEnvUnquote(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf(`usage: env-unquote NAME "GO STRING"`)
	}
	v, err := strconv.Unquote(args[1])
	if err != nil {
		ts.Fatalf("env-unquote: %s is not a Go string literal: %v", args[1], err)
	}
	ts.Setenv(args[0], v)
}

func cmdExecCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exec-code CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exec-code: %q is not an exit code", args[0])
	}
	if got := exitCode(ts, ts.Exec(args[1], args[2:]...)); got != want {
		ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
	}
}

func exitCode(ts *testscript.TestScript, err error) int {
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		ts.Fatalf("%v", err)
	}
	return 0
}

type signalledKey struct{}

func cmdSignal(ts *testscript.TestScript, neg bool, args []string) {
	sig := map[string]os.Signal{"INT": os.Interrupt, "TERM": syscall.SIGTERM}[strings.Join(args, " ")]
	if neg || sig == nil {
		ts.Fatalf("usage: signal INT|TERM")
	}
	cmds := ts.BackgroundCmds()
	if len(cmds) == 0 {
		ts.Fatalf("signal: no background command")
	}
	for _, c := range cmds {
		if err := c.Process.Signal(sig); err != nil {
			ts.Fatalf("signal: %v", err)
		}
	}
	*ts.Value(signalledKey{}).(*[]*exec.Cmd) = cmds
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	want, err := strconv.Atoi(strings.Join(args, " "))
	cmds := *ts.Value(signalledKey{}).(*[]*exec.Cmd)
	if neg || err != nil || len(cmds) == 0 {
		ts.Fatalf("usage: exit-code CODE, after signal and wait")
	}
	for _, c := range cmds {
		if c.ProcessState == nil {
			ts.Fatalf("exit-code: wait for the command first")
		}
		if got := c.ProcessState.ExitCode(); got != want {
			ts.Fatalf("%s exited with %d, want %d", filepath.Base(c.Path), got, want)
		}
	}
}

// TestEveryExitCodeIsAsserted: consumers put exit codes in
// allow_failure:exit_codes, so each code the CLI reference (docs/cli.md's
// "## Exit codes", the one table) documents is asserted
// by a golden script (exec-code, or exit-code after a signal; a plain exec
// asserts 0): the general table's by any script but not by a run whose
// code is its command's own status, run's by a run_ script, which also
// shows the command's own statuses passing through.
func TestEveryExitCodeIsAsserted(t *testing.T) {
	doc := testenv.ReadFile(t, "docs/cli.md")
	general, _, _ := strings.Cut(testenv.Section(t, doc, "## Exit codes"), "\n### ")
	run := testenv.Section(t, doc, "### `run` exit codes")
	for _, table := range []struct{ text, scripts string }{{general, "*"}, {run, "run_*"}} {
		codes := regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(table.text, -1)
		if len(codes) == 0 {
			t.Fatal("docs/cli.md: an exit-code table is empty")
		}
		scripts := readScripts(t, table.scripts)
		if table.scripts == "*" {
			// heroku-deploy run passes its command's status through: a 3 there
			// is the command's, not Heroku refusing the key.
			scripts = regexp.MustCompile(`(?m)^exec-code \d+ heroku-deploy run .*$`).ReplaceAll(scripts, nil)
		}
		for _, c := range codes {
			re := `(?m)^(exec-code|exit-code) ` + c[1] + `\b`
			if c[1] == "0" {
				re = `(?m)^exec heroku-deploy `
			}
			if !regexp.MustCompile(re).Match(scripts) {
				t.Errorf("no golden script %s.txtar asserts exit code %s", table.scripts, c[1])
			}
		}
	}
	if !regexp.MustCompile(`(?m)^exec-code (3|137) heroku-deploy run `).Match(readScripts(t, "run_*")) {
		t.Error("no run_ script shows a command's own status passing through")
	}
}

// readScripts returns the golden scripts whose names match pattern, joined.
func readScripts(t *testing.T, pattern string) []byte {
	t.Helper()
	files, _ := filepath.Glob("../../testdata/script/" + pattern + ".txtar")
	if len(files) == 0 {
		t.Fatalf("no scripts %s.txtar", pattern)
	}
	var scripts []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		scripts = append(scripts, b...)
	}
	return scripts
}

// TestEveryRunIsLeakChecked replaces a test that every script ended in a
// leakcheck line: that line read only the last command's output, and most
// of them came after a simulator command, so most runs went unchecked.
// Now every run is checked without asking, and what must not erode is the
// wiring: the heroku-deploy of TestMain tees its output (leakcheck.Program)
// and the scripts' Setup makes the check at their end (simscript.Setup →
// leakcheck.Setup). This runs a script with the golden scripts' params and
// a recording T: each kind of run (exec, exec-code, !, background) prints
// a value the script then declares secret, after a simulator command has
// replaced the output; the check must name each run, and nothing else may
// fail. The leak check's own probes (every encoding, every source of
// secrets) are in internal/leakcheck.
func TestEveryRunIsLeakChecked(t *testing.T) {
	pt := leakcheck.NewProbeT()
	testscript.RunT(pt, params("testdata/wiring"))
	errs := strings.Join(pt.Errors("wiring"), "\n")
	for _, want := range []string{
		`run 1 (heroku-deploy --version): stdout line 1 holds a value given to leakcheck, raw`,
		`run 2 (heroku-deploy --version): stdout line 1 holds a value given to leakcheck, raw`,
		`run 3 (heroku-deploy --wiring-probe-exit-code): stderr line 1 holds a value given to leakcheck, raw`,
		`run 4 (heroku-deploy --wiring-probe-negated): stderr line 1 holds a value given to leakcheck, raw`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("the leak check did not report %q; it reported:\n%s\nlog:\n%s", want, errs, strings.Join(pt.Logs("wiring"), "\n"))
		}
	}
	if n := strings.Count(errs, "\nrun "); n != 4 {
		t.Errorf("%d problems, want the 4 runs:\n%s", n, errs)
	}
}
