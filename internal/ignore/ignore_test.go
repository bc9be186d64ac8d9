package ignore

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		patterns []string
		path     string
		dir      bool
		want     bool
	}{
		{[]string{"*.log"}, "debug.log", false, true},
		{[]string{"*.log"}, "logs/debug.log", false, true},
		{[]string{"*.log"}, "debug.log.txt", false, false},
		{[]string{"/build"}, "build", true, true},
		{[]string{"/build"}, "src/build", true, false},
		{[]string{"build/"}, "build", false, false},
		{[]string{"build/"}, "src/build", true, true},
		{[]string{"docs/*.md"}, "docs/a.md", false, true},
		{[]string{"docs/*.md"}, "docs/sub/a.md", false, false},
		{[]string{"**/fixtures"}, "a/b/fixtures", true, true},
		{[]string{"**/fixtures"}, "fixtures", true, true},
		{[]string{"node_modules/**"}, "node_modules/x/y.js", false, true},
		{[]string{"a/**/z"}, "a/z", false, true},
		{[]string{"a/**/z"}, "a/b/c/z", false, true},
		{[]string{"*.env", "!example.env"}, "example.env", false, false},
		{[]string{"*.env", "!example.env"}, "prod.env", false, true},
		{[]string{"file[0-9].txt"}, "file7.txt", false, true},
		{[]string{"file[!0-9].txt"}, "file7.txt", false, false},
		{[]string{"?.txt"}, "ab.txt", false, false},
		{[]string{"# comment", ""}, "# comment", false, false},
		{[]string{`\#hash`}, "#hash", false, true},
		{[]string{"a+b(c).txt"}, "a+b(c).txt", false, true},
		{[]string{"données/"}, "src/données", true, true},
		{[]string{"日本*.md"}, "日本語.md", false, true},
		{[]string{`\é`}, "é", false, true},
	}
	for _, c := range cases {
		m, err := New(c.patterns)
		if err != nil {
			t.Fatalf("New(%q): %v", c.patterns, err)
		}
		if got := m.Match(c.path, c.dir); got != c.want {
			t.Errorf("patterns %q, path %q (dir=%v): got %v, want %v", c.patterns, c.path, c.dir, got, c.want)
		}
	}
}

func TestInvalidPattern(t *testing.T) {
	for _, p := range []string{"[abc", "x[]"} {
		if _, err := New([]string{p}); err == nil {
			t.Errorf("New(%q): want error", p)
		}
	}
}

// FuzzMatch checks that no pattern panics the compiler or matcher, and that a
// pattern free of glob syntax always matches the path it spells.
func FuzzMatch(f *testing.F) {
	for _, s := range [][2]string{{"*.log", "a/b.log"}, {"!x", "x"}, {"a/**/b", "a/c/b"}, {"[a-", "a"}, {`\`, `\`}, {"**", ""}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, path string) {
		m, err := New([]string{pattern})
		if err != nil {
			return
		}
		m.Match(path, false)
		m.Match(path, true)
		if isLiteral(pattern) {
			lm, _ := New([]string{pattern})
			if !lm.Empty() && !lm.Match(pattern, false) {
				t.Fatalf("literal pattern %q does not match itself", pattern)
			}
		}
	})
}

func isLiteral(s string) bool {
	if s == "" || s[0] == '!' || s[0] == '#' || s[0] == '/' || s[len(s)-1] == '/' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', '\\', '\t', '\r', '\n':
			return false
		}
	}
	return len(s) < 2 || s[:2] != "./"
}
