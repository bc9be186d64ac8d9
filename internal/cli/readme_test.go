package cli

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	return testenv.Section(t, testenv.ReadFile(t, "README.md"), heading)
}

// TestREADMECLIReference keeps the README's flag table true: one row per
// visible flag of `deploy` and the global ones, each naming the flag's
// environment variables; the hidden list flags' variables are documented on
// their visible counterparts. Only the test seams stay out.
func TestREADMECLIReference(t *testing.T) {
	section := readmeSection(t, "## CLI reference")
	rows := map[string]string{} // "--flag" -> its row
	for _, line := range strings.Split(section, "\n") {
		if m := regexp.MustCompile("^\\| `(?:-[a-z], )?(--[a-z-]+)").FindStringSubmatch(line); m != nil {
			rows[m[1]] = line
		}
	}
	parser, err := newParser(&CLI{}, "test", Env{Lookup: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	var deployCmd *kong.Node
	for _, n := range parser.Model.Children {
		if n.Name == "deploy" {
			deployCmd = n
		}
	}
	if deployCmd == nil {
		t.Fatal("no deploy command")
	}
	seams := []string{"HEROKU_DEPLOY_POLL_INTERVAL", "HEROKU_DEPLOY_STREAM_POLL", "HEROKU_DEPLOY_RETRY_WAIT", "HEROKU_DEPLOY_STREAM_WAIT",
		"HEROKU_DEPLOY_STREAM_QUIET", "HEROKU_DEPLOY_REQUEST_TIMEOUT", "HEROKU_DEPLOY_LOOKUP_WINDOW"}
	seen := map[string]bool{}
	for _, group := range deployCmd.AllFlags(false) {
		for _, f := range group {
			if f.Name == "help" {
				continue
			}
			if f.Hidden {
				for _, env := range f.Envs {
					if !slices.Contains(seams, env) && !strings.Contains(section, "`"+env+"`") {
						t.Errorf("hidden flag --%s reads %s, which the CLI reference does not mention", f.Name, env)
					}
				}
				continue
			}
			name := "--" + f.Name
			seen[name] = true
			row, ok := rows[name]
			if !ok {
				t.Errorf("flag %s is missing from the CLI reference", name)
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
		}
	}
	for name := range rows {
		if !seen[name] {
			t.Errorf("the CLI reference documents %s, which is not a flag", name)
		}
	}
}

// TestREADMEExitCodes keeps the exit-code table equal to the constants.
func TestREADMEExitCodes(t *testing.T) {
	var documented []int
	for _, m := range regexp.MustCompile(`(?m)^\| (\d+) \|`).FindAllStringSubmatch(readmeSection(t, "## Exit codes"), -1) {
		n, _ := strconv.Atoi(m[1])
		documented = append(documented, n)
	}
	codes := []int{ExitOK, ExitFailed, ExitUsage, ExitRefused, ExitUnavailable, ExitCancelled}
	if !slices.Equal(documented, codes) {
		t.Errorf("README documents exit codes %v; the code defines %v", documented, codes)
	}
}
