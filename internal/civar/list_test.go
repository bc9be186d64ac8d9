package civar

import (
	"slices"
	"testing"
)

func TestParse(t *testing.T) {
	for raw, want := range map[string][]string{
		"":                                     nil,
		"[]":                                   {},
		"[]\n":                                 {},
		`["heroku/nodejs", "https://x/y.tgz"]`: {"heroku/nodejs", "https://x/y.tgz"},
		`["https://h/a,b.tgz", "my file.txt"]` + "\n": {"https://h/a,b.tgz", "my file.txt"},
		`["a\"b", "c\\d", "\#{x}", "données"]`:        {`a"b`, `c\d`, "#{x}", "données"},
		`["\u{1F600}", "\xC3\xA9"]`:                   {"\U0001F600", "é"},
		`["a","b"]`:                                   {"a", "b"},
	} {
		got, err := Parse(raw)
		if err != nil || !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("Parse(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{`["unterminated`, `heroku/nodejs,heroku/python`, `[1, "a"]`, `["a" "b"]`, `["a",]`, `["\q"]`, `[nil]`, `["a\nb"]`, `["\u0001\e"]`} {
		if got, err := Parse(raw); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", raw, got)
		}
	}
}

// TestListOrItem: a list:"or-item" variable takes one plain item (what
// the component passes) or a list, never the comma-separated form.
func TestListOrItem(t *testing.T) {
	for raw, want := range map[string][]string{
		"":                           {},
		"my-app":                     {"my-app"},
		`["my-app-eu", "my-app-us"]`: {"my-app-eu", "my-app-us"},
	} {
		got, err := List("HEROKU_DEPLOY_TO", raw, true)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("List(%q) = %v, %v; want %v", raw, got, err, want)
		}
	}
	if got, err := List("HEROKU_DEPLOY_TO", "my-app-eu,my-app-us", true); err == nil {
		t.Errorf("a comma-separated value gave %v, want an error", got)
	}
	if got, err := List("HEROKU_DEPLOY_EXCLUDE", "*.log", false); err == nil {
		t.Errorf("a plain item in a list:\"\" variable gave %v, want an error", got)
	}
}
