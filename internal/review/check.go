package review

import (
	"regexp"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/configvars"
	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// The checks of the review commands' flags, before any request: what
// they refuse is input (exit 2).

// CheckName is --name's check: the prefix rule (CheckPrefix).
func CheckName(prefix string) error {
	if err := CheckPrefix(prefix); err != nil {
		return outcome.Inputf("--name: %v", err)
	}
	return nil
}

// AppName is the review app's name: override (--app) replaces it whole,
// Heroku's app name rule checked (*herokuapi.AppNameError); otherwise
// Name(prefix, mr), both checked.
func AppName(prefix, mr, override string) (string, error) {
	if override != "" {
		return override, herokuapi.CheckAppName(override)
	}
	if prefix == "" {
		return "", outcome.Input("--name is required: the prefix of the review apps (the component's name input)")
	}
	if err := CheckName(prefix); err != nil {
		return "", err
	}
	if mr == "" {
		return "", outcome.Input("no merge request: --mr is empty and CI_MERGE_REQUEST_IID is not set",
			"run it in a merge request pipeline (rules: if: $CI_PIPELINE_SOURCE == \"merge_request_event\"), or pass --mr IID")
	}
	if err := CheckMR(mr); err != nil {
		return "", outcome.Inputf("--mr: %v", err)
	}
	return Name(prefix, mr), nil
}

// DestroyTarget is the app review destroy deletes (AppName), which needs
// a prefix even with override: only a review app of it is deleted.
func DestroyTarget(prefix, mr, override string) (string, error) {
	if prefix == "" {
		return "", outcome.Input("--name is required: review destroy deletes only the review apps of a prefix")
	}
	if override != "" { // AppName checks the prefix only when it names the app
		if err := CheckName(prefix); err != nil {
			return "", err
		}
	}
	return AppName(prefix, mr, override)
}

var iidListRE = regexp.MustCompile(`[\s,]+`)

// ParseOpenMRs reads --open-mrs: IIDs separated by commas or spaces (a
// leading ! allowed), or none. Empty, it is nil: GitLab's API is asked.
func ParseOpenMRs(list string) (map[string]bool, error) {
	if list == "" {
		return nil, nil
	}
	open := map[string]bool{}
	if list = strings.TrimSpace(list); list == "none" {
		return open, nil
	}
	for _, iid := range iidListRE.Split(list, -1) {
		iid = strings.TrimPrefix(iid, "!")
		if err := CheckMR(iid); err != nil {
			return nil, outcome.Inputf("--open-mrs: %v", err)
		}
		open[iid] = true
	}
	return open, nil
}

// DeployAsk is what review deploy is asked, as its flags say it.
type DeployAsk struct {
	Prefix, MR, App string // --name, --mr, and --app, which replaces their name
	// Source is the deploy's (its App is the review app's name).
	Source                        deploy.Source
	Team, Region, Space, Pipeline string
	ConfigFrom                    string
	ConfigSkip                    []string
	Rebuild                       bool
}

// Check checks everything before any request: the name, where the app
// goes, the config's names, then --config-var (configVars, the caller's:
// it registers the values with the redactor), then the deploy's own
// checks (deploy.Source.Check).
func (a DeployAsk) Check(configVars func() (map[string]string, error)) (DeployConfig, error) {
	app, err := AppName(a.Prefix, a.MR, a.App)
	if err != nil {
		return DeployConfig{}, err
	}
	cfg := DeployConfig{Why: "merge request !" + a.MR, Team: a.Team, Region: a.Region, Space: a.Space,
		Pipeline: a.Pipeline, ConfigFrom: a.ConfigFrom, ConfigSkip: a.ConfigSkip}
	if a.App != "" {
		cfg.Why = "--app"
	}
	for _, f := range [][2]string{{"--team", a.Team}, {"--space", a.Space}, {"--pipeline", a.Pipeline}} {
		if f[1] != "" && !herokuapi.ValidName(f[1]) {
			return cfg, outcome.Inputf("%s %q: want a Heroku name (lowercase letters, digits and dashes)", f[0], f[1])
		}
	}
	switch {
	case a.Region != "" && !herokuapi.ValidName(a.Region):
		return cfg, outcome.Inputf("--region %q: want a Heroku region name such as us or eu", a.Region)
	case a.Region != "" && a.Space != "":
		return cfg, outcome.Input("--region and --space together: an app in a private space takes the space's region", "drop --region")
	case a.ConfigFrom != "" && !herokuapi.ValidAppName(a.ConfigFrom):
		return cfg, outcome.Inputf("--config-from %q: not a Heroku app name", a.ConfigFrom)
	case a.ConfigFrom == app:
		return cfg, outcome.Inputf("--config-from %s is the review app itself", app)
	case len(a.ConfigSkip) > 0 && a.ConfigFrom == "":
		return cfg, outcome.Input("--config-skip without --config-from: there is nothing to skip")
	}
	for _, n := range a.ConfigSkip {
		if err := configvars.CheckName(n); err != nil {
			return cfg, outcome.Inputf("--config-skip: %v", err)
		}
	}
	vars, err := configVars()
	if err != nil {
		return cfg, err
	}
	a.Source.App = app
	cfg.Deploy, err = a.Source.Check()
	cfg.Deploy.ConfigVars, cfg.Deploy.Rebuild = vars, a.Rebuild
	return cfg, err
}
