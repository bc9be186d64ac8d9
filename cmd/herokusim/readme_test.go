package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// The README is the contract: its "Try it here" command, and the variations
// its text suggests, must work as printed on a machine with only Go, each
// ending with heroku-deploy's own exit code; and "Run every test" must be
// what CI runs.

func readme(t *testing.T) string {
	t.Helper()
	return testenv.ReadFile(t, "README.md")
}

// block returns the first ```sh block after the heading.
func block(t *testing.T, doc, heading string) string {
	t.Helper()
	m := regexp.MustCompile("(?s)\n" + regexp.QuoteMeta(heading) + "\n.*?```sh\n(.*?)\n```").FindStringSubmatch(doc)
	if m == nil {
		t.Fatalf("README has no sh block under %q", heading)
	}
	return m[1]
}

// commandLine splits a one-line shell command into its commands (joined by
// &&) and their words, as sh would, for the little the demo may use: words,
// 'single' and "double" quotes without expansions. Anything that needs a
// shell to mean what it says ($, |, ;, <, >, `, \, globs outside quotes) is
// refused: the line must run the same in any shell, and the test needs none.
func commandLine(t *testing.T, line string) [][]string {
	t.Helper()
	var cmds [][]string
	var words []string
	var word strings.Builder
	inWord := false
	end := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		switch c := line[i]; {
		case c == ' ':
			end()
		case c == '\'' || c == '"':
			j := strings.IndexByte(line[i+1:], c)
			if j < 0 {
				t.Fatalf("unclosed quote in %q", line)
			}
			quoted := line[i+1 : i+1+j]
			if c == '"' && strings.ContainsAny(quoted, "$`\\") {
				t.Fatalf("the demo needs a shell's expansion: %q", line)
			}
			word.WriteString(quoted)
			inWord = true
			i += j + 1
		case strings.HasPrefix(line[i:], "&&"):
			end()
			cmds = append(cmds, words)
			words = nil
			i++
		case strings.ContainsRune("$|;<>`\\&*?[(){}~#", rune(c)):
			t.Fatalf("the demo needs a shell to mean %q: %q", c, line)
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	end()
	cmds = append(cmds, words)
	for _, c := range cmds {
		if len(c) == 0 {
			t.Fatalf("an empty command in %q", line)
		}
	}
	return cmds
}

// demoRun runs one command of the demo from the repository's root, with
// bin/ moved to binDir, and returns its output and exit code.
func demoRun(t *testing.T, binDir string, argv []string) (stdout, stderr string, code int) {
	t.Helper()
	argv = append([]string(nil), argv...)
	for i, a := range argv {
		if rest, ok := strings.CutPrefix(a, "bin/"); ok {
			argv[i] = filepath.Join(binDir, rest)
			if rest == "" {
				argv[i] += string(filepath.Separator)
			}
		}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = testenv.Root(t)
	// No account: nothing of the caller's Heroku settings. The retry wait
	// is shortened only so the outage takes milliseconds.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HEROKU_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HEROKU_DEPLOY_RETRY_WAIT=5ms")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("%s: %v", strings.Join(argv, " "), err)
	}
	return out.String(), errOut.String(), code
}

func TestREADMEDemo(t *testing.T) {
	doc := readme(t)
	demo := block(t, doc, "## Try it here (no Heroku account)")
	if strings.Contains(demo, "\n") {
		t.Fatalf("the demo is more than one line: %q", demo)
	}
	section := testenv.Section(t, doc, "## Try it here (no Heroku account)")
	dir := regexp.MustCompile("`(--dir testdata/apps/[a-z-]+)`").FindStringSubmatch(section)
	fault := regexp.MustCompile("`(-fault '[^']+')`").FindStringSubmatch(section)
	failing := regexp.MustCompile("`(--app [a-z-]+)`[^`]*?exit (\\d+)").FindStringSubmatch(strings.ReplaceAll(section, "\n", " "))
	if dir == nil || fault == nil || failing == nil {
		t.Fatalf("the README no longer suggests another --dir, a -fault and an app that fails with its exit code: %q", section)
	}
	cmds := commandLine(t, demo)
	if len(cmds) != 2 || cmds[0][0] != "go" || cmds[1][0] != "bin/herokusim" || !strings.Contains(demo, " -- bin/heroku-deploy deploy ") {
		t.Fatalf("the demo is not `go build …` && bin/herokusim … -- bin/heroku-deploy deploy …: %q", demo)
	}
	wantCode, _ := strconv.Atoi(failing[2])

	// The demo as printed, build included; the variations run the binaries
	// it built.
	bin := t.TempDir()
	if _, stderr, code := demoRun(t, bin, cmds[0]); code != 0 {
		t.Fatalf("%s: exit %d\n%s", demo, code, stderr)
	}
	// with returns the demo's run with flag's value replaced: `--dir x`.
	with := func(suggested string) []string {
		flag, value, _ := strings.Cut(suggested, " ")
		argv := slices.Clone(cmds[1])
		i := slices.Index(argv, flag)
		if i < 0 || i+1 >= len(argv) {
			t.Fatalf("the demo has no %s to vary: %q", flag, demo)
		}
		argv[i+1] = value
		return argv
	}
	sep := slices.Index(cmds[1], "--")
	withFault := slices.Concat(cmds[1][:sep], commandLine(t, fault[1])[0], cmds[1][sep:])
	for _, tt := range []struct {
		name string
		argv []string
		code int
		want string
	}{
		{"as printed", cmds[1], 0, "Node.js app detected"},
		{"the other sample app", with(dir[1]), 0, "Python app detected"},
		{"riding out an outage", withFault, 0, "503 Service Unavailable (attempt 1 of 5, next in"},
		{"an app the simulator does not have", with(failing[1]), wantCode, "404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := demoRun(t, bin, tt.argv)
			out := stdout + stderr
			if code != tt.code {
				t.Fatalf("%s: exit %d, want %d\n%s", strings.Join(tt.argv, " "), code, tt.code, out)
			}
			if strings.Contains(out, "exit status") {
				t.Errorf("output names an exit status of its own, as go run does:\n%s", out)
			}
			if tt.code == 0 {
				lines := strings.Split(strings.TrimSpace(stdout), "\n")
				if url := lines[len(lines)-1]; !regexp.MustCompile(`^https://demo-app-[0-9a-f]{12}\.herokuapp\.com/$`).MatchString(url) {
					t.Errorf("last line %q, want the app's web_url", url)
				}
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, out)
			}
			for _, secret := range herokusim.Secrets() {
				if strings.Contains(out, secret) {
					t.Errorf("output contains a secret (%.10s…)", secret)
				}
			}
		})
	}
}

func TestREADMETestCommandIsWhatCIRuns(t *testing.T) {
	test := block(t, readme(t), "## Run every test")
	ci := testenv.ReadFile(t, ".ci/run")
	if !regexp.MustCompile(`(?m)^CI=true ` + regexp.QuoteMeta(test) + `$`).MatchString(ci) {
		t.Errorf(".ci/run does not run the README's test command %q", test)
	}
}
