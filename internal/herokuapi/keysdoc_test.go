package herokuapi

import (
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/testenv"
)

// keysRow is a row of docs/keys.md's table of what each command needs.
type keysRow struct {
	line     string   // the command line, "deploy --app my-app --rebuild"
	command  string   // "deploy", "review deploy"
	calls    []string // "GET /apps/*/releases", the path a path.Match pattern
	optional []string // calls a key that cannot make them skips
	scope    string   // the narrowest scope, "write,read-protected"
	inferred bool
}

var (
	keysCallRE = regexp.MustCompile("`((?:GET|POST|PATCH|DELETE) /[^`]*)`( \\*\\(followed if readable\\)\\*)?")
	keysWildRE = regexp.MustCompile(`\{[a-z]+\}`)
)

// KeysTable reads docs/keys.md's table (also read by internal/cli's test).
func keysTable(t *testing.T) []keysRow {
	t.Helper()
	sec := testenv.Section(t, testenv.ReadFile(t, "docs/keys.md"), "### What each command needs")
	var rows []keysRow
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 3 || !strings.HasPrefix(line, "| `") {
			continue
		}
		r := keysRow{line: strings.Trim(strings.SplitN(cells[0], "`", 3)[1], "`")}
		words := strings.Fields(r.line)
		r.command = words[0]
		if r.command == "review" || r.command == "config" {
			r.command += " " + words[1]
		}
		switch {
		case strings.HasPrefix(cells[1], "the above") && len(rows) > 0:
			prev := rows[len(rows)-1]
			r.calls, r.optional = slices.Clone(prev.calls), slices.Clone(prev.optional)
		case strings.Contains(cells[1], "the first row's") || strings.Contains(cells[1], "the first deploy row's"):
			r.calls, r.optional = slices.Clone(rows[0].calls), slices.Clone(rows[0].optional)
		}
		for _, m := range keysCallRE.FindAllStringSubmatch(cells[1], -1) {
			call := keysWildRE.ReplaceAllString(m[1], "*")
			if m[2] != "" {
				r.optional = append(r.optional, call)
			} else {
				r.calls = append(r.calls, call)
			}
		}
		scope := strings.TrimSuffix(cells[2], " |")
		r.scope = strings.Split(scope, "`")[1]
		r.inferred = strings.Contains(scope, "*(inferred")
		rows = append(rows, r)
	}
	if len(rows) < 15 {
		t.Fatalf("docs/keys.md: %d rows in the table of what each command needs", len(rows))
	}
	return rows
}

// keysCandidates are the scopes a key may have, narrowest first.
var keysCandidates = []string{"read", "write", "read-protected", "write,read-protected", "write-protected", "global"}

// narrowest is the narrowest candidate that every call accepts, from the
// simulator's table (accepted by call, "GET /apps/*").
func narrowest(t *testing.T, calls []string, accepted map[string]herokusim.RouteScope) string {
	for _, c := range keysCandidates {
		ok := true
		for _, call := range calls {
			rs := accepted[call]
			if !slices.ContainsFunc(strings.Split(c, ","), func(s string) bool { return slices.Contains(strings.Fields(rs.Accepted), s) }) {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
	t.Errorf("no scope makes %q", calls)
	return ""
}

// TestKeysDoc holds docs/keys.md's table of what each command needs to
// the code: every call is a request the client knows (answers.go) and a
// route of the simulator; every request the client knows is in the table;
// each row's scope is the narrowest the simulator's table of accepted
// scopes allows for its calls (marked inferred unless a call whose basis
// is a source requires it); and every API request a golden script records
// is a call of a command that script runs.
func TestKeysDoc(t *testing.T) {
	rows := keysTable(t)
	accepted := map[string]herokusim.RouteScope{}
	for pattern, rs := range herokusim.RouteScopes() {
		accepted[keysWildRE.ReplaceAllString(pattern, "*")] = rs
	}
	listed := map[string]bool{}
	for _, r := range rows {
		for _, call := range append(slices.Clone(r.calls), r.optional...) {
			listed[call] = true
			method, p, _ := strings.Cut(call, " ")
			if _, ok := answerFor(method, p, ""); !ok {
				t.Errorf("%s: %s is no request of the client (answers.go)", r.line, call)
			}
			if _, ok := accepted[call]; !ok {
				t.Errorf("%s: %s is no route of the simulator", r.line, call)
			}
		}
		got := narrowest(t, r.calls, accepted)
		if got != r.scope {
			t.Errorf("%s: the table says %s, the calls' accepted scopes give %s", r.line, r.scope, got)
		}
		var sourced []string
		for _, call := range r.calls {
			if strings.HasPrefix(accepted[call].Basis, "source:") {
				sourced = append(sourced, call)
			}
		}
		if want := len(sourced) == 0 || narrowest(t, sourced, accepted) != got; r.inferred != want {
			t.Errorf("%s: marked inferred %v; a sourced call requires %s: want inferred %v", r.line, r.inferred, narrowest(t, sourced, accepted), want)
		}
	}
	for _, a := range answers {
		if !listed[a.route] {
			t.Errorf("the client sends %s, which no row of docs/keys.md lists", a.route)
		}
	}

	// The golden scripts' request lists.
	byCommand := map[string][]string{}
	for _, r := range rows {
		byCommand[r.command] = append(byCommand[r.command], append(slices.Clone(r.calls), r.optional...)...)
	}
	runRE := regexp.MustCompile(`(?m)^(?:\[[^]]*\] )?(?:! )?(?:exec|exec-code \d+) (heroku-deploy|dpl)((?: -\S+)*) (\S+)(?: (\S+))?`)
	reqRE := regexp.MustCompile(`(?m)^(GET|POST|PATCH|DELETE|PUT) (/\S*) \d+`)
	scripts, err := filepath.Glob(filepath.Join(testenv.Root(t), "testdata", "script", "*.txtar"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no golden scripts: %v", err)
	}
	checked := 0
	for _, f := range scripts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var calls []string
		commands := map[string]bool{}
		for _, m := range runRE.FindAllStringSubmatch(string(b), -1) {
			c := m[3]
			switch {
			case m[1] == "dpl": // dpl runs these
				for _, c := range []string{"deploy", "restart", "run"} {
					commands[c] = true
					calls = append(calls, byCommand[c]...)
				}
				continue
			case c == "review" || c == "config":
				c += " " + m[4]
			}
			commands[c] = true
			calls = append(calls, byCommand[c]...)
		}
		for _, m := range reqRE.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[2], "/") || strings.HasPrefix(m[2], "/api/v4/") || slices.ContainsFunc([]string{"/s3/", "/streams/", "/web/", "/logs/", "/trap"}, func(p string) bool { return strings.HasPrefix(m[2], p) }) {
				continue
			}
			checked++
			if !slices.ContainsFunc(calls, func(call string) bool {
				method, p, _ := strings.Cut(call, " ")
				ok, _ := path.Match(p, m[2])
				return ok && method == m[1]
			}) {
				t.Errorf("%s records %s %s, which no row of docs/keys.md lists for the commands it runs (%v)", filepath.Base(f), m[1], m[2], slices.Sorted(func(yield func(string) bool) {
					for c := range commands {
						if !yield(c) {
							return
						}
					}
				}))
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d requests recorded by the golden scripts were checked", checked)
	}
}
