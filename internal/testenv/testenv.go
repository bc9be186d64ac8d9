// Package testenv holds helpers for tests that drive external tools.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Need fails the test in CI and skips it elsewhere when a tool is missing:
// CI must never pass by skipping (.ci/run installs every tool).
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is required in CI (.ci/run installs it): %v", tool, err)
			}
			t.Skipf("%s not installed: skipped (bash .ci/run installs every tool the tests use, then runs them with CI=true)", tool)
		}
	}
}
