package componenttest

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestBranchRuleRendering renders the branch rule the way GitLab does at
// pipeline creation (expand_vars replaces variables usable in include, then
// the text is inserted) and checks the result is right under GitLab 18.5+
// semantics, where a quoted right side is a literal: the quotes must already
// hold the branch name, for the default input and for a literal branch.
// gitlab-ci-local runs no interpolation functions, so it cannot show this.
func TestBranchRuleRendering(t *testing.T) {
	_, body := template(t)
	rule := regexp.MustCompile(`(?m)^\s*- if: (.*inputs\.branch.*)$`).FindStringSubmatch(body)
	if rule == nil {
		t.Fatal("no rules:if line uses inputs.branch")
	}
	if n := strings.Count(body, "inputs.branch"); n != 1 {
		t.Fatalf("inputs.branch used %d times; the one rule is what this test proves", n)
	}
	includeVars := map[string]string{"CI_DEFAULT_BRANCH": "main", "CI_COMMIT_REF_NAME": "feature/x"}
	block := regexp.MustCompile(`\$\[\[\s*inputs\.branch\s*(\|\s*expand_vars\s*)?\]\]`)
	render := func(input string) string {
		return block.ReplaceAllStringFunc(rule[1], func(m string) string {
			if !strings.Contains(m, "expand_vars") {
				return input
			}
			return regexp.MustCompile(`\$([A-Za-z_][A-Za-z0-9_]*)`).ReplaceAllStringFunc(input, func(v string) string {
				if val, ok := includeVars[v[1:]]; ok {
					return val
				}
				return v
			})
		})
	}
	for input, want := range map[string]string{
		"$CI_DEFAULT_BRANCH":  `$CI_COMMIT_BRANCH == "main"`,
		"main":                `$CI_COMMIT_BRANCH == "main"`,
		"release/2.x":         `$CI_COMMIT_BRANCH == "release/2.x"`,
		"$CI_COMMIT_REF_NAME": `$CI_COMMIT_BRANCH == "feature/x"`,
	} {
		if got := render(input); got != want {
			t.Errorf("branch %q renders %s, want %s", input, got, want)
		}
	}
}

// template returns templates/deploy.yml's spec header and job body.
func template(t *testing.T) (spec, body string) {
	t.Helper()
	return cutFile(t, "templates/deploy.yml", "\n---\n")
}

// cutFile reads a file of the repository and splits it around sep, failing
// the test when sep is missing.
func cutFile(t *testing.T, name, sep string) (before, after string) {
	t.Helper()
	b, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	before, after, ok := strings.Cut(string(b), sep)
	if !ok {
		t.Fatalf("%s: no %q", name, sep)
	}
	return before, after
}
