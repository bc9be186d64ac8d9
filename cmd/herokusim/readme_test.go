package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// The README is the contract: its "Try it here" command, and the two
// variations its text suggests, must work as printed on a machine with only
// Go, and "Run every test" must be what CI runs.

func readme(t *testing.T) string {
	t.Helper()
	return testenv.ReadFile(t, "README.md")
}

// block returns the first ```sh block after the heading.
func block(t *testing.T, doc, heading string) string {
	t.Helper()
	m := regexp.MustCompile("(?s)\n" + regexp.QuoteMeta(heading) + "\n.*?```sh\n(.*?)\n```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("README has no sh block under %q", heading)
	}
	return m[1]
}

func TestREADMEDemo(t *testing.T) {
	doc := readme(t)
	demo := block(t, doc, "## Try it here (no Heroku account)")
	if strings.Contains(demo, "\n") {
		t.Fatalf("the demo is more than one command: %q", demo)
	}
	section := doc[strings.Index(doc, "## Try it here"):]
	section = section[:strings.Index(section, "\n## Run every test")]
	dir := regexp.MustCompile("`(--dir testdata/apps/[a-z-]+)`").FindStringSubmatch(section)
	fault := regexp.MustCompile("`(-fault '[^']+')`").FindStringSubmatch(section)
	if dir == nil || fault == nil {
		t.Fatalf("the README no longer suggests another --dir and a -fault: %q", section)
	}
	python := regexp.MustCompile(`--dir \S+`).ReplaceAllString(demo, dir[1])
	withFault := strings.Replace(demo, " -- ", " "+fault[1]+" -- ", 1)

	for _, tt := range []struct {
		name, cmd, want string
	}{
		{"as printed", demo, "Node.js app detected"},
		{"the other sample app", python, "Python app detected"},
		{"riding out an outage", withFault, "503 Service Unavailable (attempt 1 of 5, next in"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command("sh", "-c", tt.cmd)
			cmd.Dir = "../.."
			// No account: nothing of the caller's Heroku settings. The retry
			// wait is shortened only so the outage takes milliseconds.
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "HEROKU_") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, "HEROKU_DEPLOY_RETRY_WAIT=5ms")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("%s: %v\n%s%s", tt.cmd, err, stdout.String(), stderr.String())
			}
			out := stdout.String() + stderr.String()
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			if url := lines[len(lines)-1]; !regexp.MustCompile(`^https://demo-app-[0-9a-f]{12}\.herokuapp\.com/$`).MatchString(url) {
				t.Errorf("last line %q, want the app's web_url", url)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			for _, secret := range herokusim.Secrets() {
				if strings.Contains(out, secret) {
					t.Errorf("output contains a secret (%.10s…)", secret)
				}
			}
		})
	}
}

func TestREADMETestCommandIsWhatCIRuns(t *testing.T) {
	test := block(t, readme(t), "## Run every test")
	ci := testenv.ReadFile(t, ".ci/run")
	if !regexp.MustCompile(`(?m)^CI=true ` + regexp.QuoteMeta(test) + `$`).MatchString(ci) {
		t.Errorf(".ci/run does not run the README's test command %q", test)
	}
}
