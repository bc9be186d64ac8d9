// Package testenv holds helpers for tests that drive external tools.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Tools are every external tool a test of the suite drives: what
// `bash .ci/run` installs. The line a skipped run prints names those missing.
var Tools = []string{"bash", "buildah", "busybox", "git", "gitlab-ci-local", "node", "npm", "rsync", "ruby", "setpriv", "sh"}

// Need marks a test that drives external tools. Under -short it is
// skipped, present or not, for a quick run (and for the race detector's,
// which is about our code). Otherwise a missing tool:
//   - fails the test under CI=true: a missing tool must never pass for a
//     green CI run (go test hides skips);
//   - skips it elsewhere (a laptop with only Go), and the run says so once:
//     one line naming every missing tool and the command that runs them.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("drives %s: skipped under -short", strings.Join(tools, ", "))
	}
	Uses(t, tools...)
}

// Uses marks a quick test that runs a common tool (sh, bash, git): it runs
// under -short too. A missing tool fails it under CI=true and skips it
// elsewhere, with the one line, as Need does.
func Uses(t testing.TB, tools ...string) {
	t.Helper()
	if err := Have(tools...); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// Have is Uses for what has no testing.TB (a golden script's condition):
// nil when every tool is on PATH; otherwise an error naming those missing,
// and, outside CI=true, the run's one line is printed.
func Have(tools ...string) error {
	missing := Missing(tools...)
	if len(missing) == 0 {
		return nil
	}
	if os.Getenv("CI") != "true" {
		announce()
	}
	return fmt.Errorf("%s not installed: bash .ci/run installs every tool the tests use (Debian, as root) and runs them", strings.Join(missing, ", "))
}

// Missing returns the tools not on PATH.
func Missing(tools ...string) []string {
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	return missing
}

var announced sync.Once

// announce prints, once per `go test` run (every package's test binary is a
// child of the same go command), the one line that says what was skipped.
// go test shows a passing package's output only with -v, so the line goes
// to the terminal when there is one.
func announce() {
	announced.Do(func() {
		marker := filepath.Join(os.TempDir(), fmt.Sprintf("heroku-deploy-tests-skipped.%d", os.Getppid()))
		f, err := os.OpenFile(marker, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return // another package of this run said it
		}
		f.Close()
		line := SkipLine(Missing(Tools...))
		if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
			fmt.Fprintln(tty, line)
			tty.Close()
		}
		fmt.Fprintln(os.Stderr, line) // for go test -v
	})
}

// SkipLine is the line a run prints when tests were skipped for want of
// tools.
func SkipLine(missing []string) string {
	return fmt.Sprintf("heroku-deploy tests: skipped the tests that drive %s (not installed); `bash .ci/run` installs every tool and runs the whole suite", strings.Join(missing, ", "))
}
