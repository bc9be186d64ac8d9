package review

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// DeployConfig says what review deploy does.
type DeployConfig struct {
	// Deploy is the deploy of the review app (its App); its ConfigVars are
	// --config-var's, which win over the template's.
	Deploy deploy.Config
	// Why says how the app was named, for the log: "--app", "merge
	// request !42".
	Why string
	// Where a new app goes: a team, a region or a private space.
	Team, Region, Space string
	// Pipeline couples a new app (or one in none) at stage review.
	Pipeline string
	// ConfigFrom is the template app whose config vars are copied, but
	// those its add-ons set and those ConfigSkip names.
	ConfigFrom string
	ConfigSkip []string
}

// Deploy creates the review app when it is missing, then deploys to it.
// A new app is made bare, or, when the directory holds an app.json, by an
// app setup that builds the directory: that build's release is the
// deploy's, and gets its health check. An app found is refused at a stage
// review apps are not at (*UnsafeError: nothing was deployed). The caller
// reports the result (deploy.Report).
func Deploy(ctx context.Context, s *session.Session, cfg DeployConfig) (*deploy.Result, error) {
	app := cfg.Deploy.App
	s.Out.Step("Review app %s (%s)", app, cfg.Why)
	res, created, err := create(ctx, s, &cfg)
	if err != nil || res != nil {
		return res, notDeployed(err)
	}
	if created && s.Dry() {
		// The app does not exist: nothing of it can be read. An app
		// setup's plan is said; a bare app's deploy is planned without
		// reads of the app.
		if hasAppJSON(cfg.Deploy.Dir) {
			if h := cfg.Deploy.Health.Check; h != "" {
				s.Would("check %s of %s once the setup's release serves", h, app)
			}
			return nil, nil
		}
		return nil, deploy.PlanNew(ctx, s, cfg.Deploy)
	}
	if !created {
		// An app found is refused at a stage review apps are not at, and
		// the coupling made after a creation may have failed: this is
		// where it is made up for.
		note, err := CheckExisting(ctx, s, app, cfg.Pipeline)
		if err != nil {
			return nil, notDeployed(err)
		}
		if note != "" {
			s.Warn(note)
		}
	}
	return deploy.Deploy(ctx, s, cfg.Deploy)
}

// create makes the app if it is missing, with the config it must have
// (cfg.Deploy.ConfigVars becomes it), and says whether it did. An app
// setup deploys too: then its result is returned.
func create(ctx context.Context, s *session.Session, cfg *DeployConfig) (*deploy.Result, bool, error) {
	d := cfg.Deploy
	exists, err := Exists(ctx, s, d.App)
	if err != nil {
		return nil, false, err
	}
	if cfg.Deploy.ConfigVars, err = config(ctx, s, cfg); err != nil {
		return nil, false, err
	}
	if exists {
		return nil, false, nil
	}
	pid := "" // looked up before the app is made
	if cfg.Pipeline != "" {
		if pid, err = pipelineID(ctx, s, cfg.Pipeline); err != nil {
			return nil, false, err
		}
	}
	where := herokuapi.AppCreate{Name: d.App, Team: cfg.Team, Region: cfg.Region, Space: cfg.Space}
	if !hasAppJSON(d.Dir) {
		created, err := Create(ctx, s, where)
		if err == nil && created {
			err = couple(ctx, s, d.App, cfg.Pipeline, pid)
		}
		return nil, created, err
	}
	src, err := deploy.Upload(ctx, s, deploy.Config{App: d.App, Dir: d.Dir, DirName: d.DirName, SourceVersion: d.SourceVersion, Dirty: d.Dirty, Exclude: d.Exclude})
	if err != nil {
		return nil, false, err
	}
	st, created, err := Setup(ctx, s, herokuapi.AppSetupRequest{App: where, SourceURL: src.SourceURL, Checksum: src.Checksum, Version: src.Version, Env: cfg.Deploy.ConfigVars})
	if err != nil || !created {
		return nil, created, err
	}
	if err := couple(ctx, s, d.App, cfg.Pipeline, pid); err != nil || s.Dry() {
		return nil, true, err
	}
	res, err := deploy.Built(ctx, s, d.App, st.Build.ID)
	if err != nil {
		return nil, true, err
	}
	// The setup's release is this deploy's: it gets the health check a
	// later deploy's release gets.
	if err := deploy.Verify(ctx, s, res, d.Health); err != nil {
		return nil, true, err
	}
	return res, true, nil
}

// notDeployed says that nothing was deployed when a safety check stopped
// it.
func notDeployed(err error) error {
	var unsafe *UnsafeError
	if errors.As(err, &unsafe) {
		return outcome.New(outcome.Unsafe, err, "nothing was deployed: check the name and app inputs, or move the app out of that stage")
	}
	return err
}

// hasAppJSON reports whether dir holds an app.json file.
func hasAppJSON(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "app.json"))
	return err == nil && fi.Mode().IsRegular()
}

// config is the config the app must have: the template's, when there is
// one, then --config-var's values over it. Names only reach the log.
func config(ctx context.Context, s *session.Session, cfg *DeployConfig) (map[string]string, error) {
	wanted := map[string]string{}
	if cfg.ConfigFrom != "" {
		t, err := TemplateOf(ctx, s, cfg.ConfigFrom, cfg.ConfigSkip)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(t.Vars))
		for k, v := range t.Vars {
			wanted[k] = v
			names = append(names, k)
		}
		sort.Strings(names)
		s.Out.Step("Config vars from %s: %d to copy (%s)", t.App, len(names), listOrNone(names))
		if len(t.FromAddons) > 0 {
			s.Out.Line("    left out, set by its add-ons: %s", strings.Join(t.FromAddons, ", "))
		}
		if len(t.Skipped) > 0 {
			s.Out.Line("    left out, --config-skip: %s", strings.Join(t.Skipped, ", "))
		}
	}
	for k, v := range cfg.Deploy.ConfigVars {
		wanted[k] = v
	}
	return wanted, nil
}

// couple puts a new app into pipeline ("": none), whose id was looked up
// before the app was made, at stage review.
func couple(ctx context.Context, s *session.Session, app, pipeline, id string) error {
	if pipeline == "" {
		return nil
	}
	return coupleTo(ctx, s, app, pipeline, id)
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
