package componenttest

import (
	"fmt"
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

// Issue 21: the pipelines people have. dpl's jobs with only the image
// changed, the app's name and the key's variable written as $VARIABLE,
// runner tags, and keys added to a component's job by a job of the same
// name; all by GitLab's rules, the jobs also under gitlab-ci-local.

const migrationDoc = "docs/migrating-from-dpl.md"

// docBlocks returns the YAML examples of the migration guide.
func docBlocks(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range yamlFenceRE.FindAllStringSubmatch(testenv.ReadFile(t, migrationDoc), -1) {
		out = append(out, m[1])
	}
	if len(out) == 0 {
		t.Fatalf("%s has no YAML example", migrationDoc)
	}
	return out
}

// TestMigrationDocExamplesRender: every YAML example of the guide, the dpl
// jobs as they were included, is a pipeline GitLab accepts.
func TestMigrationDocExamplesRender(t *testing.T) {
	for i, src := range docBlocks(t) {
		a := &assembler{vars: includeVars("main")}
		if _, errs := consumerPipeline(t, a, src); len(errs) > 0 {
			t.Errorf("%s example %d:\n%s\nGitLab would reject it:%s", migrationDoc, i+1, src, joinErrors(errs))
		}
	}
}

// imageRE is the guide's heroku-deploy image line.
var imageRE = regexp.MustCompile(`(?m)^  image: registry\.gitlab\.com/heroku-deploy/heroku/heroku-deploy:[0-9.]+\n`)

// onImage returns the guide's dpl jobs on heroku-deploy's image, having
// checked that the first two are GitLab's two recipes above them with only
// the image changed.
func onImage(t *testing.T) []string {
	t.Helper()
	var seeds, jobs []string
	for _, b := range docBlocks(t) {
		switch {
		case !strings.Contains(b, "dpl "):
		case imageRE.MatchString(b):
			jobs = append(jobs, b)
		case strings.Contains(b, "gem install dpl"):
			seeds = append(seeds, b)
		}
	}
	if len(seeds) != 2 || len(jobs) < 3 {
		t.Fatalf("%s: %d recipes and %d jobs on the image; want GitLab's 2 recipes, then them and dpl v2's line on the image", migrationDoc, len(seeds), len(jobs))
	}
	withoutImage := regexp.MustCompile(`(?m)^  image: .*\n`)
	for i, seed := range seeds {
		if a, b := withoutImage.ReplaceAllString(seed, ""), withoutImage.ReplaceAllString(jobs[i], ""); a != b {
			t.Errorf("%s: job %d on the image is not recipe %d with only image: changed:\n%s\nrecipe:\n%s", migrationDoc, i+1, i+1, jobs[i], seed)
		}
	}
	return jobs
}

// dplProject is a git repository holding a Node.js app at its root, as a
// project deploying with dpl does, and a directory with heroku-deploy
// built and linked as dpl and gem, as the image has them.
func dplProject(t *testing.T) (dir, bin string) {
	testenv.Need(t, "gitlab-ci-local", "rsync", "git", "go")
	root, _ := filepath.Abs("../..")
	dir, bin = t.TempDir(), t.TempDir()
	run(t, root, "go", "build", "-o", bin, "./cmd/heroku-deploy")
	for _, name := range []string{"dpl", "gem"} {
		if err := os.Symlink("heroku-deploy", filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "testdata/apps/node-express"))); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "git", "init", "-q", "-b", "main")
	run(t, dir, "git", "remote", "add", "origin", "https://gitlab.example.com/shop/web.git")
	run(t, dir, "git", "add", "-A")
	run(t, dir, "git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-qm", "app")
	return dir, bin
}

// TestDplJobsOnTheImage runs the guide's dpl jobs on heroku-deploy's image
// (GitLab's two recipes with only image: changed, and dpl v2's line) under
// gitlab-ci-local against the simulator, with the recipes' variables: each
// deploys with one build, says how to move to the component, and never
// prints the key.
func TestDplJobsOnTheImage(t *testing.T) {
	jobs := onImage(t)
	dir, bin := dplProject(t)
	for i, job := range jobs {
		t.Run(fmt.Sprint(i+1), func(t *testing.T) {
			sim, err := herokusim.Start(herokusim.Options{
				Keys: []string{herokusim.DefaultKey, stagingKey},
				Apps: []string{"my-app-production:user1", "my-app-staging:user2"},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Close()
			rendered, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, job)
			if len(errs) > 0 {
				t.Fatalf("GitLab would reject it:%s", joinErrors(errs))
			}
			os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), gitlabci.DumpYAML(rendered), 0o644)
			cmd := exec.Command("gitlab-ci-local", "--force-shell-executor",
				"--variable", "HEROKU_APP_NAME=my-app-production",
				"--variable", "HEROKU_PRODUCTION_KEY="+herokusim.DefaultKey,
				"--variable", "HEROKU_STAGING_APP=my-app-staging",
				"--variable", "HEROKU_STAGING_API_KEY="+stagingKey,
				"--variable", "HEROKU_API_URL="+sim.URL,
				"--variable", "HEROKU_DEPLOY_POLL_INTERVAL=20ms",
				"--variable", "HEROKU_DEPLOY_RETRY_WAIT=5ms")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			b, err := cmd.CombinedOutput()
			out := string(b)
			if err != nil {
				t.Fatalf("pipeline failed: %v\n%s", err, out)
			}
			app, keyVar := "my-app-staging", "HEROKU_STAGING_API_KEY"
			if strings.Contains(job, "$HEROKU_APP_NAME ") {
				app, keyVar = "my-app-production", "HEROKU_PRODUCTION_KEY"
			}
			for _, want := range []string{"Node.js app detected", "==> Deployed " + app + ": release v3",
				"heroku-deploy: hint: this is heroku-deploy answering as dpl; to move to its component",
				", api_key_variable: " + keyVar + ", branch: main (", "PASS "} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if strings.Contains(job, "gem install dpl") && !strings.Contains(out, "gem install dpl: nothing to install") {
				t.Errorf("gem install dpl said nothing:\n%s", out)
			}
			if n := sim.BuildCount(app); n != 1 {
				t.Errorf("%s: %d builds, want 1", app, n)
			}
			for _, secret := range append(sim.Secrets(), stagingKey) {
				if strings.Contains(out, secret) {
					t.Errorf("the output holds a secret (%.12s…)", secret)
				}
			}
		})
	}
}

// TestInputsTakeVariables: app is a name or one $VARIABLE, expanded when
// the pipeline is created (the job, its resource group and HEROKU_DEPLOY_APP
// get the value; a variable unknown then stays as written; a masked one
// stops the pipeline, as GitLab's expand_vars does); api_key_variable is a
// NAME or $NAME, passed unexpanded (expand: false), never the key.
func TestInputsTakeVariables(t *testing.T) {
	for _, tc := range []struct {
		component, job string
		inputs         string
		appVar         string // the job variable that carries the app
	}{
		{"deploy", "heroku-deploy:", "app: $HEROKU_APP_NAME_STAGING\n      api_key_variable: $HEROKU_STAGING_API_KEY", "HEROKU_DEPLOY_APP"},
		{"run", "heroku-run:", "app: ${HEROKU_APP_NAME_STAGING}\n      command: rake db:migrate\n      api_key_variable: ${HEROKU_STAGING_API_KEY}", "HEROKU_DEPLOY_APP"},
		// promote's target names the job and the group; its source is
		// expanded too (checked below).
		{"promote", "heroku-promote:", "from: $HEROKU_APP_NAME_DEV\n      to: $HEROKU_APP_NAME_STAGING\n      api_key_variable: $HEROKU_STAGING_API_KEY", "HEROKU_DEPLOY_TO"},
	} {
		yml := "include:\n  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/" + tc.component + "@1.0.0\n    inputs:\n      " + tc.inputs + "\n"
		for _, known := range []bool{true, false} {
			vars := includeVars("main")
			app := "$HEROKU_APP_NAME_STAGING"
			if strings.Contains(tc.inputs, "${") {
				app = "${HEROKU_APP_NAME_STAGING}"
			}
			if known {
				vars["HEROKU_APP_NAME_STAGING"], app = "my-app-staging", "my-app-staging"
				vars["HEROKU_APP_NAME_DEV"] = "my-app-dev"
			}
			p, errs := consumerPipeline(t, &assembler{vars: vars}, yml)
			if len(errs) > 0 {
				t.Fatalf("%s (variable known: %v): GitLab would reject it:%s", tc.component, known, joinErrors(errs))
			}
			job := p.Sub(tc.job + app)
			if job == nil {
				t.Fatalf("%s (variable known: %v): no job %s%s in %v", tc.component, known, tc.job, app, gitlabci.Jobs(p))
			}
			if got := job.Sub("variables").Str(tc.appVar); got != app {
				t.Errorf("%s: %s = %q, want %q", tc.component, tc.appVar, got, app)
			}
			if from := job.Sub("variables").Str("HEROKU_DEPLOY_FROM"); tc.component == "promote" && known && from != "my-app-dev" {
				t.Errorf("promote: HEROKU_DEPLOY_FROM = %q, want my-app-dev (expanded)", from)
			}
			if got := job.Str("resource_group"); got != "heroku-"+app {
				t.Errorf("%s: resource_group %q, want heroku-%s", tc.component, got, app)
			}
			key := job.Sub("variables").Sub("HEROKU_DEPLOY_API_KEY_VARIABLE")
			if key == nil || !strings.HasPrefix(key.Str("value"), "$") || key.Vals["expand"] != false {
				t.Errorf("%s: the key's variable is passed as %v; want the reference as written, expand: false", tc.component, job.Sub("variables").Vals["HEROKU_DEPLOY_API_KEY_VARIABLE"])
			}
		}
		// A masked variable cannot be expanded at pipeline creation.
		c := loadComponent(t, tc.component)
		args, _ := gitlabci.LoadOne([]byte(strings.ReplaceAll(tc.inputs, "\n      ", "\n")))
		vars := includeVars("main")
		vars["HEROKU_APP_NAME_STAGING"] = "my-app-staging"
		_, err := c.Render(args.(*gitlabci.Map), gitlabci.RenderOptions{Vars: vars, Masked: map[string]bool{"HEROKU_APP_NAME_STAGING": true}})
		if err == nil || !strings.Contains(err.Error(), "masked variables cannot be expanded") {
			t.Errorf("%s: a masked app variable: %v, want GitLab's refusal", tc.component, err)
		}
	}
	// What the inputs still refuse: two variables, a pasted key, a name
	// with a dollar inside.
	for _, inputs := range []string{
		"app: $A$B", "app: $1APP", "app: my-$APP", "app: my-app\n      api_key_variable: $HRKU-0f1e-SECRET",
		"app: my-app\n      api_key_variable: HEROKU_$KEY", "app: my-app\n      api_key_variable: ${KEY",
	} {
		yml := "include:\n  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@1.0.0\n    inputs:\n      " + inputs + "\n"
		_, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, yml)
		if !strings.Contains(joinErrors(errs), "does not match required RegEx pattern") && !strings.Contains(joinErrors(errs), "regex") {
			t.Errorf("inputs %q: %s; want the input's regex to refuse it", inputs, joinErrors(errs))
		}
	}
}

// TestTagsInput: every component takes tags; left empty, its jobs carry
// tags: [], which GitLab accepts (allowEmptyTags) though the CI schema
// asks for one item; given, they carry the list as a list.
func TestTagsInput(t *testing.T) {
	for _, name := range templateNames(t) {
		c := loadComponent(t, name)
		in, ok := c.Input("tags")
		if !ok || in.Type != "array" || !in.HasDefault || fmt.Sprint(in.Default) != "[]" {
			t.Errorf("%s: no tags input of type array, default []", name)
			continue
		}
		for _, tags := range []string{"", "[gitlab-heroku, docker]"} {
			inputs := gitlabci.DeepCopy(loadSamples(t, name).minimal).(*gitlabci.Map)
			want := "[]"
			if tags != "" {
				v, _ := gitlabci.LoadOne([]byte(tags))
				inputs.Set("tags", v)
				want = "[gitlab-heroku docker]"
			}
			p, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, consumerFor(name, c, inputs))
			if len(errs) > 0 {
				t.Fatalf("%s tags %q: GitLab would reject it:%s", name, tags, joinErrors(errs))
			}
			for _, job := range gitlabci.Jobs(p) {
				got, ok := p.Sub(job).Vals["tags"].([]any)
				if !ok || fmt.Sprint(got) != want {
					t.Errorf("%s: job %s has tags %#v, want the list %s", name, job, p.Sub(job).Vals["tags"], want)
				}
			}
		}
	}
	doc, _ := gitlabci.LoadOne([]byte("job:\n  script: [x]\n  tags: []\n"))
	if err := validateSchema(t, doc); err != nil {
		t.Errorf("tags: [] refused: %v", err)
	}
	doc, _ = gitlabci.LoadOne([]byte("job:\n  script: [x]\n  tags: [1, [a]]\n"))
	if err := validateSchema(t, doc); err == nil {
		t.Error("tags that are not strings accepted")
	}
}

// TestJobKeysMerge: keys the inputs do not cover go on a component's job
// through a job of the same name in the including file, which GitLab
// deep-merges into it (doc/ci/yaml/includes.md, "Merge method"): the
// example of docs/deploy.md gets needs, timeout, allow_failure and an
// environment's deployment_tier (merged into the component's environment,
// its name and url kept), and keeps the component's script, variables,
// rules and tags.
func TestJobKeysMerge(t *testing.T) {
	sec := testenv.Section(t, testenv.ReadFile(t, "docs/deploy.md"), "## Runner tags and other job keys")
	m := yamlFenceRE.FindStringSubmatch(sec)
	if m == nil {
		t.Fatal("docs/deploy.md's Runner tags and other job keys has no YAML example")
	}
	p, errs := consumerPipeline(t, &assembler{vars: includeVars("main")}, m[1])
	if len(errs) > 0 {
		t.Fatalf("GitLab would reject docs/deploy.md's example:%s", joinErrors(errs))
	}
	for job, want := range map[string]map[string]string{
		"heroku-deploy:my-app-staging": {"needs": "[unit-tests]", "timeout": "45m", "tags": "[gitlab-heroku]"},
		"heroku-promote:my-app-production": {"allow_failure": "map[exit_codes:[5]]", "tags": "[gitlab-heroku]",
			"environment": "map[deployment_tier:production name:customer-portal url:$HEROKU_APP_URL]"},
	} {
		j := p.Sub(job)
		if j == nil {
			t.Fatalf("no job %s in %v", job, gitlabci.Jobs(p))
		}
		for k, v := range want {
			if got := fmt.Sprint(gitlabci.ToJSONValue(j.Vals[k])); got != v {
				t.Errorf("%s: %s = %s, want %s", job, k, got, v)
			}
		}
		for _, kept := range []string{"script", "variables", "rules", "resource_group", "environment"} {
			if _, ok := j.Get(kept); !ok {
				t.Errorf("%s lost its %s in the merge", job, kept)
			}
		}
	}
	if n := len(gitlabci.Jobs(p)); n != 3 {
		t.Errorf("%d jobs, want 3 (the merge must not add jobs): %v", n, gitlabci.Jobs(p))
	}
}

// TestComponentWithVariableInputs deploys through the component with the
// app's name and the key's variable written as the dpl line had them
// ($HEROKU_APP_NAME_STAGING, $HEROKU_STAGING_API_KEY) and a runner tag,
// under gitlab-ci-local.
func TestComponentWithVariableInputs(t *testing.T) {
	p := newProject(t)
	p.vars = map[string]string{"HEROKU_APP_NAME_STAGING": "my-app-staging"}
	p.pipeline(`
stages: [test, deploy]
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: $HEROKU_APP_NAME_STAGING
      api_key_variable: $HEROKU_STAGING_API_KEY
      branch: main
      environment: staging
      dir: apps/node-express
      tags: [gitlab-heroku]
unit-tests:
  stage: test
  script: [echo tests pass]
`)
	out, err := p.gcl("--variable", "HEROKU_APP_NAME_STAGING=my-app-staging", "--variable", "HEROKU_STAGING_API_KEY="+stagingKey)
	if err != nil {
		t.Fatalf("pipeline failed: %v\n%s", err, out)
	}
	for _, want := range []string{"==> Deployed my-app-staging: release v3", "PASS  heroku-deploy:my-app-staging"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := p.sim.BuildCount("my-app-staging"); n != 1 {
		t.Errorf("%d builds, want 1", n)
	}
}
