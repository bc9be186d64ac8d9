package main

import (
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestContainerDemo: docs/containers.md's demo works as printed on a machine
// with only Go: the simulator's registries, its demo image, a deploy of it
// whose --image names the registry by the variable herokusim sets.
func TestContainerDemo(t *testing.T) {
	doc := testenv.ReadFile(t, "docs/containers.md")
	demo := block(t, doc, "## Try it without an account")
	cmds := commandLine(t, demo)
	if len(cmds) != 2 || cmds[0][0] != "go" || cmds[1][0] != "bin/herokusim" || !strings.Contains(demo, " -- bin/heroku-deploy deploy --app demo-container --image '$CI_REGISTRY_IMAGE:demo'") {
		t.Fatalf("the demo is not `go build …` && bin/herokusim … -- bin/heroku-deploy deploy --app demo-container --image '$CI_REGISTRY_IMAGE:demo' …: %q", demo)
	}
	bin := t.TempDir()
	if _, stderr, code := demoRun(t, bin, cmds[0]); code != 0 {
		t.Fatalf("%s: exit %d\n%s", demo, code, stderr)
	}
	stdout, stderr, code := demoRun(t, bin, cmds[1])
	out := stdout + stderr
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s", demo, code, out)
	}
	for _, want := range []string{"OCI manifest relabelled as Docker v2 schema 2", "==> Deployed demo-container: release v3 (web sha256:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range append(herokusim.Secrets(), herokusim.JobToken) {
		if strings.Contains(out, secret) {
			t.Errorf("output contains a secret (%.10s…)", secret)
		}
	}
}
