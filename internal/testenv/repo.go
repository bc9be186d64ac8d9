package testenv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Root returns the repository's root: the directory of go.mod above the
// test's working directory.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// ReadFile reads a file of the repository by its path from the root.
func ReadFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Root(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Section returns the text of a Markdown document under heading (a whole
// line such as "## Exit codes"), up to the next heading of the same or a
// higher level. It fails the test when the heading is missing: the README
// is a contract, and a renamed section must not silently pass.
func Section(t testing.TB, doc, heading string) string {
	t.Helper()
	s, ok := Lookup(doc, heading)
	if !ok {
		t.Fatalf("no %q section", heading)
	}
	return s
}

// Lookup is Section for a heading that may be missing.
func Lookup(doc, heading string) (string, bool) {
	_, s, ok := strings.Cut("\n"+doc, "\n"+heading+"\n")
	if !ok {
		return "", false
	}
	level := strings.IndexByte(heading, ' ') // "## " is level 2
	fenced := false
	for i := 0; i < len(s); {
		line, _, _ := strings.Cut(s[i:], "\n")
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if n := strings.IndexFunc(line, func(r rune) bool { return r != '#' }); !fenced && n > 0 && n <= level && line[n] == ' ' {
			return s[:i], true
		}
		i += len(line) + 1
	}
	return s, true
}
