// Package testenv holds helpers for tests that drive external tools.
package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

// Need marks a test that drives external tools. A missing tool fails it,
// naming how to get it: a missing tool must never pass for a green run (go
// test hides skips). Under -short such tests are skipped, present or not,
// for a quick run (and for the race detector's, which is about our code).
func Need(t testing.TB, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("drives %s: skipped under -short", strings.Join(tools, ", "))
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: bash .ci/run installs every tool the tests use (Debian, as root) and runs them; go test -short ./... skips the tests that need one", tool)
		}
	}
}
