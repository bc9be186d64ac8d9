package componenttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// The release procedure, `.ci/release X.Y.Z`, run in a throwaway clone of
// this working tree: it writes the version into every template, moves
// CHANGELOG's Unreleased entries under the version, commits and tags; and
// `.ci/release --check X.Y.Z`, which the tag pipeline runs, refuses a tree
// that does not match the tag.

// releaseRepo makes a git repository holding the files the release
// procedure touches, as they are in this working tree.
func releaseRepo(t *testing.T) string {
	t.Helper()
	testenv.Need(t, "bash", "git")
	dir := t.TempDir()
	for _, p := range []string{"templates", "docs", "CHANGELOG.md", "README.md", ".ci/release"} {
		src := filepath.Join(repoRoot, p)
		fi, err := os.Stat(src)
		if err != nil {
			t.Fatal(err)
		}
		if fi.IsDir() {
			if err := os.CopyFS(filepath.Join(dir, p), os.DirFS(src)); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, p), b, fi.Mode()); err != nil {
			t.Fatal(err)
		}
	}
	git(t, dir, "init", "-q", "-b", "main")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "work")
	return dir
}

func gitEnv() []string {
	return append(os.Environ(), "GIT_AUTHOR_NAME=ci", "GIT_AUTHOR_EMAIL=ci@example.com",
		"GIT_COMMITTER_NAME=ci", "GIT_COMMITTER_EMAIL=ci@example.com", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL=/dev/null")
}

func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, gitEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// releaseCmd runs .ci/release with args in dir.
func releaseCmd(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{".ci/release"}, args...)...)
	cmd.Dir, cmd.Env = dir, gitEnv()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRelease(t *testing.T) {
	dir := releaseRepo(t)
	before := readFile(t, filepath.Join(dir, "CHANGELOG.md"))
	unreleased, _ := testenv.Lookup(before, "## [Unreleased]")
	unreleased, _, _ = strings.Cut(unreleased, "\n[Unreleased]:")
	if strings.TrimSpace(unreleased) == "" {
		t.Fatal("CHANGELOG.md has nothing under Unreleased to release")
	}
	day := time.Now().UTC().Format("2006-01-02")

	out, err := releaseCmd(t, dir, "1.3.0")
	if err != nil {
		t.Fatalf(".ci/release 1.3.0: %v\n%s", err, out)
	}
	// Committed and tagged, nothing left over.
	if s := git(t, dir, "status", "--porcelain"); s != "" {
		t.Errorf("work tree not clean after the release:\n%s", s)
	}
	if msg := git(t, dir, "log", "-1", "--format=%s"); msg != "release 1.3.0" {
		t.Errorf("commit message %q", msg)
	}
	if tagged := git(t, dir, "rev-parse", "1.3.0^{commit}"); tagged != git(t, dir, "rev-parse", "HEAD") {
		t.Error("tag 1.3.0 is not on the release commit")
	}
	if typ := git(t, dir, "cat-file", "-t", "1.3.0"); typ != "tag" {
		t.Errorf("tag 1.3.0 is %s, want an annotated tag", typ)
	}
	// Every template runs the image of the release, and only it.
	for name := range templatePaths(t) {
		p, _ := filepath.Rel(repoRoot, templatePaths(t)[name])
		src := readFile(t, filepath.Join(dir, p))
		pins := imagePinRE.FindAllString(src, -1)
		if len(pins) == 0 {
			t.Errorf("%s: no image pin", p)
		}
		for _, pin := range pins {
			if pin != "/heroku-deploy:1.3.0" {
				t.Errorf("%s: %s after releasing 1.3.0", p, pin)
			}
		}
		// The released template still renders and validates.
		c, err := gitlabci.ParseComponent([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		a := &assembler{vars: includeVars("main"), sources: map[string][]byte{name: []byte(src)}}
		if _, errs := consumerPipeline(t, a, consumerFor(name, c, loadSamples(t, name).minimal)); len(errs) > 0 {
			t.Errorf("%s after the release:%s", p, joinErrors(errs))
		}
	}
	// CHANGELOG: the Unreleased entries now sit under 1.3.0, dated today.
	after := readFile(t, filepath.Join(dir, "CHANGELOG.md"))
	head := regexp.MustCompile(`(?m)^## \[1\.3\.0\] - (\d{4}-\d{2}-\d{2})$`).FindStringSubmatch(after)
	if head == nil {
		t.Fatalf("no '## [1.3.0] - date' heading:\n%s", after)
	}
	if head[1] != day && head[1] != time.Now().UTC().Format("2006-01-02") {
		t.Errorf("release date %s, want today (%s)", head[1], day)
	}
	if rest, _ := testenv.Lookup(after, "## [Unreleased]"); strings.TrimSpace(rest) != "" {
		t.Errorf("Unreleased is not empty after the release:\n%s", rest)
	}
	released, _ := testenv.Lookup(after, head[0])
	released, _, _ = strings.Cut(released, "\n[Unreleased]:")
	if strings.TrimSpace(released) != strings.TrimSpace(unreleased) {
		t.Errorf("1.3.0's entries differ from what Unreleased held:\n%s\n---\n%s", released, unreleased)
	}
	for _, link := range []string{"[Unreleased]: https://gitlab.com/heroku-deploy/heroku/-/compare/1.3.0...main",
		"[1.3.0]: https://gitlab.com/heroku-deploy/heroku/-/tags/1.3.0"} {
		if !strings.Contains(after, "\n"+link+"\n") {
			t.Errorf("CHANGELOG.md lacks the link %q", link)
		}
	}
	// The examples of the README and docs/ pin the release: includes and
	// image tags, every one of them.
	pages, _ := filepath.Glob(filepath.Join(dir, "docs", "*.md"))
	pinned := 0
	for _, page := range append(pages, filepath.Join(dir, "README.md")) {
		for _, m := range regexp.MustCompile(`(?:component: \S+@|/heroku-deploy:)([0-9][0-9A-Za-z.+-]*)`).FindAllStringSubmatch(readFile(t, page), -1) {
			pinned++
			if m[1] != "1.3.0" {
				t.Errorf("%s pins %s after releasing 1.3.0", filepath.Base(page), m[1])
			}
		}
	}
	if pinned == 0 {
		t.Error("no example pins a version")
	}

	// The tag pipeline's check passes on the release, and only for it.
	if out, err := releaseCmd(t, dir, "--check", "1.3.0"); err != nil {
		t.Errorf("--check 1.3.0 on the release: %v\n%s", err, out)
	}
	for _, v := range []string{"1.3.1", "1.2.0", "v1.3.0"} {
		if out, err := releaseCmd(t, dir, "--check", v); err == nil {
			t.Errorf("--check %s passed on release 1.3.0:\n%s", v, out)
		}
	}

	// Refusals: nothing new to release, an existing tag, a v prefix, an
	// older version, a dirty tree.
	for _, args := range [][]string{{"1.4.0"}, {"1.3.0"}, {"v1.4.0"}, {"1.4"}} {
		if out, err := releaseCmd(t, dir, args...); err == nil {
			t.Errorf(".ci/release %v succeeded:\n%s", args, out)
		}
	}
	changelog := filepath.Join(dir, "CHANGELOG.md")
	os.WriteFile(changelog, []byte(strings.Replace(after, "## [Unreleased]\n", "## [Unreleased]\n\n### Fixed\n\n- component: a fix.\n", 1)), 0o644)
	if out, err := releaseCmd(t, dir, "1.4.0"); err == nil || !strings.Contains(out, "changes") {
		t.Errorf(".ci/release on a dirty tree: %v\n%s", err, out)
	}
	git(t, dir, "commit", "-qam", "a fix")
	if out, err := releaseCmd(t, dir, "1.2.9"); err == nil || !strings.Contains(out, "not newer") {
		t.Errorf(".ci/release 1.2.9 after 1.3.0: %v\n%s", err, out)
	}
	// The tag pipeline refuses a tag on a commit with unreleased entries.
	if out, err := releaseCmd(t, dir, "--check", "1.3.0"); err == nil || !strings.Contains(out, "Unreleased") {
		t.Errorf("--check 1.3.0 with unreleased entries: %v\n%s", err, out)
	}
	// A second release links to the first.
	if out, err := releaseCmd(t, dir, "1.4.0"); err != nil {
		t.Fatalf(".ci/release 1.4.0: %v\n%s", err, out)
	}
	after = readFile(t, changelog)
	if !strings.Contains(after, "\n[1.4.0]: https://gitlab.com/heroku-deploy/heroku/-/compare/1.3.0...1.4.0\n") ||
		!strings.Contains(after, "\n[1.3.0]: https://gitlab.com/heroku-deploy/heroku/-/tags/1.3.0\n") {
		t.Errorf("CHANGELOG.md links after 1.4.0:\n%s", after)
	}
	if out, err := releaseCmd(t, dir, "--check", "1.4.0"); err != nil {
		t.Errorf("--check 1.4.0: %v\n%s", err, out)
	}
}

// TestReleaseCheckRefusesMismatches: --check names what does not match.
func TestReleaseCheckRefusesMismatches(t *testing.T) {
	dir := releaseRepo(t)
	if out, err := releaseCmd(t, dir, "2.0.0"); err != nil {
		t.Fatalf(".ci/release 2.0.0: %v\n%s", err, out)
	}
	tmpl := filepath.Join(dir, "templates", "deploy.yml")
	good := readFile(t, tmpl)
	changelog := filepath.Join(dir, "CHANGELOG.md")
	goodLog := readFile(t, changelog)
	readme := filepath.Join(dir, "README.md")
	goodReadme := readFile(t, readme)
	for name, c := range map[string]struct {
		file, from, to, want string
	}{
		"template at another version": {tmpl, "/heroku-deploy:2.0.0", "/heroku-deploy:1.9.0", "runs heroku-deploy:1.9.0, not 2.0.0"},
		"example at another version":  {readme, "/deploy@2.0.0", "/deploy@1.9.0", "README.md pins 1.9.0, not 2.0.0"},
		"template with no pin":        {tmpl, "/heroku-deploy:2.0.0", "/heroku-deploy", "has no image pin"},
		"component.version":           {tmpl, "/heroku-deploy:2.0.0", "/heroku-deploy:$[[ component.version ]]", "not 2.0.0"},
		"no CHANGELOG section":        {changelog, "## [2.0.0] - ", "## [2.0.1] - ", "no '## [2.0.0] - YYYY-MM-DD' section"},
		"undated CHANGELOG section":   {changelog, "## [2.0.0] - ", "## [2.0.0]\n\nx ", "no '## [2.0.0] - YYYY-MM-DD' section"},
		"no CHANGELOG link":           {changelog, "\n[2.0.0]: ", "\n[2.0.1]: ", "no [2.0.0]: link"},
	} {
		os.WriteFile(tmpl, []byte(good), 0o644)
		os.WriteFile(changelog, []byte(goodLog), 0o644)
		os.WriteFile(readme, []byte(goodReadme), 0o644)
		b := readFile(t, c.file)
		if !strings.Contains(b, c.from) {
			t.Fatalf("%s: %q not found", name, c.from)
		}
		os.WriteFile(c.file, []byte(strings.Replace(b, c.from, c.to, 1)), 0o644)
		out, err := releaseCmd(t, dir, "--check", "2.0.0")
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: --check 2.0.0 gave %v:\n%s\nwant %q", name, err, out, c.want)
		}
	}
}
