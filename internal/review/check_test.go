package review

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/deploy"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// refused fails the test unless err is input refused starting with msg.
func refused(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var oe *outcome.Error
	if !errors.As(err, &oe) || oe.Kind != outcome.BadInput || !strings.HasPrefix(err.Error(), msg) {
		t.Errorf("%s: got %v, want input refused %q", what, err, msg)
	}
}

// TestAppName: --app replaces the name whole (Heroku's rule checked);
// otherwise --name and --mr, each checked, before any request.
func TestAppName(t *testing.T) {
	if app, err := AppName("shop", "7", ""); app != "shop-mr-7" || err != nil {
		t.Errorf("got %q, %v", app, err)
	}
	if app, err := AppName("", "", "my-app"); app != "my-app" || err != nil {
		t.Errorf("--app: got %q, %v", app, err)
	}
	var ne *herokuapi.AppNameError
	if _, err := AppName("shop", "7", "$APP"); !errors.As(err, &ne) {
		t.Errorf("--app $APP: got %v", err)
	}
	for _, tc := range []struct{ prefix, mr, msg string }{
		{"", "7", "--name is required: the prefix of the review apps"},
		{"Shop", "7", `--name: review app prefix "Shop": want a lowercase letter`},
		{"shop", "", "no merge request: --mr is empty and CI_MERGE_REQUEST_IID is not set"},
		{"shop", "07", `--mr: merge request "07": want its IID`},
	} {
		_, err := AppName(tc.prefix, tc.mr, "")
		refused(t, tc.prefix+"/"+tc.mr, err, tc.msg)
	}
	// review destroy needs the prefix even with --app.
	_, err := DestroyTarget("", "7", "my-app")
	refused(t, "destroy without --name", err, "--name is required: review destroy deletes only the review apps of a prefix")
	_, err = DestroyTarget("shop-abc123", "7", "my-app")
	refused(t, "destroy with a hashed prefix", err, `--name: review app prefix "shop-abc123" ends in a dash and six hex digits`)
	if app, err := DestroyTarget("shop", "7", ""); app != "shop-mr-7" || err != nil {
		t.Errorf("destroy: got %q, %v", app, err)
	}
}

// TestParseOpenMRs: none given asks GitLab (nil); "none" is an empty set;
// a list is IIDs, each checked.
func TestParseOpenMRs(t *testing.T) {
	if open, err := ParseOpenMRs(""); open != nil || err != nil {
		t.Errorf("empty: %v, %v", open, err)
	}
	if open, err := ParseOpenMRs(" none "); open == nil || len(open) != 0 || err != nil {
		t.Errorf("none: %v, %v", open, err)
	}
	if open, err := ParseOpenMRs("3, !5  8,"); err == nil {
		t.Errorf("a trailing comma: %v", open)
	}
	open, err := ParseOpenMRs(" 3, !5  8 ")
	if want := map[string]bool{"3": true, "5": true, "8": true}; err != nil || !maps.Equal(open, want) {
		t.Errorf("list: %v, %v", open, err)
	}
	_, err = ParseOpenMRs("   ")
	refused(t, "spaces", err, `--open-mrs: merge request ""`)
	_, err = ParseOpenMRs("3 x")
	refused(t, "not an IID", err, `--open-mrs: merge request "x"`)
}

// TestDeployAskCheck: the checks in their order (where the app goes, the
// config's names, then --config-var, then the deploy's own), before any
// request.
func TestDeployAskCheck(t *testing.T) {
	ok := DeployAsk{Prefix: "shop", MR: "7", Source: deploy.Source{Dir: t.TempDir()}}
	vars := func() (map[string]string, error) { return map[string]string{"A": "b"}, nil }
	cfg, err := ok.Check(vars)
	if err != nil || cfg.Deploy.App != "shop-mr-7" || cfg.Why != "merge request !7" || cfg.Deploy.ConfigVars["A"] != "b" {
		t.Fatalf("got %+v, %v", cfg, err)
	}
	withApp := ok
	withApp.App = "my-app"
	if cfg, err := withApp.Check(vars); err != nil || cfg.Deploy.App != "my-app" || cfg.Why != "--app" {
		t.Errorf("--app: %+v, %v", cfg, err)
	}
	for _, tc := range []struct {
		name string
		edit func(*DeployAsk)
		msg  string
	}{
		{"name", func(a *DeployAsk) { a.Prefix = "" }, "--name is required"},
		{"team", func(a *DeployAsk) { a.Team = "My Team" }, `--team "My Team": want a Heroku name`},
		{"space", func(a *DeployAsk) { a.Space = "S" }, `--space "S": want a Heroku name`},
		{"pipeline", func(a *DeployAsk) { a.Pipeline = "p_1" }, `--pipeline "p_1": want a Heroku name`},
		{"region", func(a *DeployAsk) { a.Region = "EU" }, `--region "EU": want a Heroku region name`},
		{"region and space", func(a *DeployAsk) { a.Region, a.Space = "eu", "my-space" }, "--region and --space together"},
		{"config-from", func(a *DeployAsk) { a.ConfigFrom = "X" }, `--config-from "X": not a Heroku app name`},
		{"config-from itself", func(a *DeployAsk) { a.ConfigFrom = "shop-mr-7" }, "--config-from shop-mr-7 is the review app itself"},
		{"config-skip alone", func(a *DeployAsk) { a.ConfigSkip = []string{"A"} }, "--config-skip without --config-from"},
		{"config-skip name", func(a *DeployAsk) { a.ConfigFrom, a.ConfigSkip = "shop-staging", []string{"A-B"} }, `--config-skip: "A-B" is not a config var name`},
		{"the source", func(a *DeployAsk) { a.Source.Version = "a\nb" }, "--source-version must be one line"},
	} {
		ask := ok
		tc.edit(&ask)
		called := false
		_, err := ask.Check(func() (map[string]string, error) { called = true; return nil, nil })
		refused(t, tc.name, err, tc.msg)
		if called != (tc.name == "the source") {
			t.Errorf("%s: --config-var read: %v", tc.name, called)
		}
	}
	// --config-var's error comes before the deploy's own checks.
	bad := ok
	bad.Source.Version = "a\nb"
	if _, err := bad.Check(func() (map[string]string, error) { return nil, outcome.Input("--config-var: X") }); err == nil || err.Error() != "--config-var: X" {
		t.Errorf("--config-var first: %v", err)
	}
}
