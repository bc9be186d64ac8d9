package componenttest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabci"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

type tableRow struct{ name, typ, def string }

// docRow is what the README's inputs table must say about an input.
func docRow(in gitlabci.InputSpec) tableRow {
	r := tableRow{name: in.Name, typ: in.Type}
	if in.Options != nil {
		var opts []string
		for _, o := range in.Options {
			opts = append(opts, "`"+gitlabci.RubyToS(o)+"`")
		}
		r.typ = strings.Join(opts, ` \| `)
	}
	if !in.HasDefault {
		r.typ += ", required"
		return r
	}
	switch d := in.Default.(type) {
	case []any:
		var items []string
		for _, e := range d {
			items = append(items, gitlabci.RubyToS(e))
		}
		r.def = "[" + strings.Join(items, ", ") + "]"
	default:
		r.def = gitlabci.RubyToS(d)
	}
	return r
}

// TestREADMEInputsTables keeps each component's inputs table (`#### Inputs`
// under `### <component>`) true: the same inputs in the same order, with
// the template's types and defaults.
func TestREADMEInputsTables(t *testing.T) {
	doc := testenv.ReadFile(t, "README.md")
	for _, name := range templateNames(t) {
		t.Run(name, func(t *testing.T) {
			sec, ok := testenv.Lookup(doc, "### "+name)
			if !ok {
				t.Fatalf("README.md has no `### %s` section for templates/%[1]s.yml", name)
			}
			table, ok := testenv.Lookup(sec, "#### Inputs")
			if !ok {
				t.Fatalf("README.md `### %s` has no `#### Inputs` table", name)
			}
			var got []tableRow
			for _, line := range strings.Split(table, "\n") {
				if !strings.HasPrefix(line, "| `") {
					continue
				}
				// Cells split on "|" but not on the escaped "\|" inside one.
				cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
				if len(cells) < 5 {
					t.Fatalf("README inputs row %q: want 4 cells", line)
				}
				cell := func(i int) string {
					return strings.ReplaceAll(strings.TrimSpace(cells[i]), "\x00", `\|`)
				}
				got = append(got, tableRow{strings.Trim(cell(1), "`"), cell(2), strings.Trim(cell(3), "`")})
			}
			c := loadComponent(t, name)
			if len(got) != len(c.Inputs) {
				t.Errorf("README lists %d inputs, the template has %d", len(got), len(c.Inputs))
			}
			for i := range min(len(got), len(c.Inputs)) {
				if want := docRow(c.Inputs[i]); got[i] != want {
					t.Errorf("README row %d: %+v; template: %+v", i+1, got[i], want)
				}
			}
		})
	}
}

var yamlFenceRE = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestREADMEExamplesRender: every YAML example in the README is a pipeline
// GitLab accepts: its includes of this project's components render by
// GitLab's rules, and the result passes GitLab's schema and job rules.
func TestREADMEExamplesRender(t *testing.T) {
	doc := testenv.ReadFile(t, "README.md")
	blocks := yamlFenceRE.FindAllStringSubmatch(doc, -1)
	if len(blocks) == 0 {
		t.Fatal("no YAML examples in README.md")
	}
	withComponent := 0
	for i, b := range blocks {
		src := b[1]
		if strings.Contains(src, "component:") {
			withComponent++
		}
		t.Run(fmt.Sprint(i+1), func(t *testing.T) {
			a := &assembler{vars: includeVars("main")}
			if _, errs := consumerPipeline(t, a, src); len(errs) > 0 {
				t.Errorf("README example %d:\n%s\nGitLab would reject it:%s", i+1, src, joinErrors(errs))
			}
		})
	}
	if withComponent == 0 {
		t.Error("no README example includes a component")
	}
}

// TestREADMESupportedRange: the supported GitLab versions are stated next
// to the quick start (before the first `## ` section).
func TestREADMESupportedRange(t *testing.T) {
	top, _, _ := strings.Cut(testenv.ReadFile(t, "README.md"), "\n## ")
	if !strings.Contains(top, "GitLab 17.0") {
		t.Error("README.md's opening (the quick start) does not state the supported range, GitLab 17.0 and later")
	}
}

// TestREADMETestedAgainst: the paragraph that says what the components are
// tested against names the supported floor and the gitlab-ci-local that
// .ci/run installs.
func TestREADMETestedAgainst(t *testing.T) {
	doc := testenv.ReadFile(t, "README.md")
	_, para, ok := strings.Cut(doc, "**Tested against:**")
	if !ok {
		t.Fatal("README.md has no **Tested against:** paragraph")
	}
	para, _, _ = strings.Cut(para, "\n\n")
	m := regexp.MustCompile(`gitlab-ci-local@(\d+\.\d+\.\d+)`).FindStringSubmatch(testenv.ReadFile(t, ".ci/run"))
	if m == nil {
		t.Fatal(".ci/run installs no pinned gitlab-ci-local")
	}
	for _, want := range []string{"GitLab 17.0", "gitlab-ci-local", "Only a real\nGitLab instance proves the rest"} {
		if !strings.Contains(para, want) {
			t.Errorf("the Tested against paragraph does not say %q", want)
		}
	}
	if run := testenv.Section(t, doc, "## Run every test"); !strings.Contains(run, "gitlab-ci-local "+m[1]) {
		t.Errorf("## Run every test does not name gitlab-ci-local %s, which .ci/run installs", m[1])
	}
}

// TestREADMEReleaseProcedure: the procedure's commands are the ones the
// release test runs and the tag pipeline checks.
func TestREADMEReleaseProcedure(t *testing.T) {
	sec := testenv.Section(t, testenv.ReadFile(t, "README.md"), "## Release procedure")
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(sec)
	if m == nil || m[1] != ".ci/release 1.3.0\ngit push origin HEAD 1.3.0\n" {
		t.Errorf("the release commands are not `.ci/release VERSION` then `git push origin HEAD VERSION`:\n%s", sec)
	}
	if !strings.Contains(sec, "`.ci/release --check 1.3.0`") {
		t.Error("the procedure does not say the tag pipeline runs .ci/release --check")
	}
	if !strings.Contains(testenv.ReadFile(t, ".gitlab-ci.yml"), `bash .ci/release --check "$CI_COMMIT_TAG"`) {
		t.Error(".gitlab-ci.yml's tag pipeline does not run .ci/release --check")
	}
}
