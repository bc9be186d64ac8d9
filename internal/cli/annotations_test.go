package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestAnnotationsWhateverTheOutcome (issue 23): the annotations report is
// written when the command ends, a panic included (the links recorded
// before it broke say what it may have changed), and a link in which the
// redactor finds a secret (here the key) is left out, with a warning.
func TestAnnotationsWhateverTheOutcome(t *testing.T) {
	_, env, stdout, stderr := simEnv(t)
	inject(t, func(ctx context.Context, h *heroku) error {
		h.Links.URL("my-app", "https://my-app.example/"+herokusim.DefaultKey)
		h.Links.Release("my-app", "c0000000-0000-4000-8000-000000000003", 3, "failed")
		panic("broken after a change")
	})
	path := filepath.Join(t.TempDir(), "links.json")
	code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app", "--annotations", path}, env)
	if code != outcome.Unknown.Code() {
		t.Errorf("exit %d, want %d\n%s%s", code, outcome.Unknown.Code(), stdout, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no report after a panic: %v", err)
	}
	if !strings.Contains(string(b), `{"external_link": {"label": "my-app: release v3 (failed)", "url": "https://dashboard.heroku.com/apps/my-app/activity/releases/c0000000-0000-4000-8000-000000000003"}}`) {
		t.Errorf("report:\n%s", b)
	}
	if strings.Contains(string(b), herokusim.DefaultKey) || strings.Contains(string(b), "open the app") {
		t.Errorf("the link with the key was written:\n%s", b)
	}
	if !strings.Contains(stderr.String(), "heroku-deploy: warning: 1 link(s) left out of the annotations report: they would show a secret\n") {
		t.Errorf("stderr:\n%s", stderr)
	}
}

// A report that cannot be written once the command has run is a warning:
// the command's own outcome stands.
func TestAnnotationsWriteFailureIsAWarning(t *testing.T) {
	_, env, stdout, stderr := simEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "links.json")
	inject(t, func(ctx context.Context, h *heroku) error {
		h.Links.Changed("my-app")
		return os.Remove(dir) // the directory goes away after the check
	})
	code := run(context.Background(), "test", []string{"maintenance", "on", "--app", "my-app", "--annotations", path}, env)
	if code != 0 {
		t.Errorf("exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr.String(), "heroku-deploy: warning: --annotations "+path+": write annotations: ") ||
		!strings.Contains(stderr.String(), "the job's page has no links to what changed") {
		t.Errorf("stderr:\n%s", stderr)
	}
}
