package cli

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestDryRunGuard (issue 23, point 6): a dry run that tries a change (a
// change point a workflow forgot, here maintenance mode set straight
// through the client) sends nothing: Heroku sees no PATCH, the command
// exits 4 and says it is a bug, even when the workflow swallowed the
// error and returned nil. The same command without --dry-run makes the
// change: the guard, not the command, refused it.
func TestDryRunGuard(t *testing.T) {
	for name, swallow := range map[string]bool{"returned": false, "swallowed": true} {
		t.Run(name, func(t *testing.T) {
			sim, env, stdout, stderr := simEnv(t)
			injectErr(t, func(ctx context.Context, h *heroku) error {
				_, err := h.Client.SetMaintenance(ctx, "my-app", true)
				if swallow {
					return nil
				}
				return err
			})
			code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app", "--dry-run"}, env)
			if code != outcome.Unknown.Code() {
				t.Errorf("exit %d, want %d", code, outcome.Unknown.Code())
			}
			for _, want := range []string{
				`(?m)^heroku-deploy: error: a dry run tried to change something: PATCH http://127\.0\.0\.1:\d+/apps/my-app was refused before it was sent \(a bug in heroku-deploy\)$`,
				`(?m)^heroku-deploy: hint: nothing was changed: a dry run sends no request that could change anything$`,
				`(?m)^heroku-deploy: hint: please report this bug with the job log: https://`,
			} {
				if !regexp.MustCompile(want).MatchString(stderr.String()) {
					t.Errorf("stderr lacks %s:\n%s", want, stderr)
				}
			}
			if strings.Contains(stdout.String(), "Dry run: nothing was changed") {
				t.Errorf("a refused change ends as a plan:\n%s", stdout)
			}
			for _, r := range sim.Requests() {
				if r.Method != "GET" {
					t.Errorf("Heroku saw %s %s in a dry run", r.Method, r.Path)
				}
			}
		})
	}
	sim, env, _, stderr := simEnv(t)
	injectErr(t, func(ctx context.Context, h *heroku) error {
		_, err := h.Client.SetMaintenance(ctx, "my-app", true)
		return err
	})
	if code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app"}, env); code != 0 {
		t.Fatalf("without --dry-run: exit %d\n%s", code, stderr)
	}
	if reqs := sim.Requests(); len(reqs) == 0 || reqs[len(reqs)-1].Method != "PATCH" {
		t.Errorf("without --dry-run the change was not sent: %v", reqs)
	}
}

// injectErr is inject, the work's error returned as the command's.
func injectErr(t *testing.T, work func(ctx context.Context, h *heroku) error) {
	t.Helper()
	saved := runCommand
	t.Cleanup(func() { runCommand = saved })
	runCommand = func(kctx *kong.Context, g *globals) error {
		out, err := kctx.Call(work, g)
		if err != nil {
			return err
		}
		if e, _ := out[0].(error); e != nil {
			return e
		}
		return nil
	}
}
