package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

// TestREADMEContainerDemo: the container demo under "Try it here" works as
// printed: the simulator's registries, its demo image, a deploy of it.
func TestREADMEContainerDemo(t *testing.T) {
	doc := readme(t)
	section := doc[strings.Index(doc, "## Try it here"):]
	section = section[:strings.Index(section, "\n## Run every test")]
	m := regexp.MustCompile("(?s)```sh\n(go run ./cmd/herokusim -app demo-container.*?)\n```").FindStringSubmatch(section)
	if m == nil {
		t.Fatalf("no container demo under Try it here:\n%s", section)
	}
	cmd := exec.Command("sh", "-c", m[1])
	cmd.Dir = "../.."
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEROKU_") && !strings.HasPrefix(kv, "CI_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s%s", m[1], err, stdout.String(), stderr.String())
	}
	out := stdout.String() + stderr.String()
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
