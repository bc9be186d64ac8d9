package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
)

// TestSIGTERMCancelsBuild sends the process SIGTERM, as GitLab Runner does
// when a job is cancelled, while a build runs: the build is cancelled on
// Heroku and Main returns 130 promptly.
func TestSIGTERMCancelsBuild(t *testing.T) {
	sim, err := herokusim.Start(herokusim.Options{Apps: []string{"my-app"}, Stuck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"scripts":{"start":"node x.js"}}`), 0o644)
	t.Setenv("HEROKU_API_URL", sim.URL)
	t.Setenv("HEROKU_API_KEY", herokusim.DefaultKey)
	t.Setenv("HEROKU_DEPLOY_RETRY_WAIT", "5ms")

	sentAt := make(chan time.Time, 1)
	go func() {
		for sim.BuildCount("my-app") == 0 {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		sentAt <- time.Now()
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}()
	code := Main("test", []string{"deploy", "--app", "my-app", "--dir", dir})
	if code != outcome.Stopped.Code() {
		t.Fatalf("exit code %d, want %d", code, outcome.Stopped.Code())
	}
	if took := time.Since(<-sentAt); took > 5*time.Second {
		t.Errorf("took %s after SIGTERM to exit", took)
	}
	var deleted bool
	for _, r := range sim.Requests() {
		if r.Method == "DELETE" && strings.HasPrefix(r.Path, "/apps/my-app/builds/") && r.Status == 200 {
			deleted = strings.HasSuffix(r.Accept, "version=3.cancel-build")
		}
	}
	if !deleted {
		t.Errorf("the build was not cancelled with the cancel-build Accept variant: %+v", sim.Requests())
	}
}

func TestExitCodes(t *testing.T) {
	env := func(vars map[string]string) (environment, *bytes.Buffer) {
		var out bytes.Buffer
		return environment{
			Getenv: func(k string) string { return vars[k] },
			Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok },
			Stdout: &out, Stderr: &out,
		}, &out
	}
	cases := []struct {
		args []string
		want int
	}{
		{[]string{"--help"}, outcome.Done.Code()},
		{[]string{"--version"}, outcome.Done.Code()},
		{[]string{}, outcome.BadInput.Code()},
		{[]string{"nope"}, outcome.BadInput.Code()},
		{[]string{"deploy", "--app", "my-app", "--timeout", "x"}, outcome.BadInput.Code()},
		{[]string{"deploy", "--app", "my-app"}, outcome.BadInput.Code()}, // no key
	}
	for _, c := range cases {
		e, out := env(map[string]string{})
		if got := run(context.Background(), "test", c.args, e); got != c.want {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, got, c.want, out)
		}
	}
}

// TestDeployHelpShowsWhatMatters: the defaults people need (the key's
// variable, the directory), every variable a flag reads, and no variable
// twice.
func TestDeployHelpShowsWhatMatters(t *testing.T) {
	var out bytes.Buffer
	e := environment{Getenv: func(string) string { return "" }, Lookup: func(string) (string, bool) { return "", false }, Stdout: &out, Stderr: &out}
	if code := run(context.Background(), "test", []string{"deploy", "--help"}, e); code != 0 {
		t.Fatalf("exit %d", code)
	}
	help := strings.Join(strings.Fields(out.String()), " ")
	for _, want := range []string{"(default HEROKU_API_KEY)", "(default .)", "$HEROKU_DEPLOY_BUILDPACKS", "$HEROKU_DEPLOY_EXCLUDE", "--timeout=30m"} {
		if !strings.Contains(help, want) {
			t.Errorf("deploy --help lacks %q:\n%s", want, out.String())
		}
	}
	if n := strings.Count(help, "$CI_COMMIT_SHA"); n != 1 {
		t.Errorf("$CI_COMMIT_SHA appears %d times", n)
	}
}

// TestTimeoutHelpIsTheCommandsOwn: --timeout's help names the exit code of
// the command it is read under (run's 124, every other's 4), not a list.
func TestTimeoutHelpIsTheCommandsOwn(t *testing.T) {
	var c commandLine
	parser, err := newParser(&c, "test", environment{Lookup: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, n := range parser.Model.Leaves(false) {
		for _, f := range n.Flags {
			if f.Name != "timeout" {
				continue
			}
			seen++
			want := fmt.Sprintf("It then exits %d.", outcome.Unknown.Code())
			if n.Name == "run" {
				want = fmt.Sprintf("It then exits %d.", outcome.RunTimedOut.Code())
			}
			if !strings.HasSuffix(f.Help, want) {
				t.Errorf("%s --timeout: %q, want it to end %q", n.FullPath(), f.Help, want)
			}
		}
	}
	if seen < 10 {
		t.Errorf("--timeout found on %d commands", seen)
	}
}

// TestAppFlag: every command on one app checks --app while parsing, with
// its hint, before the key is read (none is set here); a missing --app is
// kong's error.
func TestAppFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"deploy"}, outcome.BadInput.Code()},
		{[]string{"rollback"}, outcome.BadInput.Code()},
		{[]string{"run", "--command", "true"}, outcome.RunBroken.Code()},
		{[]string{"config", "set", "FOO"}, outcome.BadInput.Code()},
		{[]string{"maintenance", "on"}, outcome.BadInput.Code()},
	} {
		var out bytes.Buffer
		e := environment{Getenv: func(string) string { return "" }, Lookup: func(string) (string, bool) { return "", false }, Stdout: &out, Stderr: &out}
		if got := run(context.Background(), "test", append(c.args, "--app", "Bad_App"), e); got != c.code ||
			!strings.Contains(out.String(), `error: invalid app name "Bad_App"`) || !strings.Contains(out.String(), "hint: Heroku app names are 3 to 30 characters") {
			t.Errorf("%v --app Bad_App: exit %d, want %d\n%s", c.args, got, c.code, out.String())
		}
		out.Reset()
		if got := run(context.Background(), "test", c.args, e); got != c.code || !strings.Contains(out.String(), "error: missing flags: --app=NAME") {
			t.Errorf("%v: exit %d, want %d\n%s", c.args, got, c.code, out.String())
		}
	}
}

// TestParseErrorsPointAtTheCommandsHelp: a flag or argument error points
// at the help of the command it concerns, not the whole tool's; a missing
// `maintenance` state is named with its values (kong says only `expected
// "<state>"`).
func TestParseErrorsPointAtTheCommandsHelp(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"deploy", "--app", "my-app", "--bogus"}, []string{"error: unknown flag --bogus", "hint: run 'heroku-deploy deploy --help' for usage"}},
		{[]string{"config", "set", "--app", "my-app", "--bogus"}, []string{"hint: run 'heroku-deploy config set --help' for usage"}},
		{[]string{"maintenance", "--app", "my-app"}, []string{"error: maintenance needs its state argument: on or off", "hint: usage: heroku-deploy maintenance --app=NAME on|off [flags]", "hint: run 'heroku-deploy maintenance --help' for usage"}},
		{[]string{"nope"}, []string{"hint: run 'heroku-deploy --help' for usage"}},
	} {
		var out bytes.Buffer
		e := environment{Getenv: func(string) string { return "" }, Lookup: func(string) (string, bool) { return "", false }, Stdout: &out, Stderr: &out}
		if got := run(context.Background(), "test", c.args, e); got != outcome.BadInput.Code() {
			t.Errorf("%v: exit %d, want %d", c.args, got, outcome.BadInput.Code())
		}
		for _, w := range c.want {
			if !strings.Contains(out.String(), "heroku-deploy: "+w+"\n") {
				t.Errorf("%v: no %q in\n%s", c.args, w, out.String())
			}
		}
	}
}

// TestComponentVariables: the variables as the components render them
// (issue 12's boolean as text with a newline, an empty health check) read
// as the flags they stand for.
func TestComponentVariables(t *testing.T) {
	vars := map[string]string{
		"HEROKU_DEPLOY_APP": "my-app", "HEROKU_DEPLOY_REBUILD": "true\n", "HEROKU_DEPLOY_HEALTH_CHECK": "",
		"HEROKU_DEPLOY_FROM": "my-app-staging", "HEROKU_DEPLOY_TO": "my-app-production",
	}
	env := environment{Getenv: func(k string) string { return vars[k] }, Lookup: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
	for _, cmd := range []string{"deploy", "promote"} {
		var c commandLine
		parser, err := newParser(&c, "test", env)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := parser.Parse([]string{cmd}); err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		switch cmd {
		case "deploy":
			if !c.Deploy.Rebuild || c.Deploy.HealthCheck != "" || !c.Deploy.RollbackOnFailure {
				t.Errorf("deploy: %+v", c.Deploy)
			}
		case "promote":
			if c.Promote.From != "my-app-staging" || !slices.Equal(c.Promote.To, []string{"my-app-production"}) {
				t.Errorf("promote: %+v", c.Promote)
			}
		}
	}
	vars["HEROKU_DEPLOY_REBUILD"] = "false\n"
	var c commandLine
	parser, _ := newParser(&c, "test", env)
	if _, err := parser.Parse([]string{"deploy"}); err != nil || c.Deploy.Rebuild {
		t.Errorf("rebuild %q: %v %v", vars["HEROKU_DEPLOY_REBUILD"], c.Deploy.Rebuild, err)
	}
}
