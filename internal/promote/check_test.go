package promote

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/health"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestConfigCheck: promote's flags refused before any request, in the
// words the golden scripts assert; an app name Heroku's rule refuses is
// herokuapi's typed error (classify.Of words it).
func TestConfigCheck(t *testing.T) {
	ok := Config{From: "my-staging", To: []string{"my-prod", "my-prod-eu"}, SourceVersion: "abc", Health: health.Options{Check: "/healthz", Timeout: time.Minute}}
	for _, tc := range []struct {
		name string
		edit func(*Config)
		msg  string
	}{
		{"from", func(c *Config) { c.From = "Staging" }, "app name"},
		{"no target", func(c *Config) { c.To = nil }, "--to: no target app"},
		{"a comma", func(c *Config) { c.To = []string{"a-app,b-app"} }, `--to "a-app,b-app": one app per --to`},
		{"a target's name", func(c *Config) { c.To = []string{"my-prod", "$PROD"} }, "app name"},
		{"the source", func(c *Config) { c.To = []string{"my-staging"} }, "--to my-staging is the app promoted from: a promotion goes to other apps"},
		{"twice", func(c *Config) { c.To = []string{"my-prod", "my-prod"} }, "--to my-prod is given twice"},
		{"version", func(c *Config) { c.SourceVersion = "a\r\nb" }, "--source-version must be one line"},
		{"health", func(c *Config) { c.Health.Timeout = 0 }, "--health-check-timeout must be positive"},
		{"a URL, several targets", func(c *Config) { c.Health.Check = "https://example.com/" }, "--health-check is a URL, but there are several targets"},
	} {
		cfg := ok
		cfg.To = append([]string(nil), ok.To...)
		tc.edit(&cfg)
		err := cfg.Check(context.Background())
		var oe *outcome.Error
		var ne *herokuapi.AppNameError
		if tc.msg == "app name" {
			if !errors.As(err, &ne) {
				t.Errorf("%s: got %v, want *herokuapi.AppNameError", tc.name, err)
			}
			continue
		}
		if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.HasPrefix(err.Error(), tc.msg) {
			t.Errorf("%s: got %v, want input refused %q", tc.name, err, tc.msg)
		}
	}
	one := ok
	one.To, one.Health.Check = []string{"my-prod"}, "https://example.com/"
	if err := one.Check(context.Background()); err != nil {
		t.Errorf("a URL, one target: %v", err)
	}
}

// TestConfigCheckHead: without --source-version the commit is git's HEAD
// here; outside a checkout there is none (unless --any-commit).
func TestConfigCheckHead(t *testing.T) {
	t.Chdir(t.TempDir())
	cfg := Config{From: "my-staging", To: []string{"my-prod"}}
	err := cfg.Check(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "no --source-version: promote checks that the source runs the commit this pipeline tested") {
		t.Errorf("got %v", err)
	}
	cfg.AnyCommit = true
	if err := cfg.Check(context.Background()); err != nil || cfg.SourceVersion != "" {
		t.Errorf("--any-commit: %v, %q", err, cfg.SourceVersion)
	}
}
