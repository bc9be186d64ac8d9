// Package gitrev reads the commit a directory holds, when git and a
// repository are there: what a build records as its version, and what a
// promotion checks the source runs.
package gitrev

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
)

// Head returns HEAD's commit in dir, or "" when git or a repository is
// missing: the version is optional on Heroku. clean says whether dir holds
// exactly what HEAD records: no change, no untracked or ignored file.
func Head(ctx context.Context, dir string) (head string, clean bool) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", false
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	out, err := exec.CommandContext(ctx, "git", "-C", abs, "rev-parse", "--verify", "-q", "HEAD").Output()
	if err != nil {
		return "", false
	}
	status, err := exec.CommandContext(ctx, "git", "-C", abs, "status", "--porcelain", "--ignored", "--untracked-files=all", "--", ".").Output()
	return strings.TrimSpace(string(out)), err == nil && len(status) == 0
}
