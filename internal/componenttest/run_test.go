package componenttest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestRunComponent runs templates/run.yml in gitlab-ci-local against the
// simulator: the job's outcome is the command's exit status, and a $ in
// the command is the dyno's shell's to expand (expand: false), not the
// runner's.
func TestRunComponent(t *testing.T) {
	p := newProject(t)
	ca, err := p.sim.RendezvousCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		command string
		pass    bool
		want    []string
	}{
		{`echo "migrating on $DYNO"; exit 3`, false, []string{"migrating on run.1", "the command exited with status 3 (dyno run.1)", "FAIL  heroku-migrate:my-app-production"}},
		{`echo "seeded on $DYNO"`, true, []string{"seeded on run.2", "==> Exited with status 0 (dyno run.2)", "PASS  heroku-migrate:my-app-production"}},
	} {
		p.pipeline(`
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/run@{{SHA}}
    inputs:
      app: my-app-production
      name: migrate
      command: '` + strings.ReplaceAll(tc.command, "'", "''") + `'
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
`)
		out, err := p.gcl("--variable", "HEROKU_DEPLOY_RENDEZVOUS_CA="+caFile)
		if (err == nil) != tc.pass {
			t.Errorf("%s: pipeline error %v, want pass=%v\n%s", tc.command, err, tc.pass, out)
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.command, w, out)
			}
		}
	}
}

// TestRunEnvironment: the run job accesses its environment (action:
// access), so an environment-scoped key reaches it (gitlab-ci-local
// resolves scoped variables from .gitlab-ci-local-variables.yml by the
// job's environment name, as GitLab does by the environment's scope); a
// deployment_tier merged into the job, as docs/run.md shows, joins the
// component's environment by GitLab's rules.
func TestRunEnvironment(t *testing.T) {
	sec := testenv.Section(t, testenv.ReadFile(t, "docs/run.md"), "## The environment")
	m := yamlFenceRE.FindStringSubmatch(sec)
	if m == nil {
		t.Fatal("docs/run.md's The environment has no YAML example")
	}
	p, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, m[1])
	if len(errs) > 0 {
		t.Fatalf("GitLab would reject docs/run.md's example:%s", joinErrors(errs))
	}
	for job, want := range map[string]string{
		"heroku-migrate:shop-eu": "map[action:access deployment_tier:production name:customer-portal]",
		"heroku-deploy:shop-eu":  "map[name:customer-portal url:$HEROKU_APP_URL]",
	} {
		j := p.Sub(job)
		if j == nil {
			t.Fatalf("no job %s in %v", job, gitlabci.Jobs(p))
		}
		if got := fmt.Sprint(gitlabci.ToJSONValue(j.Vals["environment"])); got != want {
			t.Errorf("%s: environment = %s, want %s", job, got, want)
		}
	}

	proj := newProject(t)
	ca, err := proj.sim.RendezvousCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	// One HEROKU_API_KEY per environment: production's owns the app,
	// staging's does not.
	scoped := "HEROKU_API_KEY:\n  type: variable\n  values:\n    production: " + herokusim.DefaultKey + "\n    staging: " + stagingKey + "\n"
	if err := os.WriteFile(filepath.Join(proj.dir, ".gitlab-ci-local-variables.yml"), []byte(scoped), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		environment string
		pass        bool
		want        string
	}{
		{"production", true, "==> Exited with status 0"},
		{"staging", false, "heroku-deploy: error: "},
	} {
		proj.pipeline(`
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/run@{{SHA}}
    inputs:
      app: my-app-production
      name: migrate
      command: echo migrated
      branch: main
      environment: ` + tc.environment + `
`)
		out, err := proj.gcl("--variable", "HEROKU_DEPLOY_RENDEZVOUS_CA="+caFile)
		if (err == nil) != tc.pass || !strings.Contains(out, tc.want) {
			t.Errorf("environment %s: pipeline error %v, want pass=%v and %q:\n%s", tc.environment, err, tc.pass, tc.want, out)
		}
	}
}
