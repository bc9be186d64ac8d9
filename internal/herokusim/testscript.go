package herokusim

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// The simulator's testscript commands, for the golden scripts:
//
//	herokusim [flags]               start a simulator for this script (flags as cmd/herokusim)
//	herokusim-requests              the recorded requests, one "METHOD PATH STATUS" line each
//	herokusim-check [APP] [builds=N] fail on broken protocol rules, or unless APP has N builds
//	herokusim-source APP            the archive behind APP's latest build
//	herokusim-wait build [APP]      block until APP has a build
//	leakcheck                       fail if a secret is in stdout, stderr or any file under $WORK
//
// APP defaults to the simulator's first app. The simulator lives in the
// script's own values, not in a global: scripts run in parallel.

type holderKey struct{}

type holder struct {
	sim  *Server
	apps []string
}

// Setup prepares a script for the commands and makes every scenario,
// whatever it asserts, fail if its simulator saw the client break the
// protocol: two builds from one upload, a chunked or authenticated storage
// PUT. That check runs in the script's test cleanup (a testscript Defer may
// not fail the script).
func Setup(env *testscript.Env) error {
	h := &holder{}
	env.Values[holderKey{}] = h
	env.Setenv("HEROKUSIM_KEY", DefaultKey)
	env.Setenv("CONFIG_SECRET", ConfigSecret)
	t, ok := env.T().(interface {
		Cleanup(func())
		Errorf(string, ...any)
	})
	if !ok {
		return fmt.Errorf("testscript's T (%T) has no Cleanup", env.T())
	}
	t.Cleanup(func() {
		if h.sim == nil {
			return // a script without a simulator
		}
		if p := h.sim.Problems(); len(p) > 0 {
			t.Errorf("simulator saw:\n%s", strings.Join(p, "\n"))
		}
	})
	return nil
}

// Commands returns the commands above, by name.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"herokusim":          cmdSim,
		"herokusim-requests": cmdRequests,
		"herokusim-check":    cmdCheck,
		"herokusim-source":   cmdSource,
		"herokusim-wait":     cmdWait,
		"leakcheck":          cmdLeakcheck,
	}
}

func state(ts *testscript.TestScript) *holder {
	h, ok := ts.Value(holderKey{}).(*holder)
	if !ok {
		ts.Fatalf("herokusim.Setup was not called for this script")
	}
	return h
}

func running(ts *testscript.TestScript) *holder {
	h := state(ts)
	if h.sim == nil {
		ts.Fatalf("no simulator: run 'herokusim' first")
	}
	return h
}

// appArg returns the app named by args[i], or the simulator's first app.
func (h *holder) appArg(args []string, i int) string {
	if i < len(args) && !strings.Contains(args[i], "=") {
		return args[i]
	}
	return h.apps[0]
}

// herokusim [flags]: start a simulator (one app, my-app, by default) and
// point HEROKU_API_URL at it. A later herokusim in the same script
// replaces it.
func cmdSim(ts *testscript.TestScript, neg bool, args []string) {
	var errOut bytes.Buffer
	opts, rest, err := ParseFlags("herokusim", args, &errOut)
	if err != nil || len(rest) > 0 {
		ts.Fatalf("herokusim: %v %s", err, errOut.String())
	}
	if len(opts.Apps) == 0 {
		opts.Apps = []string{"my-app"}
	}
	s, err := Start(opts)
	if err != nil {
		ts.Fatalf("herokusim: %v", err)
	}
	h := state(ts)
	if h.sim != nil {
		if p := h.sim.Problems(); len(p) > 0 {
			ts.Fatalf("simulator saw:\n%s", strings.Join(p, "\n"))
		}
	}
	h.sim = s
	h.apps = nil
	for _, a := range opts.Apps {
		name, _, _ := strings.Cut(a, ":")
		h.apps = append(h.apps, name)
	}
	ts.Defer(func() { s.Close() })
	ts.Setenv("HEROKU_API_URL", s.URL)
}

// herokusim-requests: print how many requests were recorded, then one
// "METHOD PATH STATUS" line each; a run of identical lines (polling) prints
// once.
func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	var prev string
	reqs := running(ts).sim.Requests()
	fmt.Fprintf(ts.Stdout(), "%d requests\n", len(reqs))
	for _, r := range reqs {
		line := fmt.Sprintf("%s %s %d", r.Method, r.Path, r.Status)
		if r.Fault != "" {
			line += " (fault)"
		}
		if line != prev {
			fmt.Fprintln(ts.Stdout(), line)
		}
		prev = line
	}
}

// herokusim-check [APP] [builds=N]: fail on protocol rules the client broke
// (as every script does at its end) and, with builds=N, unless exactly N
// builds exist for APP.
func cmdCheck(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	app := h.appArg(args, 0)
	problems := h.sim.Problems()
	for _, a := range args {
		if n, ok := strings.CutPrefix(a, "builds="); ok {
			want, err := strconv.Atoi(n)
			if err != nil {
				ts.Fatalf("herokusim-check: %s is not a number", a)
			}
			if got := h.sim.BuildCount(app); got != want {
				problems = append(problems, fmt.Sprintf("%d builds for %s, want %d", got, app, want))
			}
		}
	}
	if len(problems) > 0 {
		ts.Fatalf("simulator saw:\n%s", strings.Join(problems, "\n"))
	}
}

// herokusim-source APP: list the archive of APP's latest build.
func cmdSource(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	entries, err := h.sim.SourceEntries(h.appArg(args, 0))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	fmt.Fprintln(ts.Stdout(), strings.Join(entries, "\n"))
}

// herokusim-wait build [APP]: block until APP has a build (for signal tests).
func cmdWait(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	if len(args) == 0 || args[0] != "build" {
		ts.Fatalf("usage: herokusim-wait build [APP]")
	}
	app := h.appArg(args, 1)
	deadline := time.Now().Add(10 * time.Second)
	for h.sim.BuildCount(app) == 0 {
		if time.Now().After(deadline) {
			ts.Fatalf("no build was created for %s within 10s", app)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the client reach the stream
}

// leakcheck: fail if a secret (Secrets, and the script's HEROKU_API_KEY)
// appears in the last stdout or stderr or in any file under $WORK.
func cmdLeakcheck(ts *testscript.TestScript, neg bool, args []string) {
	secrets := Secrets()
	if k := ts.Getenv("HEROKU_API_KEY"); k != "" {
		secrets = append(secrets, k)
	}
	check := func(where string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				ts.Fatalf("%s contains a secret (%.12s…)", where, s)
			}
		}
	}
	check("stdout", []byte(ts.ReadFile("stdout")))
	check("stderr", []byte(ts.ReadFile("stderr")))
	work := ts.Getenv("WORK")
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || strings.HasSuffix(p, ".txtar") {
			return err // a FIFO would block the read
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		check(strings.TrimPrefix(p, work+"/"), data)
		return nil
	})
	if err != nil {
		ts.Fatalf("leakcheck: %v", err)
	}
}
