package cli

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// cliDoc is the CLI reference: every command, flag and exit code.
const cliDoc = "docs/cli.md"

func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	return testenv.Section(t, testenv.ReadFile(t, cliDoc), heading)
}

// TestREADMECLIReference keeps the CLI reference's flag tables true: under
// "### Global flags" one row per global flag, and under "### `heroku-deploy
// <command>`" one row per visible flag of that command, each naming the
// flag's environment variables, short form and default. A hidden flag's
// variable is either a test seam or mentioned in its command's section.
func TestREADMECLIReference(t *testing.T) {
	parser, err := newParser(&commandLine{}, "test", environment{Lookup: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	checkFlagTable(t, readmeSection(t, "### Global flags"), parser.Model.Flags)
	var leaves []*kong.Node
	var walk func(n *kong.Node)
	walk = func(n *kong.Node) {
		if len(n.Children) == 0 {
			leaves = append(leaves, n)
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, c := range parser.Model.Children {
		walk(c)
	}
	if len(leaves) < 6 {
		t.Fatalf("commands: %d, want deploy, promote, rollback, run, config set and maintenance at least", len(leaves))
	}
	for _, n := range leaves {
		t.Run(n.Path(), func(t *testing.T) {
			checkFlagTable(t, readmeSection(t, "### `heroku-deploy "+n.Path()+"`"), n.Flags)
		})
	}
}

// seams are the hidden flags' variables that only tests set.
var seams = []string{"HEROKU_DEPLOY_POLL_INTERVAL", "HEROKU_DEPLOY_STREAM_POLL", "HEROKU_DEPLOY_RETRY_WAIT", "HEROKU_DEPLOY_STREAM_WAIT",
	"HEROKU_DEPLOY_STREAM_QUIET", "HEROKU_DEPLOY_REQUEST_TIMEOUT", "HEROKU_DEPLOY_LOOKUP_WINDOW", "HEROKU_DEPLOY_ATTACH_TIMEOUT"}

// checkFlagTable holds one flag table of the CLI reference to the flags it
// documents.
func checkFlagTable(t *testing.T, section string, flags []*kong.Flag) {
	t.Helper()
	rows := map[string]string{} // "--flag" -> its row
	for _, line := range strings.Split(section, "\n") {
		if m := regexp.MustCompile("^\\| `(?:-[a-z], )?(--[a-z-]+)").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	seen := map[string]bool{}
	for _, f := range flags {
		if f.Name == "help" {
			continue
		}
		if f.Hidden {
			for _, env := range f.Envs {
				if !slices.Contains(seams, env) && !strings.Contains(section, "`"+env+"`") {
					t.Errorf("hidden flag --%s reads %s, which its section does not mention", f.Name, env)
				}
			}
			continue
		}
		name := "--" + f.Name
		seen[name] = true
		row, ok := rows[name]
		if !ok {
			t.Errorf("flag %s is missing from its table", name)
			continue
		}
		for _, env := range f.Envs {
			if !strings.Contains(row, "`"+env+"`") {
				t.Errorf("the %s row does not name its variable %s", name, env)
			}
		}
		if f.Short != 0 && !strings.Contains(row, "`-"+string(f.Short)+", "+name+"`") {
			t.Errorf("the %s row does not show its short form -%c", name, f.Short)
		}
		if d := f.Default; d != "" && !strings.Contains(row, "`"+d+"`") {
			t.Errorf("the %s row does not show its default %q", name, d)
		}
		if f.Tag.Negatable != "" && !strings.Contains(row, "`--no-"+f.Name+"`") {
			t.Errorf("the %s row does not show its negation --no-%s", name, f.Name)
		}
	}
	for name := range rows {
		if !seen[name] {
			t.Errorf("the table documents %s, which is not a flag here", name)
		}
	}
}
