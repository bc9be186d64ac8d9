package cli

import (
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// TestKeysDocScopes: the scope each command line of docs/keys.md's table
// needs is the one its 403 hint names (oauthScope), so that the hint and
// the table cannot drift apart. internal/herokuapi's TestKeysDoc holds
// the table's scopes to the calls each command makes.
func TestKeysDocScopes(t *testing.T) {
	sec := testenv.Section(t, testenv.ReadFile(t, "docs/keys.md"), "### What each command needs")
	env := environment{Getenv: func(string) string { return "" }, Lookup: func(string) (string, bool) { return "", false }}
	n := 0
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 3 || !strings.HasPrefix(line, "| `") {
			continue
		}
		n++
		args := strings.Fields(strings.SplitN(cells[0], "`", 3)[1])
		want := strings.Split(cells[2], "`")[1]
		var cli commandLine
		parser, err := newParser(&cli, "test", env)
		if err != nil {
			t.Fatal(err)
		}
		kctx, err := parser.Parse(args)
		if err != nil {
			t.Errorf("%q: %v", args, err)
			continue
		}
		cmd, ok := kctx.Selected().Target.Addr().Interface().(interface{ oauthScope() string })
		if !ok {
			t.Errorf("%q: the command says no scope (oauthScope)", args)
			continue
		}
		if got := cmd.oauthScope(); got != want {
			t.Errorf("%q: its 403 hint names %s, the table %s", args, got, want)
		}
	}
	if n < 15 {
		t.Errorf("docs/keys.md: %d command lines", n)
	}
}
