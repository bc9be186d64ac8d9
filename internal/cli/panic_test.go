package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/maintenance"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/rescue"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// inject replaces the command's work with work, called once the command's
// key is read (and registered with the redactor) and its client built.
func inject(t *testing.T, work func(ctx context.Context, h *heroku) error) {
	t.Helper()
	saved := runCommand
	t.Cleanup(func() { runCommand = saved })
	runCommand = func(kctx *kong.Context, g *globals) error {
		_, err := kctx.Call(work, g)
		return err
	}
}

// simEnv runs commands against a fresh simulator, with faults.
func simEnv(t *testing.T, faults ...string) (*herokusim.Server, environment, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	opts := herokusim.Options{Apps: []string{"my-app"}}
	for _, f := range faults {
		pf, err := herokusim.ParseFault(f)
		if err != nil {
			t.Fatal(err)
		}
		opts.Faults = append(opts.Faults, pf)
	}
	sim, err := herokusim.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	vars := map[string]string{"HEROKU_API_URL": sim.URL, "HEROKU_API_KEY": herokusim.DefaultKey, "HEROKU_DEPLOY_RETRY_WAIT": "2ms"}
	var stdout, stderr bytes.Buffer
	return sim, environment{
		Getenv: func(k string) string { return vars[k] },
		Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
		Stdout: &stdout, Stderr: &stderr,
	}, &stdout, &stderr
}

// TestPanicIsNeverNothingChanged (issue 19, point 7): a recovered panic,
// here a nil answer dereferenced, exits 4 ("unknown": the command may
// have changed something before it broke), never 2, which Go's runtime
// would give it and which promises nothing changed. The message gives the
// panic value, where it happened and how to report the bug, and no
// secret: the value here carries the key.
func TestPanicIsNeverNothingChanged(t *testing.T) {
	for name, work := range map[string]func(ctx context.Context, h *heroku) error{
		"a nil answer": func(ctx context.Context, h *heroku) error {
			var rel *herokuapi.Release
			h.Out.Step("Released v%d", rel.Version)
			return nil
		},
		"a value with the key": func(ctx context.Context, h *heroku) error {
			panic(fmt.Sprintf("unexpected answer for key %s", herokusim.DefaultKey))
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, env, stdout, stderr := simEnv(t)
			inject(t, work)
			code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app"}, env)
			if code != outcome.Unknown.Code() {
				t.Errorf("exit %d, want %d", code, outcome.Unknown.Code())
			}
			out := stderr.String()
			for _, want := range []string{
				`(?m)^heroku-deploy: error: internal error \(a bug in heroku-deploy\): panic: .+ at internal/cli/panic_test\.go:\d+$`,
				`(?m)^heroku-deploy: hint: please report this bug with the job log: https://`,
				`(?m)^heroku-deploy: hint: what the command had changed on Heroku before it stopped is unknown`,
			} {
				if !regexp.MustCompile(want).MatchString(out) {
					t.Errorf("stderr lacks %s:\n%s", want, out)
				}
			}
			if name == "a nil answer" && !strings.Contains(out, "panic: runtime error: invalid memory address or nil pointer dereference") {
				t.Errorf("the panic value is not given:\n%s", out)
			}
			if strings.Contains(out+stdout.String(), herokusim.DefaultKey) || strings.Contains(out, "MAINTENANCE") {
				t.Errorf("the key, or a maintenance alarm, in the output:\n%s", out)
			}
		})
	}
}

// TestPanicInsideMaintenance: a panic while deploy --maintenance has the
// app in maintenance mode still turns it off, confirmed by a read: exit
// 4. If it cannot be turned off, exit 6 with the alarm and how to turn it
// off by hand.
func TestPanicInsideMaintenance(t *testing.T) {
	work := func(ctx context.Context, h *heroku) error {
		return maintenance.Around(ctx, h.Session, "my-app", func(context.Context) error {
			var b *herokuapi.Build
			h.Out.Step("Build %s", b.ID) // a nil answer
			return nil
		})
	}
	t.Run("turned off", func(t *testing.T) {
		sim, env, stdout, stderr := simEnv(t)
		inject(t, work)
		code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app"}, env)
		if on := onAt(t, sim); code != outcome.Unknown.Code() || !strings.Contains(stdout.String(), "==> Maintenance mode is off for my-app") || on {
			t.Errorf("exit %d (want %d), maintenance on: %v\n%s%s", code, outcome.Unknown.Code(), on, stdout, stderr)
		}
		if !strings.Contains(stderr.String(), "panic: runtime error: invalid memory address or nil pointer dereference at internal/cli/panic_test.go:") {
			t.Errorf("stderr: %s", stderr)
		}
	})
	t.Run("still on", func(t *testing.T) {
		sim, env, stdout, stderr := simEnv(t, "PATCH /apps/* 503 skip=1")
		inject(t, work)
		code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app"}, env)
		if on := onAt(t, sim); code != outcome.MaintenanceOn.Code() || !on {
			t.Errorf("exit %d (want %d), maintenance on: %v\n%s%s", code, outcome.MaintenanceOn.Code(), on, stdout, stderr)
		}
		if !strings.Contains(stdout.String(), "!!! MAINTENANCE MODE IS STILL ON for my-app") ||
			!strings.Contains(stderr.String(), "heroku-deploy: !!! MAINTENANCE MODE IS STILL ON for my-app") ||
			!strings.Contains(stderr.String(), "hint: turn it off by hand: heroku-deploy maintenance off --app my-app") {
			t.Errorf("no alarm:\n%s%s", stdout, stderr)
		}
		// A confirmed "off" (the operator's, against another simulator
		// here) takes my-app off LeftOn: the tests after this one see none.
		clean, _, _, _ := simEnv(t)
		s := &session.Session{Client: herokuapi.New(herokuapi.Config{URL: clean.URL, Key: herokusim.DefaultKey}), Out: ciout.New(io.Discard, false)}
		if err := maintenance.Off(context.Background(), s, "my-app"); err != nil || len(maintenance.LeftOn()) != 0 {
			t.Errorf("Off: %v; LeftOn after a confirmed off: %v", err, maintenance.LeftOn())
		}
	})
}

// onAt reads my-app's maintenance mode from sim.
func onAt(t *testing.T, sim *herokusim.Server) bool {
	t.Helper()
	on, err := herokuapi.New(herokuapi.Config{URL: sim.URL, Key: herokusim.DefaultKey}).Maintenance(context.Background(), "my-app")
	if err != nil {
		t.Fatal(err)
	}
	return on
}

// TestGoroutinePanic: a panic in a goroutine of the command's (a stream
// follower, a target's release follower), which the command's own recover
// cannot see, still exits 4 with the bug's report, not Go's 2 ("nothing
// changed"). It exits the process, so it runs in a child.
func TestGoroutinePanic(t *testing.T) {
	if os.Getenv("CLI_GOROUTINE_PANIC") != "" {
		_, env, _, _ := simEnv(t)
		env.Stdout, env.Stderr = os.Stdout, os.Stderr
		inject(t, func(ctx context.Context, h *heroku) error {
			done := make(chan struct{})
			go func() {
				defer rescue.Guard()
				defer close(done)
				var rel *herokuapi.Release
				_ = rel.Version // a nil answer, dereferenced in a goroutine
			}()
			<-done
			time.Sleep(time.Second) // the panic ends the process first
			return nil
		})
		os.Exit(run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app"}, env))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestGoroutinePanic$")
	cmd.Env = append(os.Environ(), "CLI_GOROUTINE_PANIC=1")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != outcome.Unknown.Code() || !strings.Contains(string(out), "heroku-deploy: error: internal error (a bug in heroku-deploy): panic: runtime error: invalid memory address") {
		t.Errorf("exit %d, want %d with the bug's report:\n%s", code, outcome.Unknown.Code(), out)
	}
}
