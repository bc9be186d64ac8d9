package componenttest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
