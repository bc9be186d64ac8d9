package componenttest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

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

// docPages are the README and the pages of docs/, by path from the root.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	out := []string{"README.md"}
	for _, p := range pages {
		out = append(out, filepath.ToSlash(strings.TrimPrefix(p, repoRoot+string(filepath.Separator))))
	}
	return out
}

// TestREADMEInputsTables keeps each component's inputs table true: the one
// page of docs/ with a `## Inputs of `<component>“ section lists the same
// inputs in the same order, with the template's types and defaults.
func TestREADMEInputsTables(t *testing.T) {
	for _, name := range templateNames(t) {
		t.Run(name, func(t *testing.T) {
			heading := "## Inputs of `" + name + "`"
			var page, table string
			for _, p := range docPages(t) {
				if sec, ok := testenv.Lookup(testenv.ReadFile(t, p), heading); ok {
					if page != "" {
						t.Fatalf("%s and %s both have %q", page, p, heading)
					}
					page, table = p, sec
				}
			}
			if page == "" {
				t.Fatalf("no page of docs/ has a %q table for templates/%s.yml", heading, name)
			}
			var got []tableRow
			for _, line := range strings.Split(table, "\n") {
				if !strings.HasPrefix(line, "| `") {
					continue
				}
				// Cells split on "|" but not on the escaped "\|" inside one.
				cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
				if len(cells) < 5 {
					t.Fatalf("%s inputs row %q: want 4 cells", page, line)
				}
				cell := func(i int) string {
					return strings.ReplaceAll(strings.TrimSpace(cells[i]), "\x00", `\|`)
				}
				got = append(got, tableRow{strings.Trim(cell(1), "`"), cell(2), strings.Trim(cell(3), "`")})
			}
			c := loadComponent(t, name)
			if len(got) != len(c.Inputs) {
				t.Errorf("%s lists %d inputs, the template has %d", page, len(got), len(c.Inputs))
			}
			for i := range min(len(got), len(c.Inputs)) {
				if want := docRow(c.Inputs[i]); got[i] != want {
					t.Errorf("%s row %d: %+v; template: %+v", page, i+1, got[i], want)
				}
			}
		})
	}
}

var yamlFenceRE = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestREADMEExamplesRender: every YAML example in the README and docs/ is a
// pipeline GitLab accepts: its includes of this project's components render
// by GitLab's rules, and the result passes GitLab's schema and job rules.
func TestREADMEExamplesRender(t *testing.T) {
	withComponent := 0
	for _, page := range docPages(t) {
		for i, b := range yamlFenceRE.FindAllStringSubmatch(testenv.ReadFile(t, page), -1) {
			src := b[1]
			if strings.Contains(src, "component:") {
				withComponent++
			}
			t.Run(fmt.Sprintf("%s/%d", page, i+1), func(t *testing.T) {
				a := &assembler{vars: includeVars("main")}
				if _, errs := consumerPipeline(t, a, src); len(errs) > 0 {
					t.Errorf("%s example %d:\n%s\nGitLab would reject it:%s", page, i+1, src, joinErrors(errs))
				}
			})
		}
	}
	if withComponent == 0 {
		t.Error("no example includes a component")
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
// tested against (CONTRIBUTING.md) names the supported floor and the
// gitlab-ci-local that .ci/run installs.
func TestREADMETestedAgainst(t *testing.T) {
	doc := testenv.ReadFile(t, "CONTRIBUTING.md")
	_, para, ok := strings.Cut(doc, "**Tested against:**")
	if !ok {
		t.Fatal("CONTRIBUTING.md has no **Tested against:** paragraph")
	}
	para, _, _ = strings.Cut(para, "\n\n")
	para = strings.Join(strings.Fields(para), " ")
	m := regexp.MustCompile(`gitlab-ci-local@(\d+\.\d+\.\d+)`).FindStringSubmatch(testenv.ReadFile(t, ".ci/run"))
	if m == nil {
		t.Fatal(".ci/run installs no pinned gitlab-ci-local")
	}
	for _, want := range []string{"GitLab 17.0", "gitlab-ci-local", "Only a real GitLab instance proves the rest"} {
		if !strings.Contains(para, want) {
			t.Errorf("the Tested against paragraph does not say %q", want)
		}
	}
	if run := testenv.Section(t, doc, "## Running the tests"); !strings.Contains(run, "gitlab-ci-local "+m[1]) {
		t.Errorf("CONTRIBUTING.md's ## Running the tests does not name gitlab-ci-local %s, which .ci/run installs", m[1])
	}
}

// TestREADMEReleaseProcedure: the procedure's commands (CONTRIBUTING.md)
// are the ones the release test runs and the tag pipeline checks.
func TestREADMEReleaseProcedure(t *testing.T) {
	sec := testenv.Section(t, testenv.ReadFile(t, "CONTRIBUTING.md"), "## Release procedure")
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(sec)
	if m == nil || m[1] != ".ci/release X.Y.Z\ngit push origin HEAD X.Y.Z\n" {
		t.Errorf("the release commands are not `.ci/release X.Y.Z` then `git push origin HEAD X.Y.Z`:\n%s", sec)
	}
	if !strings.Contains(sec, "`.ci/release --check X.Y.Z`") {
		t.Error("the procedure does not say the tag pipeline runs .ci/release --check")
	}
	if !strings.Contains(testenv.ReadFile(t, ".gitlab-ci.yml"), `bash .ci/release --check "$CI_COMMIT_TAG"`) {
		t.Error(".gitlab-ci.yml's tag pipeline does not run .ci/release --check")
	}
}

// docPinRE is a version an example pins: an include's @X.Y.Z, or the
// image's tag.
var docPinRE = regexp.MustCompile(`(?:component: \S+@|/heroku-deploy:)(` + semverPattern + `)\b`)

// TestOneVersion: one version story. Every example of the README and docs/
// pins the version the templates' image runs (what .ci/release writes into
// both); that version is CHANGELOG's newest release, or, before the first
// release, the one the README names as the first.
func TestOneVersion(t *testing.T) {
	versions := map[string][]string{} // version -> where
	for name, path := range templatePaths(t) {
		for _, m := range imagePinRE.FindAllStringSubmatch(readFile(t, path), -1) {
			v := strings.TrimPrefix(m[0], m[1])
			versions[v] = append(versions[v], "templates/"+name)
		}
	}
	for _, page := range docPages(t) {
		for _, m := range docPinRE.FindAllStringSubmatch(testenv.ReadFile(t, page), -1) {
			versions[m[1]] = append(versions[m[1]], page)
		}
	}
	if len(versions) != 1 {
		t.Fatalf("the templates and the examples pin more than one version: %v", versions)
	}
	var v string
	for v = range versions {
	}
	newest := regexp.MustCompile(`(?m)^## \[(` + semverPattern + `)\] - `).FindStringSubmatch(testenv.ReadFile(t, "CHANGELOG.md"))
	switch {
	case newest != nil && newest[1] != v:
		t.Errorf("everything pins %s; CHANGELOG.md's newest release is %s", v, newest[1])
	case newest == nil && !strings.Contains(testenv.ReadFile(t, "README.md"), v+" is the first release"):
		t.Errorf("everything pins %s, which CHANGELOG.md has not released, and the README does not say it is the first release", v)
	}
}

// TestREADMEIsALandingPage: the README stays a landing page, and every page
// of docs/ is reachable from its table of contents.
func TestREADMEIsALandingPage(t *testing.T) {
	readme := testenv.ReadFile(t, "README.md")
	if n := strings.Count(readme, "\n"); n > 250 {
		t.Errorf("README.md has %d lines; a landing page has at most 250: move the detail into docs/", n)
	}
	for _, page := range docPages(t)[1:] {
		if !strings.Contains(readme, "]("+page+")") {
			t.Errorf("README.md does not link %s", page)
		}
	}
}

// TestDocLinks: every relative link of the README, CONTRIBUTING.md,
// ARCHITECTURE.md and docs/ resolves: the file exists and, for #anchor,
// has a heading with that id, as GitLab makes them.
func TestDocLinks(t *testing.T) {
	pages := append(docPages(t), "CONTRIBUTING.md", "ARCHITECTURE.md")
	anchors := map[string]map[string]bool{} // page -> heading ids
	ids := func(page string) map[string]bool {
		if a, ok := anchors[page]; ok {
			return a
		}
		a := headingIDs(testenv.ReadFile(t, page))
		anchors[page] = a
		return a
	}
	checked := 0
	for _, page := range pages {
		text := fencedRE.ReplaceAllString(testenv.ReadFile(t, page), "")
		text = codeSpanRE.ReplaceAllString(text, "")
		for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if regexp.MustCompile(`^[a-z]+:`).MatchString(target) {
				continue // https:, mailto:
			}
			checked++
			file, anchor, _ := strings.Cut(target, "#")
			dest := page
			if file != "" {
				dest = filepath.ToSlash(filepath.Join(filepath.Dir(page), file))
				if _, err := os.Stat(filepath.Join(repoRoot, dest)); err != nil {
					t.Errorf("%s links %s: no such file", page, target)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			if !strings.HasSuffix(dest, ".md") {
				t.Errorf("%s links %s: an anchor into a file that is not Markdown", page, target)
			} else if !ids(dest)[anchor] {
				t.Errorf("%s links %s: %s has no heading #%s", page, target, dest, anchor)
			}
		}
	}
	if checked == 0 {
		t.Error("no relative link checked")
	}
}

var (
	fencedRE   = regexp.MustCompile("(?ms)^```.*?^```")
	codeSpanRE = regexp.MustCompile("`[^`\n]*`")
	// linkRE is an inline link's target; a code span inside the text is
	// removed before.
	linkRE    = regexp.MustCompile(`\]\(([^()\s]+)\)`)
	headingRE = regexp.MustCompile(`(?m)^#{1,6} +(.+?)\s*#*$`)
)

// headingIDs are the ids GitLab gives a document's headings
// (doc/user/markdown.md, "Heading IDs and links"): the text lower-cased,
// what is not a letter, a digit, "_", "-" or a space removed, spaces made
// hyphens, runs of hyphens made one; a repeated id gets -1, -2….
func headingIDs(doc string) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	doc = fencedRE.ReplaceAllString(doc, "")
	for _, m := range headingRE.FindAllStringSubmatch(doc, -1) {
		text := regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(m[1], "$1") // a link: its text
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
				b.WriteRune(r)
			}
		}
		id := regexp.MustCompile(`-{2,}`).ReplaceAllString(b.String(), "-")
		if n := seen[id]; n > 0 {
			seen[id]++
			id = fmt.Sprintf("%s-%d", id, n)
		} else {
			seen[id] = 1
		}
		ids[id] = true
	}
	return ids
}
