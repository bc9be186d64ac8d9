package componenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// The project's own .gitlab-ci.yml, checked the way GitLab would create
// its branch, merge-request and tag pipelines: the component include at
// $CI_COMMIT_SHA is rendered by the GitLab-faithful renderer, the result
// must pass GitLab's schema and job rules, and the rules of every job are
// evaluated for each kind of pipeline.

// pipelineKind is the predefined variables of one kind of pipeline
// (doc/ci/variables/predefined_variables.md).
type pipelineKind struct {
	name string
	vars map[string]string
}

var pipelineKinds = []pipelineKind{
	{"branch main", map[string]string{"CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main", "CI_PIPELINE_SOURCE": "push"}},
	{"branch feature", map[string]string{"CI_COMMIT_BRANCH": "feature/x", "CI_COMMIT_REF_NAME": "feature/x", "CI_PIPELINE_SOURCE": "push"}},
	{"merge request", map[string]string{"CI_COMMIT_REF_NAME": "feature/x", "CI_PIPELINE_SOURCE": "merge_request_event",
		"CI_MERGE_REQUEST_IID": "7", "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/x"}},
	{"tag", map[string]string{"CI_COMMIT_TAG": "1.3.0", "CI_COMMIT_REF_NAME": "1.3.0", "CI_PIPELINE_SOURCE": "push"}},
}

// runtimeVars stand for variables jobs have when they run: the dotenv
// report of build-image among them.
var runtimeVars = map[string]string{
	"SELFTEST_IMAGE": "registry.example.com/heroku-deploy/heroku/heroku-deploy@sha256:" + strings.Repeat("ab", 32),
}

const selfTestJob = "heroku-deploy:heroku-deploy-selftest"

// projectPipeline renders .gitlab-ci.yml for a kind of pipeline (its
// variables reach expand_vars), or for a push to main when kind is nil.
func projectPipeline(t *testing.T, kind map[string]string) *gitlabci.Map {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, ".gitlab-ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if kind == nil {
		kind = pipelineKinds[0].vars
	}
	vars := includeVars(kind["CI_COMMIT_REF_NAME"])
	for _, m := range []map[string]string{kind, runtimeVars} {
		for k, v := range m {
			vars[k] = v
		}
	}
	p, errs := consumerPipeline(t, &assembler{vars: vars}, string(src))
	if len(errs) > 0 {
		t.Fatalf(".gitlab-ci.yml: GitLab would reject it:%s", joinErrors(errs))
	}
	return p
}

// created evaluates workflow:rules: is a pipeline created at all?
func created(t *testing.T, p *gitlabci.Map, vars map[string]string) bool {
	wf := p.Sub("workflow")
	if wf == nil {
		return true
	}
	return jobRuns(t, wf, vars)
}

// needsOf lists the jobs a job needs.
func needsOf(job *gitlabci.Map) []string {
	v, _ := job.Get("needs")
	list, _ := v.([]any)
	var out []string
	for _, n := range list {
		switch x := n.(type) {
		case string:
			out = append(out, x)
		case *gitlabci.Map:
			out = append(out, x.Str("job"))
		}
	}
	return out
}

// needsTransitively reports whether job a depends on job b through needs.
func needsTransitively(p *gitlabci.Map, a, b string) bool {
	seen := map[string]bool{}
	var walk func(j string) bool
	walk = func(j string) bool {
		if seen[j] {
			return false
		}
		seen[j] = true
		for _, n := range needsOf(p.Sub(j)) {
			if n == b || walk(n) {
				return true
			}
		}
		return false
	}
	return walk(a)
}

func scriptText(job *gitlabci.Map, key string) string {
	v, _ := job.Get(key)
	var parts []string
	eachString(v, func(s string) { parts = append(parts, s) })
	return strings.Join(parts, "\n")
}

func TestProjectPipelineKinds(t *testing.T) {
	var p *gitlabci.Map
	stageOf := func(job string) int {
		stages := gitlabci.Stages(p)
		s := p.Sub(job).Str("stage")
		if s == "" {
			s = "test"
		}
		for i, st := range stages {
			if st == s {
				return i
			}
		}
		return -1
	}
	for _, kind := range pipelineKinds {
		t.Run(kind.name, func(t *testing.T) {
			p = projectPipeline(t, kind.vars)
			if !created(t, p, kind.vars) {
				t.Fatal("workflow:rules create no pipeline")
			}
			var running []string
			for _, j := range gitlabci.Jobs(p) {
				if jobRuns(t, p.Sub(j), kind.vars) {
					running = append(running, j)
				}
			}
			tag := kind.vars["CI_COMMIT_TAG"] != ""
			for _, j := range []string{"test", "build-image", selfTestJob} {
				if !slices.Contains(running, j) {
					t.Errorf("%s does not run (jobs: %v)", j, running)
				}
			}
			for _, j := range []string{"check-release", "publish-image", "create-release"} {
				if slices.Contains(running, j) != tag {
					t.Errorf("%s runs=%v; want it in tag pipelines only", j, slices.Contains(running, j))
				}
			}
			// GitLab refuses a pipeline whose job needs a job that is not
			// in it, or one of a later stage.
			for _, j := range running {
				for _, n := range needsOf(p.Sub(j)) {
					if !slices.Contains(running, n) {
						t.Errorf("%s needs %s, which is not in this pipeline", j, n)
					} else if stageOf(n) > stageOf(j) {
						t.Errorf("%s needs %s of a later stage", j, n)
					}
				}
			}
			// Exactly one job builds the image, before the self-test.
			var builders []string
			for _, j := range running {
				if regexp.MustCompile(`\b(buildah|docker|podman|kaniko)\b.*\bbuild\b|/kaniko/executor`).MatchString(scriptText(p.Sub(j), "script")) {
					builders = append(builders, j)
				}
			}
			if len(builders) != 1 || !needsTransitively(p, selfTestJob, builders[0]) {
				t.Errorf("image builds by %v; want one build, needed by the self-test", builders)
			}
			if !tag {
				return
			}
			// A tag publishes only after its own checks and self-test.
			for _, j := range []string{"publish-image", "create-release"} {
				for _, dep := range []string{selfTestJob, "check-release"} {
					if !needsTransitively(p, j, dep) {
						t.Errorf("%s does not need %s", j, dep)
					}
				}
			}
			if !needsTransitively(p, "create-release", "publish-image") {
				t.Error("create-release does not need publish-image: a release could name a missing image")
			}
		})
	}
	p = projectPipeline(t, nil)
	if created(t, p, map[string]string{"CI_COMMIT_BRANCH": "feature/x", "CI_OPEN_MERGE_REQUESTS": "g/p!7", "CI_PIPELINE_SOURCE": "push"}) {
		t.Error("a branch with an open merge request gets a branch pipeline too (duplicate pipelines)")
	}
}

// TestProjectPipelinePublishesTheTestedImage: the image the tag publishes
// is the one its self-test ran, passed by digest from build-image through
// the self-test's dotenv report.
func TestProjectPipelinePublishesTheTestedImage(t *testing.T) {
	p := projectPipeline(t, nil)
	build := scriptText(p.Sub("build-image"), "script")
	if !strings.Contains(build, "--digestfile image.digest") || !strings.Contains(build, `SELFTEST_IMAGE=$IMAGE@$(cat image.digest)`) {
		t.Errorf("build-image does not report the digest it pushed as SELFTEST_IMAGE:\n%s", build)
	}
	if reports := p.Sub("build-image").Sub("artifacts").Sub("reports"); reports == nil || reports.Str("dotenv") != "build-image.env" {
		t.Error("build-image has no dotenv report build-image.env")
	}
	st := p.Sub(selfTestJob)
	if img := st.Sub("image"); img == nil || img.Str("name") != "$SELFTEST_IMAGE" {
		t.Errorf("the self-test runs image %v, not $SELFTEST_IMAGE", st.Vals["image"])
	}
	if !slices.Contains(needsOf(st), "build-image") {
		t.Error("the self-test does not need build-image (no SELFTEST_IMAGE)")
	}
	if after := scriptText(st, "after_script"); !strings.Contains(after, `echo "TESTED_IMAGE=$SELFTEST_IMAGE" >> heroku-deploy.env`) || !strings.Contains(after, "success") {
		t.Errorf("the self-test does not record the image it ran after success:\n%s", after)
	}
	if reports := st.Sub("artifacts").Sub("reports"); reports == nil || reports.Str("dotenv") != "heroku-deploy.env" {
		t.Error("the self-test's dotenv report is not heroku-deploy.env")
	}
	pub := p.Sub("publish-image")
	script := scriptText(pub, "script")
	if !strings.Contains(script, `"docker://$TESTED_IMAGE" "docker://$IMAGE:$CI_COMMIT_TAG"`) {
		t.Errorf("publish-image does not copy $TESTED_IMAGE to the version tag:\n%s", script)
	}
	needsSelfTestArtifacts := false
	v, _ := pub.Get("needs")
	list, _ := v.([]any)
	for _, n := range list {
		if m, ok := n.(*gitlabci.Map); ok && m.Str("job") == selfTestJob && m.Vals["artifacts"] != false {
			needsSelfTestArtifacts = true
		}
	}
	if !needsSelfTestArtifacts {
		t.Error("publish-image does not take the self-test's artifacts (its TESTED_IMAGE)")
	}
	check := scriptText(p.Sub("check-release"), "script")
	if !strings.Contains(check, `.ci/release --check "$CI_COMMIT_TAG"`) {
		t.Errorf("check-release does not run .ci/release --check:\n%s", check)
	}
}

// minVersions are the oldest images the release job may use: the release:
// keyword needs glab 1.58.0 or later on current GitLab
// (lib/gitlab/ci/build/releaser.rb GLAB_REQUIRED_VERSION; with an older
// glab it falls back to release-cli), and the release-cli v0.24.0 image
// carries glab 1.58.0 (doc/user/project/releases/_index.md, "GitLab CLI
// version requirement"). The glab image has no release-cli, which GitLab
// 17.0 runs, so release-cli's image is the one that covers 17.0 to now.
var minVersions = map[string][3]int{
	"registry.gitlab.com/gitlab-org/cli":         {1, 58, 0},
	"registry.gitlab.com/gitlab-org/release-cli": {0, 24, 0},
}

func TestProjectPipelineReleaseImage(t *testing.T) {
	p := projectPipeline(t, nil)
	var releasers []string
	for _, j := range gitlabci.Jobs(p) {
		if _, ok := p.Sub(j).Get("release"); ok {
			releasers = append(releasers, j)
		}
	}
	if len(releasers) != 1 {
		t.Fatalf("jobs with release: %v; want one", releasers)
	}
	job := p.Sub(releasers[0])
	img, _ := job.Get("image")
	name, _ := img.(string)
	if m, ok := img.(*gitlabci.Map); ok {
		name = m.Str("name")
	}
	globals := map[string]string{}
	gitlabci.CheckVariables("variables", p.Vals["variables"], []string{"value", "description", "expand", "options"}, globals)
	ref, _ := gitlabci.ExpandRunner(name, globals)
	m := regexp.MustCompile(`^([^:@]+):v(\d+)\.(\d+)\.(\d+)$`).FindStringSubmatch(ref)
	if m == nil {
		t.Fatalf("release image %q is not pinned to a version (repo:vX.Y.Z)", ref)
	}
	floor, ok := minVersions[m[1]]
	if !ok {
		t.Fatalf("release image %s is neither glab's nor release-cli's", m[1])
	}
	var got [3]int
	for i := range got {
		got[i], _ = strconv.Atoi(m[i+2])
	}
	for i := range got {
		if got[i] != floor[i] {
			if got[i] < floor[i] {
				t.Errorf("release image %s is older than v%d.%d.%d (glab 1.58.0)", ref, floor[0], floor[1], floor[2])
			}
			break
		}
	}
}

// TestProjectPipeline runs gitlab-ci-local on the GitLab-faithful
// rendering of .gitlab-ci.yml: its schema validation, its rules engine and
// its needs checks (--validate-dependency-chain) per kind of pipeline, as
// a second opinion on TestProjectPipelineKinds.
func TestProjectPipeline(t *testing.T) {
	testenv.Need(t, "gitlab-ci-local", "rsync", "git")
	dir := emptyProject(t)
	for _, kind := range pipelineKinds {
		p := projectPipeline(t, kind.vars)
		if err := os.WriteFile(filepath.Join(dir, ".gitlab-ci.yml"), gitlabci.DumpYAML(p), 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--list", "--validate-dependency-chain", "--ignore-schema-paths", tagsMinItems}
		var names []string
		for k, v := range kind.vars {
			args = append(args, "--variable", k+"="+v)
			names = append(names, k)
		}
		args = append(args, "--ignore-predefined-vars", strings.Join(append(names, "CI_COMMIT_BRANCH"), ","))
		if kind.vars["CI_COMMIT_BRANCH"] == "" {
			args = append(args, "--unset-variable", "CI_COMMIT_BRANCH")
		}
		cmd := exec.Command("gitlab-ci-local", args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: gitlab-ci-local rejected the pipeline: %v\n%s", kind.name, err, out)
			continue
		}
		tag := kind.vars["CI_COMMIT_TAG"] != ""
		for job, want := range map[string]bool{"test": true, "build-image": true, selfTestJob: true,
			"check-release": tag, "publish-image": tag, "create-release": tag} {
			listed := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(job) + `\s`).Match(out)
			if listed != want {
				t.Errorf("%s: gitlab-ci-local lists %s=%v, want %v:\n%s", kind.name, job, listed, want, out)
			}
		}
	}
}
