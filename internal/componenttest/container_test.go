package componenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// The container flow of docs/containers.md: an image built by the
// pipeline (here, before it: buildah, OCI, the revision label), deployed
// to staging by the deploy component's container_image, then promoted to
// production, which Heroku pipelines cannot do for container apps.
const containerFlow = `
stages: [build, deploy, promote]
include:
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/deploy@{{SHA}}
    inputs:
      app: box-staging
      api_key_variable: HEROKU_PRODUCTION_KEY
      branch: main
      environment: staging
      container_image: $CI_REGISTRY_IMAGE:$CI_COMMIT_SHA
      process_types: [web, release]
  - component: $CI_SERVER_FQDN/heroku-deploy/heroku/promote@{{SHA}}
    inputs:
      from: box-staging
      to: box-production
      api_key_variable: HEROKU_PRODUCTION_KEY
      stage: promote
      when: on_success
      process_types: [web, release]
build-image:
  stage: build
  script: [echo the image was built and pushed before the pipeline]
`

// buildahImage builds an OCI image (buildah's default format) from a
// static busybox, labelled with the commit, and pushes it to the
// simulator's GitLab registry with the job token, over plain HTTP to
// loopback; it returns the image id buildah gave it.
func buildahImage(t *testing.T, sim *herokusim.Server, tag, revision string) string {
	t.Helper()
	testenv.Need(t, "buildah", "busybox")
	env := append(os.Environ(), "STORAGE_DRIVER=vfs", "BUILDAH_ISOLATION=chroot")
	bh := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("buildah", args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	busybox, _ := exec.LookPath("busybox")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "bin"), 0o755)
	b, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "bin/busybox"), b, 0o755)
	os.Symlink("busybox", filepath.Join(root, "bin/sh"))
	name := "localhost/componenttest-box:" + tag
	c := bh("from", "scratch")
	defer bh("rm", c)
	bh("copy", "-q", c, root, "/")
	bh("config", "--cmd", "/bin/sh -c 'echo serving'", "--label", "org.opencontainers.image.revision="+revision, c)
	id := bh("commit", "-q", c, name)
	defer bh("rmi", name)
	var reg map[string]string = map[string]string{}
	for _, kv := range sim.RegistryEnv() {
		k, v, _ := strings.Cut(kv, "=")
		reg[k] = v
	}
	bh("push", "-q", "--tls-verify=false", "--creds", reg["CI_REGISTRY_USER"]+":"+reg["CI_REGISTRY_PASSWORD"], name, "docker://"+reg["CI_REGISTRY_IMAGE"]+":"+tag)
	return "sha256:" + id
}

// TestContainerDocExamplesRender: every YAML example of the container
// page is a pipeline GitLab accepts (a build job alone, included in a
// stage of its own).
func TestContainerDocExamplesRender(t *testing.T) {
	const doc = "docs/containers.md"
	blocks := yamlFenceRE.FindAllStringSubmatch(testenv.ReadFile(t, doc), -1)
	if len(blocks) < 3 {
		t.Fatalf("%s: %d YAML examples, want the pipeline, the Docker build job and the release phase's", doc, len(blocks))
	}
	for i, m := range blocks {
		src := m[1]
		if !strings.Contains(src, "stages:") {
			src = "stages: [build, deploy, promote]\n" + src
		}
		a := &assembler{vars: includeVars("main")}
		if _, errs := consumerPipeline(t, a, src); len(errs) > 0 {
			t.Errorf("%s example %d:\n%s\nGitLab would reject it:%s", doc, i+1, src, joinErrors(errs))
		}
	}
}

func TestContainerDeployAndPromote(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an image with buildah and runs gitlab-ci-local")
	}
	p := newProject(t)
	id := buildahImage(t, p.sim, p.sha, p.sha)
	p.pipeline(containerFlow)
	out, err := p.gcl()
	if err != nil {
		t.Fatalf("pipeline failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"OCI manifest relabelled as Docker v2 schema 2",
		"==> Deployed box-staging: release v3 (web " + id + ", release " + id + ")",
		"==> Promoting box-staging v3 (commit " + p.sha[:8] + "; web " + id[7:19] + ", release " + id[7:19] + ") to box-production",
		"==> Promoted box-staging to box-production: release v3 (web " + id + ", release " + id + ")",
		"PASS  heroku-promote:box-production",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if dotenv := p.dotenv("heroku-promote", "box-production"); !regexp.MustCompile(`(?m)^HEROKU_IMAGE_ID=` + id + `$`).Match(dotenv) {
		t.Errorf("promote's dotenv report: %s", dotenv)
	}
	if dotenv := p.dotenv("heroku-deploy", "box-staging"); !regexp.MustCompile(`(?m)^HEROKU_IMAGE_DIGEST=sha256:[0-9a-f]{64}$`).Match(dotenv) {
		t.Errorf("deploy's dotenv report: %s", dotenv)
	}
}
