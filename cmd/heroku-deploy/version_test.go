package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestVersionStamped: --version reports the version the release build
// stamps, with the very -X flag the Dockerfile passes (the tag pipeline
// gives it the tag); a build without it reports Go's build info, else dev.
func TestVersionStamped(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary twice: skipped under -short")
	}
	m := regexp.MustCompile(`-X (main\.version)=\$\{VERSION\}`).FindStringSubmatch(testenv.ReadFile(t, "Dockerfile"))
	if m == nil {
		t.Fatal("the Dockerfile stamps no -X main.version=${VERSION}")
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		name, ldflags string
		want          *regexp.Regexp
	}{
		{"stamped", "-X " + m[1] + "=1.0.0", regexp.MustCompile(`^heroku-deploy 1\.0\.0$`)},
		// Go stamps a module version from a v-prefixed tag, a pseudo-version
		// from a commit, or "(devel)", which reads as dev.
		{"unstamped", "", regexp.MustCompile(`^heroku-deploy (dev|v\d+\.\d+\.\d+\S*)$`)},
	} {
		bin := filepath.Join(dir, tc.name)
		build := exec.Command("go", "build", "-ldflags", tc.ldflags, "-o", bin, ".")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
		out, err := exec.Command(bin, "--version").Output()
		if got := strings.TrimSpace(string(out)); err != nil || !tc.want.MatchString(got) {
			t.Errorf("%s: --version printed %q (%v), want %s", tc.name, got, err, tc.want)
		}
	}
}
