package leakcheck

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/rogpeppe/go-internal/testscript"
)

type stateKey struct{}

// state is one script's: the secrets' sources, and what was found in
// $WORK before testscript removed it.
type state struct {
	mu      sync.Mutex
	dir     string            // the runs' tees (DirEnv)
	work    string            // $WORK
	sources []func() []Secret // the fakes', in the order they started
	given   []Secret          // the leakcheck command's VALUEs
	found   []string          // problems found in $WORK's files
}

// Setup makes every run of a Program in the script checked when the
// script ends, passed or failed: its stdout and stderr, and every file
// under $WORK, against the secrets of sources (and those Registered later).
// Problems fail the test (through its Errorf) without a secret in the
// message. The test's T must have Cleanup and Errorf.
func Setup(env *testscript.Env, sources ...func() []Secret) error {
	t, ok := env.T().(interface {
		Cleanup(func())
		Errorf(string, ...any)
	})
	if !ok {
		return fmt.Errorf("leakcheck: testscript's T (%T) has no Cleanup", env.T())
	}
	dir, err := os.MkdirTemp("", "leakcheck-")
	if err != nil {
		return err
	}
	st := &state{dir: dir, work: env.WorkDir, sources: sources}
	env.Values[stateKey{}] = st
	env.Setenv(DirEnv, dir)
	// testscript removes $WORK before the test's cleanup: its files are
	// read at the end of the script (a Defer may not fail the script, so
	// it only notes), the runs' tees afterwards, once the background
	// commands are gone too.
	env.Defer(func() {
		secrets := st.secrets()
		st.mu.Lock()
		st.found = append(st.found, scanFiles(st.work, secrets)...)
		st.mu.Unlock()
	})
	t.Cleanup(func() {
		defer os.RemoveAll(dir)
		problems := st.check()
		if len(problems) > 0 {
			t.Errorf("leak check: a secret was printed or written (every run of heroku-deploy is checked, see internal/leakcheck):\n%s",
				strings.Join(problems, "\n"))
		}
	})
	return nil
}

func stateOf(ts *testscript.TestScript) *state {
	st, ok := ts.Value(stateKey{}).(*state)
	if !ok {
		ts.Fatalf("leakcheck.Setup was not called for this script")
	}
	return st
}

// Register adds a source of secrets to the script's check: a fake calls
// it when it starts (Setup takes the sources known before). A source stays registered after the fake is replaced
// or closed (what it knew stays secret); it is asked at each check.
func Register(ts *testscript.TestScript, source func() []Secret) error {
	st, ok := ts.Value(stateKey{}).(*state)
	if !ok {
		return fmt.Errorf("leakcheck.Setup was not called for this script")
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.sources = append(st.sources, source)
	return nil
}

// secrets returns everything the script knows to be secret: its sources',
// the values given to leakcheck, and the secret variables of every run.
func (st *state) secrets() []Secret {
	st.mu.Lock()
	sources := append([]func() []Secret(nil), st.sources...)
	out := append([]Secret(nil), st.given...)
	st.mu.Unlock()
	for _, src := range sources {
		out = append(out, src()...)
	}
	for _, r := range readRuns(st.dir) {
		names := make([]string, 0, len(r.env))
		for k := range r.env {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			out = append(out, Secret{"$" + k, strings.TrimSpace(r.env[k])})
		}
	}
	return out
}

// teed is one recorded run.
type teed struct {
	n    int
	dir  string
	args []string
	env  map[string]string
}

// readRuns returns the runs recorded under dir, in order.
func readRuns(dir string) []teed {
	entries, _ := os.ReadDir(dir)
	var runs []teed
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil || !e.IsDir() {
			continue
		}
		r := teed{n: n, dir: filepath.Join(dir, e.Name()), env: map[string]string{}}
		var rec run
		if b, err := os.ReadFile(filepath.Join(r.dir, "run.json")); err == nil && json.Unmarshal(b, &rec) == nil {
			for _, a := range rec.Args {
				v, _ := hex.DecodeString(a)
				r.args = append(r.args, string(v))
			}
			for k, h := range rec.Env {
				v, _ := hex.DecodeString(h)
				r.env[k] = string(v)
			}
		}
		runs = append(runs, r)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].n < runs[j].n })
	return runs
}

// check returns the problems: secrets in the runs' output, and those
// found in $WORK's files at the end of the script.
func (st *state) check() []string {
	secrets := st.secrets()
	var problems []string
	ns := needles(secrets)
	for _, r := range readRuns(st.dir) {
		for _, stream := range []string{"stdout", "stderr"} {
			data, err := os.ReadFile(filepath.Join(r.dir, stream))
			if err != nil {
				problems = append(problems, fmt.Sprintf("run %d (%s): %s not recorded: %v", r.n, describe(r.args, ns), stream, err))
				continue
			}
			for _, h := range find(data, ns) {
				problems = append(problems, fmt.Sprintf("run %d (%s): %s", r.n, describe(r.args, ns), h.describe(stream)))
			}
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	return append(problems, st.found...)
}

func (h Hit) describe(where string) string {
	return fmt.Sprintf("%s line %d holds %s, %s: %s", where, h.Line, h.Secret.Kind, h.Form, h.Text)
}

// describe shows a run's command line, its secrets elided.
func describe(args []string, ns []needle) string {
	if len(args) == 0 {
		return "?"
	}
	line := elide(strings.Join(args, " "), ns)
	return strings.Trim(line, `"`)
}

// scanFiles searches every regular file under work but the scripts
// themselves. Called at the end of a script.
func scanFiles(work string, secrets []Secret) []string {
	var problems []string
	ns := needles(secrets)
	filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".txtar") {
			return nil // a FIFO would block the read
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		for _, h := range find(data, ns) {
			problems = append(problems, "file "+h.describe(strings.TrimPrefix(p, work+"/")))
		}
		return nil
	})
	return problems
}

// Cmd is the script command
//
//	leakcheck [VALUE...]
//
// It adds the VALUEs to the script's secrets (checked in every run's
// output at the end) and fails at once if a secret is in the last
// command's stdout or stderr or in a file under $WORK. Since every run is
// checked anyway, a script needs it only to name a value the check would
// not know.
func Cmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: leakcheck [VALUE...]")
	}
	st := stateOf(ts)
	for _, v := range args {
		if v == "" {
			ts.Fatalf("leakcheck: an empty secret (unset variable?)")
		}
		st.mu.Lock()
		st.given = append(st.given, Secret{"a value given to leakcheck", v})
		st.mu.Unlock()
	}
	secrets := st.secrets()
	if k := strings.TrimSpace(ts.Getenv("HEROKU_API_KEY")); k != "" {
		secrets = append(secrets, Secret{"$HEROKU_API_KEY", k})
	}
	var problems []string
	for _, stream := range []string{"stdout", "stderr"} {
		for _, h := range Find([]byte(ts.ReadFile(stream)), secrets) {
			problems = append(problems, h.describe(stream))
		}
	}
	problems = append(problems, scanFiles(ts.Getenv("WORK"), secrets)...)
	if len(problems) > 0 {
		ts.Fatalf("leakcheck:\n%s", strings.Join(problems, "\n"))
	}
}
