package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/review"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// reviewCmd groups the review app commands: one Heroku app per merge
// request, named by internal/review's rule.
type reviewCmd struct {
	Deploy  reviewDeployCmd  `cmd:"" help:"Create the merge request's review app if it is missing (from app.json when there is one), then deploy to it."`
	Destroy reviewDestroyCmd `cmd:"" help:"Delete the merge request's review app; refuses any app that is not one."`
	Sweep   reviewSweepCmd   `cmd:"" help:"Delete the review apps of merge requests that are no longer open."`
}

// ReviewFlags name a merge request's review app.
type ReviewFlags struct {
	Name string `env:"HEROKU_DEPLOY_NAME" placeholder:"PREFIX" help:"Prefix of the review apps: merge request IID's app is PREFIX-mr-IID, cut and hashed to Heroku's 30 characters (see the README)."`
	MR   string `name:"mr" env:"CI_MERGE_REQUEST_IID" placeholder:"IID" help:"The merge request's IID (default: CI_MERGE_REQUEST_IID, set in merge request pipelines)."`
}

var (
	// teamNameRE is Heroku's team, space and pipeline name rule, loosely:
	// what can go into a request without escaping.
	teamNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,29}$`)
	regionRE   = regexp.MustCompile(`^[a-z][a-z0-9-]{1,29}$`)
)

// app returns the review app's name, checked before any request. override
// (--app) replaces it whole.
func (f *ReviewFlags) app(override string) (string, error) {
	if override != "" {
		return override, checkApp(override)
	}
	if f.Name == "" {
		return "", outcome.Input("--name is required: the prefix of the review apps (the component's name input)")
	}
	if err := review.CheckPrefix(f.Name); err != nil {
		return "", outcome.Inputf("--name: %v", err)
	}
	if f.MR == "" {
		return "", outcome.Input("no merge request: --mr is empty and CI_MERGE_REQUEST_IID is not set",
			"run it in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --mr IID")
	}
	if err := review.CheckMR(f.MR); err != nil {
		return "", outcome.Inputf("--mr: %v", err)
	}
	return review.Name(f.Name, f.MR), nil
}

// reviewDeployCmd is `heroku-deploy review deploy`.
type reviewDeployCmd struct {
	ReviewFlags   `embed:""`
	App           string   `placeholder:"NAME" help:"Deploy to this app instead of the one --name and --mr name (created the same way when missing); review destroy and sweep never delete one outside their names."`
	Dir           string   `env:"HEROKU_DEPLOY_DIR" default:"." placeholder:"PATH" help:"Directory to ship (default ${default}); with an app.json in it, a new app is created from it (an app setup: add-ons, env, postdeploy script)."`
	SourceVersion string   `env:"CI_COMMIT_SHA" placeholder:"STR" help:"Version recorded on the build; without it, git rev-parse HEAD in --dir."`
	Exclude       []string `env:"HEROKU_DEPLOY_EXCLUDE" list:"" sep:"none" placeholder:"PATTERN" help:"Leave out paths matching this gitignore-style pattern; repeatable. Its variable holds a list: [\"a\", \"b\"]."`
	Team          string   `env:"HEROKU_DEPLOY_TEAM" placeholder:"TEAM" help:"Create the app in this Heroku team (default: the key's account)."`
	Region        string   `env:"HEROKU_DEPLOY_REGION" placeholder:"REGION" help:"Create the app in this region (us, eu); not with --space."`
	Space         string   `env:"HEROKU_DEPLOY_SPACE" placeholder:"SPACE" help:"Create the app in this private space, which decides its region and generation (a Fir space makes a Fir app)."`
	Pipeline      string   `env:"HEROKU_DEPLOY_PIPELINE" placeholder:"PIPELINE" help:"Couple the app to this Heroku pipeline at stage review when it is in none (a new app, or one whose coupling failed)."`
	ConfigFrom    string   `env:"HEROKU_DEPLOY_CONFIG_FROM" placeholder:"APP" help:"Copy the config vars of this app (values never printed), but those its add-ons set and those --config-skip names."`
	ConfigSkip    []string `env:"HEROKU_DEPLOY_CONFIG_SKIP" list:"" sep:"none" placeholder:"NAME" help:"Do not copy config var NAME from --config-from; repeatable. Its variable holds a list: [\"a\", \"b\"]."`
	ConfigVar     []string `name:"config-var" env:"HEROKU_DEPLOY_CONFIG_VARS" list:"" sep:"none" placeholder:"NAME[=CI_VAR]" help:"Set config var NAME to the value of the CI/CD variable CI_VAR (NAME alone: the variable NAME); repeatable; it wins over --config-from. Its variable holds a list: [\"a\", \"b\"]."`
	Dotenv        string   `placeholder:"FILE" help:"Write the dotenv report here (HEROKU_APP_NAME, HEROKU_APP_URL…, as deploy's), for artifacts:reports:dotenv and the environment's URL."`
	Rebuild       bool     `env:"HEROKU_DEPLOY_REBUILD" help:"Build again even when Heroku still keeps a build of this --source-version, which is otherwise released again (no upload, no build)."`

	HealthFlags `embed:""`
	HerokuFlags `embed:""`
}

// check validates everything before any request: the name, the deploy's
// own checks, where the app goes, the config's names and variables.
func (c *reviewDeployCmd) check(g *globals) (*deployCmd, string, map[string]string, error) {
	app, err := c.ReviewFlags.app(c.App)
	if err != nil {
		return nil, "", nil, err
	}
	dc := &deployCmd{AppFlag: AppFlag{App: app}, Dir: c.Dir, SourceVersion: c.SourceVersion, Exclude: c.Exclude, Dotenv: c.Dotenv,
		Rebuild: c.Rebuild, HealthFlags: c.HealthFlags, HerokuFlags: c.HerokuFlags}
	for _, f := range [][2]string{{"--team", c.Team}, {"--space", c.Space}, {"--pipeline", c.Pipeline}} {
		if f[1] != "" && !teamNameRE.MatchString(f[1]) {
			return nil, "", nil, outcome.Inputf("%s %q: want a Heroku name (lowercase letters, digits and dashes)", f[0], f[1])
		}
	}
	switch {
	case c.Region != "" && !regionRE.MatchString(c.Region):
		return nil, "", nil, outcome.Inputf("--region %q: want a Heroku region name such as us or eu", c.Region)
	case c.Region != "" && c.Space != "":
		return nil, "", nil, outcome.Input("--region and --space together: an app in a private space takes the space's region", "drop --region")
	case c.ConfigFrom != "" && !herokuapi.ValidAppName(c.ConfigFrom):
		return nil, "", nil, outcome.Inputf("--config-from %q: not a Heroku app name", c.ConfigFrom)
	case c.ConfigFrom == app:
		return nil, "", nil, outcome.Inputf("--config-from %s is the review app itself", app)
	case len(c.ConfigSkip) > 0 && c.ConfigFrom == "":
		return nil, "", nil, outcome.Input("--config-skip without --config-from: there is nothing to skip")
	}
	for _, n := range c.ConfigSkip {
		if err := configvars.CheckName(n); err != nil {
			return nil, "", nil, outcome.Inputf("--config-skip: %v", err)
		}
	}
	vars, err := configvars.Resolve(c.ConfigVar, g.Env.Lookup, g.Env.environ())
	if err != nil {
		return nil, "", nil, varError("--config-var:", err)
	}
	g.addValues(vars, "--config-var", "the build log or release phase")
	return dc, app, vars, nil
}

// Run creates the app if it is missing, then deploys.
func (c *reviewDeployCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	dc, app, vars, err := c.check(g)
	if err != nil {
		return err
	}
	dir, exclude, err := dc.check()
	if err != nil {
		return err
	}
	manifest := hasAppJSON(dir)
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	if c.App != "" {
		h.Out.Step("Review app %s (--app)", app)
	} else {
		h.Out.Step("Review app %s (merge request !%s)", app, c.MR)
	}
	apps := h.Session
	exists, err := review.Exists(ctx, apps, app)
	if err != nil {
		return fail(err)
	}
	wanted, err := c.config(ctx, h, apps, vars)
	if err != nil {
		return fail(err)
	}
	where := herokuapi.AppCreate{Name: app, Team: c.Team, Region: c.Region, Space: c.Space}
	var created bool
	if !exists {
		if manifest {
			version, dirty := dc.version(ctx)
			src, err := deploy.Upload(ctx, h.Session, deploy.Config{App: app, Dir: dir, DirName: c.Dir, SourceVersion: version, Dirty: dirty, Exclude: exclude})
			if err != nil {
				return fail(err)
			}
			var st *herokuapi.AppSetup
			st, created, err = review.Setup(ctx, apps, herokuapi.AppSetupRequest{App: where, SourceURL: src.SourceURL, Checksum: src.Checksum, Version: src.Version, Env: wanted})
			if err != nil {
				return fail(err)
			}
			if created {
				if err := c.couple(ctx, h, apps, app); err != nil {
					return fail(err)
				}
				res, err := deploy.Built(ctx, h.Session, app, st.Build.ID)
				if err != nil {
					return fail(err)
				}
				// The setup's release is this deploy's: it gets the health
				// check a later deploy's release gets.
				if err := deploy.Verify(ctx, h.Session, res, c.HealthFlags.options()); err != nil {
					return fail(err)
				}
				return deploy.Report(h.Session, res, c.Dotenv)
			}
		} else if created, err = review.Create(ctx, apps, where); err != nil {
			return fail(err)
		}
		if created {
			if err := c.couple(ctx, h, apps, app); err != nil {
				return fail(err)
			}
		}
	}
	if !created {
		// An app found is refused at a stage review apps are not at, and
		// the coupling made after a creation may have failed: this is
		// where it is made up for.
		note, err := review.CheckExisting(ctx, apps, app, c.Pipeline)
		if err != nil {
			return fail(err)
		}
		if note != "" {
			h.Warn(note)
		}
	}
	return dc.deploy(ctx, h, dir, exclude, wanted)
}

// hasAppJSON reports whether dir holds an app.json file.
func hasAppJSON(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "app.json"))
	return err == nil && fi.Mode().IsRegular()
}

// config is the config the app must have: the template's, when there is
// one, then --config-var's values over it. Names only reach the log.
func (c *reviewDeployCmd) config(ctx context.Context, h *heroku, apps *session.Session, vars map[string]string) (map[string]string, error) {
	wanted := map[string]string{}
	if c.ConfigFrom != "" {
		t, err := review.TemplateOf(ctx, apps, c.ConfigFrom, c.ConfigSkip)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(t.Vars))
		for k, v := range t.Vars {
			wanted[k] = v
			names = append(names, k)
		}
		sort.Strings(names)
		h.Out.Step("Config vars from %s: %d to copy (%s)", t.App, len(names), listOrNone(names))
		if len(t.FromAddons) > 0 {
			h.Out.Line("    left out, set by its add-ons: %s", strings.Join(t.FromAddons, ", "))
		}
		if len(t.Skipped) > 0 {
			h.Out.Line("    left out, --config-skip: %s", strings.Join(t.Skipped, ", "))
		}
	}
	for k, v := range vars {
		wanted[k] = v
	}
	return wanted, nil
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// couple puts a new app into --pipeline at stage review.
func (c *reviewDeployCmd) couple(ctx context.Context, h *heroku, apps *session.Session, app string) error {
	if c.Pipeline == "" {
		return nil
	}
	return review.Couple(ctx, apps, app, c.Pipeline)
}

// fail says that nothing was deployed when a safety check stopped it.
func fail(err error) error {
	var unsafe *review.UnsafeError
	if errors.As(err, &unsafe) {
		return outcome.New(outcome.Unsafe, err, "nothing was deployed: check the name and app inputs, or move the app out of that stage")
	}
	return err
}

// appName is the review app, for the outcome's hints.
func (c *reviewDeployCmd) appName() string { app, _ := c.ReviewFlags.app(c.App); return app }

// reviewDestroyCmd is `heroku-deploy review destroy`.
type reviewDestroyCmd struct {
	ReviewFlags `embed:""`
	App         string `placeholder:"NAME" help:"Delete this app instead of the one --name and --mr name; it must still be a review app of --name."`

	HerokuFlags `embed:""`
}

// Run deletes the review app after the safety checks: the name must be
// one the prefix's rule gives, and the app in no pipeline stage but review
// or development. Each decision rests on a positive answer (the app, its
// coupling or Heroku's 404 not_found); any other answer stops it before
// anything is deleted (exit 4). An app that does not exist is success.
func (c *reviewDestroyCmd) Run(ctx context.Context, h *heroku) error {
	if c.Name == "" {
		return outcome.Input("--name is required: review destroy deletes only the review apps of a prefix")
	}
	if err := review.CheckPrefix(c.Name); err != nil {
		return outcome.Inputf("--name: %v", err)
	}
	app, err := c.ReviewFlags.app(c.App)
	if err != nil {
		return err
	}
	if _, ok := review.MR(c.Name, app); !ok {
		return outcome.New(outcome.Unsafe, &review.UnsafeError{App: app, Reason: fmt.Sprintf("it is not a review app of prefix %s (their names are %s)", c.Name, review.Name(c.Name, "IID"))},
			"review destroy deletes only the apps review deploy names: check the name and app inputs")
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	apps := h.Session
	exists, err := review.Exists(ctx, apps, app)
	var taken *review.TakenError
	switch {
	case errors.As(err, &taken):
		return outcome.New(outcome.Denied, err, "nothing was deleted: the app is not this key's account's")
	case err != nil:
		return outcome.Note(err, "nothing was deleted")
	case !exists:
		// Heroku cannot tell an app deleted from one never made.
		h.Out.Step("App %s does not exist (never created, or already deleted): nothing to delete", app)
		return nil
	}
	if err := review.CheckStage(ctx, apps, app); err != nil {
		return refuse(err)
	}
	d, err := review.Delete(ctx, apps, app)
	if err != nil {
		return err
	}
	reportDeletion(h, app, d)
	return nil
}

// appName is the review app, for the outcome's hints.
func (c *reviewDestroyCmd) appName() string { app, _ := c.ReviewFlags.app(c.App); return app }

// reportDeletion says how a deletion ended.
func reportDeletion(h *heroku, app string, d review.Deletion) {
	switch d {
	case review.Deleted:
		h.Out.Step("Deleted app %s", app)
	case review.DeletedUnanswered:
		h.Out.Step("Deleted app %s (the delete's answer was lost; read back, the app is gone)", app)
	case review.Gone:
		h.Out.Step("App %s is gone: an earlier attempt of the delete, or another job, deleted it first", app)
	}
}

// refuse says that nothing was deleted.
func refuse(err error) error {
	var unsafe *review.UnsafeError
	if errors.As(err, &unsafe) {
		return outcome.New(outcome.Unsafe, err, "nothing was deleted")
	}
	return outcome.Note(err, "nothing was deleted")
}

// reviewSweepCmd is `heroku-deploy review sweep`.
type reviewSweepCmd struct {
	Name           string `env:"HEROKU_DEPLOY_NAME" required:"" placeholder:"PREFIX" help:"Prefix of the review apps: only apps the naming rule gives for it are considered."`
	OpenMRs        string `name:"open-mrs" env:"HEROKU_DEPLOY_OPEN_MRS" placeholder:"LIST" help:"IIDs of the open merge requests, separated by commas or spaces (none: there is none); their apps are kept. Without it, GitLab's API is asked."`
	GitLabTokenVar string `name:"gitlab-token-var" env:"HEROKU_DEPLOY_GITLAB_TOKEN_VARIABLE" placeholder:"NAME" help:"NAME of the variable holding a GitLab access token with read_api, to list the open merge requests; without it, CI_JOB_TOKEN where the instance lets it list them."`
	GitLabURL      string `name:"gitlab-api-url" env:"CI_API_V4_URL" placeholder:"URL" help:"GitLab's API (default: CI_API_V4_URL)."`
	Project        string `name:"gitlab-project" env:"CI_PROJECT_ID" placeholder:"ID" help:"The project whose merge requests count (default: CI_PROJECT_ID)."`
	DryRun         bool   `name:"dry-run" env:"HEROKU_DEPLOY_DRY_RUN" help:"Say what would be deleted, delete nothing."`

	HerokuFlags `embed:""`
}

var iidListRE = regexp.MustCompile(`[\s,]+`)

// openMRs is the merge requests whose apps stay: --open-mrs, or GitLab's
// answer. It reports which source it used.
func (c *reviewSweepCmd) openMRs(ctx context.Context, g *globals, h *heroku) (map[string]bool, string, error) {
	open := map[string]bool{}
	if c.OpenMRs != "" {
		if strings.TrimSpace(c.OpenMRs) == "none" {
			return open, "--open-mrs", nil
		}
		for _, iid := range iidListRE.Split(strings.TrimSpace(c.OpenMRs), -1) {
			iid = strings.TrimPrefix(iid, "!")
			if err := review.CheckMR(iid); err != nil {
				return nil, "", outcome.Inputf("--open-mrs: %v", err)
			}
			open[iid] = true
		}
		return open, "--open-mrs", nil
	}
	return review.OpenMRs(ctx, h.Session, g.creds(), review.GitLab{URL: c.GitLabURL, Project: c.Project, TokenVar: c.GitLabTokenVar,
		RequestTimeout: c.RequestTimeout, Trace: g.trace()})
}

// Run deletes the review apps of the prefix whose merge request is not
// open. It checks every such app first: one coupled to a pipeline stage
// other than review or development stops the sweep before anything is
// deleted (exit 5).
func (c *reviewSweepCmd) Run(ctx context.Context, g *globals, h *heroku) error {
	if err := review.CheckPrefix(c.Name); err != nil {
		return outcome.Inputf("--name: %v", err)
	}
	ctx, cancel := h.withTimeout(ctx)
	defer cancel()
	open, source, err := c.openMRs(ctx, g, h)
	if err != nil {
		return err
	}
	mrs := make([]string, 0, len(open))
	for iid := range open {
		mrs = append(mrs, "!"+iid)
	}
	sort.Slice(mrs, func(i, j int) bool {
		return len(mrs[i]) < len(mrs[j]) || (len(mrs[i]) == len(mrs[j]) && mrs[i] < mrs[j])
	})
	h.Out.Step("Open merge requests, from %s: %s", source, listOrNone(mrs))
	apps := h.Session
	plan, err := review.Sweep(ctx, apps, c.Name, open)
	if err != nil {
		var unsafe *review.UnsafeError
		if errors.As(err, &unsafe) {
			return outcome.New(outcome.Unsafe, err, "nothing was deleted: the sweep stops at an app it must not delete")
		}
		return outcome.Note(err, "nothing was deleted")
	}
	h.Out.Step("Review apps of %s: %d kept (open merge requests), %d to delete%s", c.Name, len(plan.Keep), len(plan.Delete), colonList(plan.Delete))
	if c.DryRun {
		h.Out.Step("Dry run: nothing deleted")
		return nil
	}
	var first error
	for _, app := range plan.Delete {
		d, err := review.Delete(ctx, apps, app)
		if err != nil {
			h.Warn(fmt.Sprintf("could not delete %s: %v", app, err))
			if first == nil {
				first = &outcome.AppError{App: app, Err: err}
			}
			continue
		}
		reportDeletion(h, app, d)
	}
	return first
}

func colonList(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return ": " + strings.Join(names, ", ")
}
