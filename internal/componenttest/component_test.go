// Package componenttest checks the CI/CD components in templates/ the way
// GitLab would: a renderer that follows GitLab 17.0's interpolation rules,
// GitLab's CI JSON schema and the job-level rules it misses, the docs'
// examples and tables, the project pipeline and the release procedure. It
// also runs consumer pipelines with gitlab-ci-local (shell executor), the
// freshly built heroku-deploy on PATH and the Heroku simulator on
// loopback; those pipelines are rendered by the GitLab-faithful renderer
// first, so a pipeline gitlab-ci-local runs is one GitLab accepts.
package componenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

const stagingKey = "HRKU-staging-7e6d5c4b-SECRET-0000"

// tagsMinItems is the schema rule GitLab does not apply (allowEmptyTags).
const tagsMinItems = "#/definitions/tags/minItems"

type project struct {
	t   *testing.T
	dir string
	bin string
	sha string
	sim *herokusim.Server
	// vars are project or group variables: expand_vars sees them when the
	// pipeline is created.
	vars map[string]string
}

func run(t *testing.T, dir string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// newProject makes a git repository that is the component project itself
// (gitlab-ci-local resolves a local component from the repository's own
// remote and commit), with the sample apps, on branch main.
func newProject(t *testing.T) *project {
	testenv.Need(t, "gitlab-ci-local", "rsync", "git", "go")
	root, _ := filepath.Abs("../..")
	p := &project{t: t, dir: t.TempDir(), bin: t.TempDir()}
	run(t, root, "go", "build", "-o", p.bin, "./cmd/heroku-deploy")
	if err := os.CopyFS(filepath.Join(p.dir, "templates"), os.DirFS(filepath.Join(root, "templates"))); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(p.dir, "apps"), os.DirFS(filepath.Join(root, "testdata/apps"))); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(p.dir, "apps/static"), 0o755)
	os.WriteFile(filepath.Join(p.dir, "apps/static/index.html"), []byte("<h1>no language</h1>\n"), 0o644)
	run(t, p.dir, "git", "init", "-q", "-b", "main")
	run(t, p.dir, "git", "remote", "add", "origin", "https://gitlab.example.com/heroku-deploy/heroku.git")
	run(t, p.dir, "git", "add", "-A")
	run(t, p.dir, "git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-qm", "component")
	p.sha = run(t, p.dir, "git", "rev-parse", "HEAD")

	sim, err := herokusim.Start(herokusim.Options{
		Keys: []string{herokusim.DefaultKey, stagingKey},
		Apps: []string{"my-app-production:user1", "my-app-staging:user2", "broken-app:user1",
			"flow-staging:user1,pipeline=flow/staging", "flow-production:user1,pipeline=flow/production",
			"box-staging:user1,container,pipeline=box/staging", "box-production:user1,container,pipeline=box/production"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	p.sim = sim
	return p
}

// pipeline writes the consumer's .gitlab-ci.yml; {{SHA}} is the component's
// commit. gitlab-ci-local would interpolate the component includes its own
// way (lists flattened to `a,b`, no functions, no header checks), so the
// pipeline written is the GitLab-faithful rendering: includes resolved and
// merged, checked against GitLab's schema and job rules.
func (p *project) pipeline(yml string) {
	p.t.Helper()
	yml = strings.ReplaceAll(yml, "{{SHA}}", p.sha)
	vars := includeVars("main")
	vars["CI_COMMIT_SHA"] = p.sha
	for k, v := range p.vars {
		vars[k] = v
	}
	rendered, errs := consumerPipeline(p.t, &assembler{vars: vars}, yml)
	if len(errs) > 0 {
		p.t.Fatalf("GitLab would reject the pipeline:%s\n%s", joinErrors(errs), yml)
	}
	p.rawPipeline(string(gitlabci.DumpYAML(rendered)))
}

// rawPipeline writes .gitlab-ci.yml as is, for gitlab-ci-local's own
// include handling.
func (p *project) rawPipeline(yml string) {
	yml = strings.ReplaceAll(yml, "{{SHA}}", p.sha)
	if err := os.WriteFile(filepath.Join(p.dir, ".gitlab-ci.yml"), []byte(yml), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// gcl runs gitlab-ci-local with the keys as masked-variable stand-ins.
func (p *project) gcl(args ...string) (string, error) {
	base := []string{
		"--force-shell-executor",
		// GitLab accepts tags: [] (see allowEmptyTags); the schema that
		// gitlab-ci-local checks asks for one item.
		"--ignore-schema-paths", tagsMinItems,
		"--variable", "HEROKU_PRODUCTION_KEY=" + herokusim.DefaultKey,
		"--variable", "HEROKU_STAGING_KEY=" + stagingKey,
		"--variable", "HEROKU_API_URL=" + p.sim.URL,
		"--variable", "HEROKU_DEPLOY_POLL_INTERVAL=20ms",
		"--variable", "HEROKU_DEPLOY_RETRY_WAIT=5ms",
		// Were the exclude list expanded, "$LITERAL" would become "app.py".
		"--variable", "LITERAL=app.py",
	}
	for _, kv := range p.sim.RegistryEnv() { // Heroku's registry and the project's
		base = append(base, "--variable", kv)
	}
	cmd := exec.Command("gitlab-ci-local", append(base, args...)...)
	cmd.Dir = p.dir
	cmd.Env = append(os.Environ(), "PATH="+p.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	s := string(out)
	for _, secret := range append(p.sim.Secrets(), stagingKey) {
		if strings.Contains(s, secret) {
			p.t.Errorf("pipeline output contains a secret (%.12s…)", secret)
		}
	}
	return s, err
}

// dotenv reads the dotenv report of job <prefix>:<app>, where
// gitlab-ci-local keeps it (the job's name, its colon escaped, then
// .gitlab-ci-reports/dotenv/).
func (p *project) dotenv(prefix, app string) []byte {
	p.t.Helper()
	found, _ := filepath.Glob(filepath.Join(p.dir, ".gitlab-ci-local/artifacts", prefix+"*"+app, ".gitlab-ci-reports/dotenv/heroku-deploy.env"))
	if len(found) != 1 {
		p.t.Fatalf("the dotenv report of %s:%s: found %q", prefix, app, found)
	}
	b, err := os.ReadFile(found[0])
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// annotations reads the annotations report the last job wrote:
// heroku-deploy.annotations.json in the directory it ran in, the
// project's (the shell executor). gitlab-ci-local keeps no copy of a
// report but the dotenv one.
func (p *project) annotations() string {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, "heroku-deploy.annotations.json"))
	if err != nil {
		p.t.Fatalf("the annotations report: %v", err)
	}
	return string(b)
}

func (p *project) checkout(branch string) {
	run(p.t, p.dir, "git", "checkout", "-q", "-B", branch)
}

// The two-environment flow: tests gate the deploys; dev deploys staging with
// its key, main deploys production with another.
const twoEnvironments = `
stages: [test, deploy]
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: my-app-production
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
      dir: apps/node-express
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: my-app-staging
      api_key_variable: HEROKU_STAGING_KEY
      branch: dev
      environment: staging
      dir: apps/python-flask
      buildpacks: ["https://buildpacks.example.com/a,b/extra.tgz", heroku/python]
      exclude: ["*.md", "docs with space/", "$LITERAL", 'say "cheese".txt']
unit-tests:
  stage: test
  script: [echo tests pass]
`

func TestTwoEnvironments(t *testing.T) {
	p := newProject(t)
	p.pipeline(twoEnvironments)
	// Files the staging excludes must keep out: the patterns reach the
	// binary as GitLab renders them (Array#inspect), $ and quotes included.
	flask := filepath.Join(p.dir, "apps/python-flask")
	for _, f := range []string{"notes.md", "docs with space/a.txt", "$LITERAL", `say "cheese".txt`, "keep.txt"} {
		os.MkdirAll(filepath.Dir(filepath.Join(flask, f)), 0o755)
		os.WriteFile(filepath.Join(flask, f), []byte("x\n"), 0o644)
	}

	out, err := p.gcl("--list")
	if err != nil {
		t.Fatalf("list on main: %v\n%s", err, out)
	}
	if !strings.Contains(out, "heroku-deploy:my-app-production") || strings.Contains(out, "heroku-deploy:my-app-staging") {
		t.Fatalf("on main, want only the production deploy job:\n%s", out)
	}
	out, err = p.gcl()
	if err != nil {
		t.Fatalf("pipeline on main failed: %v\n%s", err, out)
	}
	for _, want := range []string{"Node.js app detected", "==> Deployed my-app-production: release v3", "PASS  heroku-deploy:my-app-production"} {
		if !strings.Contains(out, want) {
			t.Errorf("main pipeline output lacks %q:\n%s", want, out)
		}
	}
	if n := p.sim.BuildCount("my-app-production"); n != 1 {
		t.Errorf("production builds: %d, want 1", n)
	}
	if dotenv := p.dotenv("heroku-deploy", "my-app-production"); !regexp.MustCompile(`(?m)^HEROKU_APP_URL=https://my-app-production-[0-9a-f]{12}\.herokuapp\.com/$`).Match(dotenv) {
		t.Errorf("dotenv report: %s", dotenv)
	}
	// The annotations report the job declares: links to the app, its build
	// and release on Heroku's dashboard.
	if a := p.annotations(); !strings.Contains(a, `{"external_link": {"label": "my-app-production: release v3", "url": "https://dashboard.heroku.com/apps/my-app-production/activity/releases/`) {
		t.Errorf("annotations report:\n%s", a)
	}

	p.checkout("dev")
	out, err = p.gcl("--list")
	if err != nil || strings.Contains(out, "heroku-deploy:my-app-production") || !strings.Contains(out, "heroku-deploy:my-app-staging") {
		t.Fatalf("on dev, want only the staging deploy job: %v\n%s", err, out)
	}
	out, err = p.gcl()
	if err != nil {
		t.Fatalf("pipeline on dev failed: %v\n%s", err, out)
	}
	for _, want := range []string{"-----> Using buildpack: https://buildpacks.example.com/a,b/extra.tgz",
		"-----> Using buildpack: heroku/python", "==> Deployed my-app-staging"} {
		if !strings.Contains(out, want) {
			t.Errorf("dev pipeline output lacks %q:\n%s", want, out)
		}
	}
	entries, err := p.sim.SourceEntries("my-app-staging")
	if err != nil {
		t.Fatal(err)
	}
	listing := strings.Join(entries, "\n")
	for _, f := range []string{"notes.md", "docs with space/", "$LITERAL", `say "cheese".txt`} {
		if strings.Contains(listing, " "+f) {
			t.Errorf("excluded %q was uploaded:\n%s", f, listing)
		}
	}
	if !strings.Contains(listing, " keep.txt") || !strings.Contains(listing, " app.py") {
		t.Errorf("upload lacks keep.txt or app.py:\n%s", listing)
	}
	if a, b := p.sim.BuildCount("my-app-production"), p.sim.BuildCount("my-app-staging"); a != 1 || b != 1 {
		t.Errorf("builds: production %d staging %d, want 1 and 1", a, b)
	}
}

// The build-once flow (issue 12): main deploys staging automatically once
// the tests pass; production is a manual promote of staging's release.
const buildOnce = `
stages: [test, staging, production]
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: flow-staging
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
      stage: staging
      environment: staging
      dir: apps/python-flask
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/promote@{{SHA}}
    inputs:
      from: flow-staging
      to: flow-production
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
      stage: production
unit-tests:
  stage: test
  script: [echo tests pass]
`

func TestStagingThenManualPromote(t *testing.T) {
	p := newProject(t)
	p.pipeline(buildOnce)
	out, err := p.gcl()
	if err != nil {
		t.Fatalf("pipeline on main failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, "==> Deployed flow-staging: release v3") {
		t.Errorf("staging was not deployed:\n%s", out)
	}
	if strings.Contains(out, "Promoting") {
		t.Errorf("the manual promote ran without a click:\n%s", out)
	}
	// Pressing play: gitlab-ci-local runs the pipeline again with the
	// manual job. The deploy job, the same commit again, releases the
	// build it made (no second build); the promote ships that slug.
	out, err = p.gcl("--manual", "heroku-promote:flow-production")
	if err != nil {
		t.Fatalf("pipeline with the promote failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"==> Reusing build b0000000-0000-4000-8000-", "==> Promoting flow-staging v",
		"[flow-production] Release tasks complete", "==> Promoted flow-staging to flow-production: release v3",
		"PASS  heroku-promote:flow-production",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if a, b := p.sim.BuildCount("flow-staging"), p.sim.BuildCount("flow-production"); a != 1 || b != 0 {
		t.Errorf("builds: staging %d production %d, want 1 and 0", a, b)
	}
	if dotenv := p.dotenv("heroku-promote", "flow-production"); !regexp.MustCompile(`(?m)^HEROKU_APP_URL=https://flow-production-[0-9a-f]{12}\.herokuapp\.com/$`).Match(dotenv) {
		t.Errorf("dotenv report: %s", dotenv)
	}
}

func TestFailedBuildFailsPipeline(t *testing.T) {
	p := newProject(t)
	p.pipeline(`
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: broken-app
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
      dir: apps/static
`)
	out, err := p.gcl()
	if err == nil {
		t.Fatalf("pipeline passed with a failing build:\n%s", out)
	}
	if !strings.Contains(out, "No default language could be detected") || !strings.Contains(out, "heroku-deploy: error: build") {
		t.Errorf("output lacks the build log and the error:\n%s", out)
	}
	// The failed job links to the failed build's page, which holds its log.
	if a := p.annotations(); !strings.Contains(a, `{"external_link": {"label": "broken-app: build b0000000 (failed)", "url": "https://dashboard.heroku.com/apps/broken-app/activity/builds/b0000000-`) {
		t.Errorf("annotations report:\n%s", a)
	}
}

// TestInvalidInputsRejected: bad inputs stop the pipeline before any job
// runs, with an error naming the input, by GitLab's rules (the renderer)
// and in gitlab-ci-local's own include handling.
func TestInvalidInputsRejected(t *testing.T) {
	p := newProject(t)
	cases := map[string]string{
		"app: Bad_Name": "app",
		"app: my-app\n      api_key_variable: HRKU-pasted-key": "api_key_variable",
		"app: my-app\n      buildpacks: heroku/nodejs":         "buildpacks",
		"app: my-app\n      timeout: soon":                     "timeout",
		"app: my-app\n      when: always":                      "when",
	}
	for inputs, name := range cases {
		yml := "include:\n  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}\n    inputs:\n      " + inputs + "\n"
		_, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, strings.ReplaceAll(yml, "{{SHA}}", p.sha))
		if got := joinErrors(errs); !strings.Contains(got, "`"+name+"` input") {
			t.Errorf("inputs %q: GitLab's rules give %q, want an error naming the %s input", inputs, got, name)
		}
		p.rawPipeline(yml)
		out, err := p.gcl("--list")
		if err == nil {
			t.Errorf("inputs %q accepted by gitlab-ci-local:\n%s", inputs, out)
			continue
		}
		if !strings.Contains(out, "`"+name+"` input") {
			t.Errorf("inputs %q: gitlab-ci-local's error does not name the %s input:\n%s", inputs, name, out)
		}
	}
	// Errors gitlab-ci-local misses and GitLab does not.
	for inputs, want := range map[string]string{
		"app: my-app\n      nope: 1": "unknown input arguments: nope",
	} {
		yml := "include:\n  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@" + p.sha + "\n    inputs:\n      " + inputs + "\n"
		_, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, yml)
		if got := joinErrors(errs); !strings.Contains(got, want) {
			t.Errorf("inputs %q: got %q, want %q", inputs, got, want)
		}
	}
}

// TestGitlabCILocalSchemaCheck: gitlab-ci-local validates a plain pipeline
// with GitLab's schema, so the runs above refuse what the schema refuses
// (here `when: sometimes`). But it turns variables into strings before it
// validates, so an array job variable, issue 9's bug, passes it; GitLab
// refuses it. That is why every pipeline is also validated here, in Go,
// before gitlab-ci-local sees it.
func TestGitlabCILocalSchemaCheck(t *testing.T) {
	testenv.Need(t, "gitlab-ci-local", "rsync", "git")
	dir := emptyProject(t)
	for _, tc := range []struct {
		job             string
		gclOK, gitlabOK bool
	}{
		{"  when: sometimes\n", false, false},
		{"  variables:\n    HEROKU_DEPLOY_BUILDPACKS: [\"heroku/nodejs\"]\n", true, false},
		{"  variables:\n    HEROKU_DEPLOY_BUILDPACKS: {value: \"[\\\"heroku/nodejs\\\"]\\n\", expand: false}\n", true, true},
	} {
		yml := "job:\n  script: [echo]\n" + tc.job
		os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), []byte(yml), 0o644)
		cmd := exec.Command("gitlab-ci-local", "--list")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if (err == nil) != tc.gclOK {
			t.Errorf("gitlab-ci-local on\n%s: %v, want ok=%v\n%s", yml, err, tc.gclOK, out)
		}
		if !tc.gclOK && !strings.Contains(string(out), "Invalid .gitlab-ci.yml configuration") {
			t.Errorf("gitlab-ci-local did not report a schema error:\n%s", out)
		}
		v, err := gitlabci.LoadOne([]byte(yml))
		if err != nil {
			t.Fatal(err)
		}
		if errs := validatePipeline(t, v.(*gitlabci.Map), nil); (len(errs) == 0) != tc.gitlabOK {
			t.Errorf("GitLab's rules on\n%s: %s, want ok=%v", yml, joinErrors(errs), tc.gitlabOK)
		}
	}
}

// emptyProject is a git repository with the project's remote and one empty
// commit: what gitlab-ci-local needs to run a .gitlab-ci.yml written into it.
func emptyProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "remote", "add", "origin", "https://gitlab.example.com/heroku-deploy/heroku.git")
	run(t, dir, "git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "--allow-empty", "-m", "project")
	return dir
}
