package herokusim

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestREADMENamesWhatExists holds README.md to the code: every name its
// route steps and its table of facts point at (a file, a flag, a function,
// an app option) is still in the package, so that neither can drift from
// the code unseen.
func TestREADMENamesWhatExists(t *testing.T) {
	doc := testenv.ReadFile(t, "internal/herokusim/README.md")
	steps := testenv.Section(t, doc, "## Add a route")
	facts := testenv.Section(t, doc, "## What it encodes about Heroku")
	var where []string // the Where column of each table row
	for _, line := range strings.Split(facts, "\n") {
		if cells := strings.Split(line, " | "); strings.HasPrefix(line, "| ") && len(cells) == 3 {
			where = append(where, cells[1])
		}
	}
	if len(where) < 40 {
		t.Fatalf("README.md: %d rows of facts found; the tables changed shape", len(where))
	}

	files, _ := filepath.Glob("*.go")
	more, _ := filepath.Glob("*/*.go")
	var src strings.Builder
	for _, f := range append(files, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	code := src.String()
	flags, err := os.ReadFile("flags.go")
	if err != nil {
		t.Fatal(err)
	}

	name := regexp.MustCompile("`(-?[A-Za-z][\\w-]*(?:\\.go)?)(?:\\(\\))?`")
	checked := 0
	for _, m := range name.FindAllStringSubmatch(steps+strings.Join(where, "\n"), -1) {
		n := m[1]
		var ok bool
		switch {
		case strings.HasSuffix(n, ".go"):
			_, err := os.Stat(n)
			ok = err == nil
		case strings.HasPrefix(n, "-"):
			ok = strings.Contains(string(flags), `"`+n[1:]+`"`)
		default:
			ok = regexp.MustCompile(`\b` + regexp.QuoteMeta(n) + `\b`).MatchString(code)
		}
		if !ok {
			t.Errorf("README.md names %s, which the package does not have", n)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("only %d names checked in README.md", checked)
	}
}
