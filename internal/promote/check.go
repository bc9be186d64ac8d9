package promote

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/gitrev"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// Check checks the config before any request: the apps' names, each
// target once and none the source, the commit and the health check.
// Without SourceVersion (and without AnyCommit) the commit is git's HEAD
// in the current directory, as deploy records it, filled in: a tree that
// holds what HEAD does not record has no commit to promote.
func (c *Config) Check(ctx context.Context) error {
	if err := herokuapi.CheckAppName(c.From); err != nil {
		return err
	}
	if len(c.To) == 0 {
		return outcome.Input("--to: no target app", "name the app to promote to: --to my-app-production")
	}
	for i, to := range c.To {
		if strings.Contains(to, ",") {
			return outcome.Input(fmt.Sprintf("--to %q: one app per --to", to), "repeat --to for each target: --to my-app-eu --to my-app-us")
		}
		if err := herokuapi.CheckAppName(to); err != nil {
			return err
		}
		switch {
		case to == c.From:
			return outcome.Inputf("--to %s is the app promoted from: a promotion goes to other apps", to)
		case slices.Contains(c.To[:i], to):
			return outcome.Inputf("--to %s is given twice", to)
		}
	}
	if strings.ContainsAny(c.SourceVersion, "\r\n") {
		return outcome.Inputf("--source-version must be one line")
	}
	if c.SourceVersion == "" && !c.AnyCommit {
		head, clean := gitrev.Head(ctx, ".")
		switch {
		case head == "":
			return outcome.Input("no --source-version: promote checks that the source runs the commit this pipeline tested",
				"GitLab CI sets CI_COMMIT_SHA; elsewhere run it in the commit's git checkout, or pass --source-version SHA, or --any-commit to promote whatever the source runs")
		case !clean:
			return outcome.Input(fmt.Sprintf("no --source-version, and this directory holds files git does not record at HEAD %s (changed, untracked or ignored): there is no commit to promote", head),
				"a deploy of this tree is recorded under a -dirty- version, never as the commit: pass --source-version SHA, or --any-commit to promote whatever the source runs")
		}
		c.SourceVersion = head
	}
	if err := c.Health.Validate(); err != nil {
		return err
	}
	if c.Health.Check != "" && !strings.HasPrefix(c.Health.Check, "/") && len(c.To) > 1 {
		return outcome.Input("--health-check is a URL, but there are several targets: give a path, joined to each app's URL")
	}
	return nil
}
