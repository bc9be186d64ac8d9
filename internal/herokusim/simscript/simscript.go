// Package simscript holds the Heroku simulator's testscript commands, for
// the golden scripts (cmd/heroku-deploy) and any test that runs scripts
// against the simulator: Setup prepares a script, Commands returns the
// commands. The simulator itself (internal/herokusim) knows nothing of
// testscript.
//
// The commands:
//
//	herokusim [flags]               start a simulator for this script (flags as cmd/herokusim)
//	herokusim-requests [-new]       the recorded requests, one "METHOD PATH STATUS" line each
//	                                (-new: only those since the last herokusim-requests)
//	herokusim-check [APP] [CHECK...] fail on broken protocol rules, or unless every CHECK holds:
//	    builds=N                      APP has N builds
//	    maintenance=on|off            APP's maintenance mode
//	    config=NAME:VAR               APP's config var NAME equals the script's $VAR
//	    no-config=NAME                APP has no config var NAME
//	    config-of=NAME:OTHER          APP's config var NAME equals app OTHER's
//	    gone                          APP does not exist (deleted, or never made)
//	    dyno-env=NAME:VAR             the env of APP's latest dyno holds NAME = $VAR
//	    coupled=PIPELINE/STAGE        APP is coupled to PIPELINE (by name) at STAGE; coupled=none: to none
//	herokusim-source APP            the archive behind APP's latest build
//	herokusim-dynos [APP]           APP's one-off dynos: name, final state, attach, tty, size,
//	                                time_to_live, env names, then the command indented, on lines of its own
//	                                (U+FFFF and heroku-deploy's marker nonce written out)
//	herokusim-config [APP]          the names of APP's config vars, never their values
//	herokusim-apps                  every app: name, owner, team, space, region, generation, add-ons
//	herokusim-wait build|dyno [APP] block until APP has a build, or a one-off dyno whose process runs
//	herokusim-wait fault            block until a delay=, hang or barrier fault holds a request right now (a signal
//	                                during it), or for other faults until a request met one since the last wait
//	herokusim-expire [APP] vN       retention: APP's releases up to vN expire (the current one excepted)
//	herokusim-release-fails [APP] on|off  from now on, APP's release commands fail (on) or run as written (off)
//	herokusim-procs [APP]           APP's formation: one "TYPE=QUANTITY:SIZE restarts=N" line a process type
//	herokusim-images [APP], herokusim-push-image ...  container apps' images (container.go)
//	herokusim-registry-requests heroku|source [-new]  a registry fake's requests (container.go)
//	leakcheck [VALUE...]            add VALUEs to the secrets; fail if a secret is in the last stdout,
//	                                stderr or any file under $WORK (see internal/leakcheck)
//
// Every run of heroku-deploy is leak-checked at the end of the script
// without asking (internal/leakcheck): against what every simulator of the
// script knows (LeakSecrets), the GitLab fake's tokens and the secret
// variables of the run.
//
// APP defaults to the simulator's first app. The simulator lives in the
// script's own values, not in a global: scripts run in parallel. herokusim
// also writes the rendezvous server's CA to $WORK/.herokusim-ca.pem and
// points HEROKU_DEPLOY_RENDEZVOUS_CA at it.
package simscript

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
)

type holderKey struct{}

type holder struct {
	sim  *herokusim.Server
	apps []string
	// faultsSeen is how many requests had met a fault at the last
	// herokusim-wait fault: the next waits for a new one.
	faultsSeen int
	// requestsSeen, registrySeen: how many requests the last
	// herokusim-requests (herokusim-registry-requests, by registry) listed,
	// for -new.
	requestsSeen int
	registrySeen map[string]int
}

// Setup prepares a script for the commands and makes every scenario,
// whatever it asserts, fail if its simulator saw the client break the
// protocol: two builds from one upload, a chunked or authenticated storage
// PUT. That check runs in the script's test cleanup (a testscript Defer may
// not fail the script). It sets up the leak check of every run too
// (leakcheck.Setup).
func Setup(env *testscript.Env) error {
	if err := leakcheck.Setup(env, func() []leakcheck.Secret { return leakSecrets(herokusim.LeakSecrets()) }); err != nil {
		return err
	}
	h := &holder{}
	env.Values[holderKey{}] = h
	env.Setenv("HEROKUSIM_KEY", herokusim.DefaultKey)
	env.Setenv("CONFIG_SECRET", herokusim.ConfigSecret)
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
		"herokusim":                   cmdSim,
		"herokusim-requests":          cmdRequests,
		"herokusim-check":             cmdCheck,
		"herokusim-source":            cmdSource,
		"herokusim-dynos":             cmdDynos,
		"herokusim-config":            cmdConfig,
		"herokusim-apps":              cmdApps,
		"herokusim-wait":              cmdWait,
		"herokusim-expire":            cmdExpire,
		"herokusim-release-fails":     cmdReleaseFails,
		"herokusim-procs":             cmdProcs,
		"herokusim-images":            cmdImages,
		"herokusim-push-image":        cmdPushImage,
		"herokusim-registry-requests": cmdRegistryRequests,
		"leakcheck":                   leakcheck.Cmd,
	}
}

func state(ts *testscript.TestScript) *holder {
	h, ok := ts.Value(holderKey{}).(*holder)
	if !ok {
		ts.Fatalf("simscript.Setup was not called for this script")
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
	if i < len(args) && !strings.Contains(args[i], "=") && args[i] != "gone" {
		return args[i]
	}
	return h.apps[0]
}

// herokusim [flags]: start a simulator (one app, my-app, by default) and
// point HEROKU_API_URL at it, HEROKU_REGISTRY_URL and CI_REGISTRY… at its
// registries. A later herokusim in the same script
// replaces it.
func cmdSim(ts *testscript.TestScript, neg bool, args []string) {
	var errOut bytes.Buffer
	opts, rest, err := herokusim.ParseFlags("herokusim", args, &errOut)
	if err != nil || len(rest) > 0 {
		ts.Fatalf("herokusim: %v %s", err, errOut.String())
	}
	if len(opts.Apps) == 0 {
		opts.Apps = []string{"my-app"}
	}
	s, err := herokusim.Start(opts)
	if err != nil {
		ts.Fatalf("herokusim: %v", err)
	}
	h := state(ts)
	if h.sim != nil {
		if p := h.sim.Problems(); len(p) > 0 {
			ts.Fatalf("simulator saw:\n%s", strings.Join(p, "\n"))
		}
	}
	h.sim, h.faultsSeen = s, 0
	h.apps = nil
	if err := leakcheck.Register(ts, func() []leakcheck.Secret { return leakSecrets(s.LeakSecrets()) }); err != nil {
		ts.Fatalf("herokusim: %v", err)
	}
	for _, a := range opts.Apps {
		name, _, _ := strings.Cut(a, ":")
		h.apps = append(h.apps, name)
	}
	ts.Defer(func() { s.Close() })
	ts.Setenv("HEROKU_API_URL", s.URL)
	for _, kv := range s.RegistryEnv() { // the registries (container.go)
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ca, err := s.RendezvousCA()
	if err != nil {
		ts.Fatalf("herokusim: rendezvous: %v", err)
	}
	caFile := filepath.Join(ts.Getenv("WORK"), ".herokusim-ca.pem")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		ts.Fatalf("herokusim: %v", err)
	}
	ts.Setenv("HEROKU_DEPLOY_RENDEZVOUS_CA", caFile)
}

// herokusim-requests [-new]: print how many requests were recorded, then
// one "METHOD PATH STATUS" line each; a run of identical lines (polling)
// prints once. -new: only those made since the last herokusim-requests.
func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	var prev string
	h := running(ts)
	reqs := h.sim.Requests()
	seen := h.requestsSeen
	h.requestsSeen = len(reqs)
	switch {
	case len(args) == 1 && args[0] == "-new":
		reqs = reqs[seen:]
	case len(args) > 0:
		ts.Fatalf("usage: herokusim-requests [-new]")
	}
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

// herokusim-check [APP] [CHECK...]: fail on protocol rules the client broke
// (as every script does at its end) and unless each CHECK holds (see the
// list above). Values are compared, never printed.
func cmdCheck(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	app := h.appArg(args, 0)
	problems := h.sim.Problems()
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok && a != "gone" {
			continue
		}
		if p := h.sim.Check(app, k, v, ts.Getenv); p != "" {
			problems = append(problems, p)
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

// herokusim-wait build|dyno|fault [APP]: block until APP has a build, or a
// one-off dyno whose process runs, or a request met a fault (for signal
// tests).
func cmdWait(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	ready := map[string]func(string) bool{
		"build": func(app string) bool { return h.sim.BuildCount(app) > 0 },
		"dyno":  h.sim.DynoUp,
		"fault": func(string) bool {
			held, holds := h.sim.FaultsHolding()
			if holds {
				return held > 0 // a request held right now: the signal comes during it
			}
			if n := h.sim.FaultHits(); n > h.faultsSeen {
				h.faultsSeen = n
				return true
			}
			return false
		},
	}
	if len(args) == 0 || ready[args[0]] == nil {
		ts.Fatalf("usage: herokusim-wait build|dyno|fault [APP]")
	}
	app := h.appArg(args, 1)
	deadline := time.Now().Add(10 * time.Second)
	for !ready[args[0]](app) {
		if time.Now().After(deadline) {
			ts.Fatalf("no %s for %s within 10s", args[0], app)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the client reach the stream
}

// herokusim-expire [APP] vN: Heroku's retention reaches APP's releases up
// to vN (Server.Expire).
func cmdExpire(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	if len(args) == 0 {
		ts.Fatalf("usage: herokusim-expire [APP] vN")
	}
	n, err := strconv.Atoi(strings.TrimPrefix(args[len(args)-1], "v"))
	if err != nil {
		ts.Fatalf("herokusim-expire: %q is not a release version", args[len(args)-1])
	}
	app := h.apps[0]
	if len(args) > 1 {
		app = args[0]
	}
	if err := h.sim.Expire(app, n); err != nil {
		ts.Fatalf("herokusim-expire: %v", err)
	}
}

// herokusim-release-fails [APP] on|off: APP's release phase fails from
// now on, whatever the command, or runs as written again: a release that
// fails although its slug's first release succeeded (a rollback's).
func cmdReleaseFails(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	if len(args) == 0 || (args[len(args)-1] != "on" && args[len(args)-1] != "off") {
		ts.Fatalf("usage: herokusim-release-fails [APP] on|off")
	}
	app := h.apps[0]
	if len(args) > 1 {
		app = args[0]
	}
	if err := h.sim.SetReleaseFails(app, args[len(args)-1] == "on"); err != nil {
		ts.Fatalf("herokusim-release-fails: %v", err)
	}
}

// herokusim-dynos [APP]: describe APP's one-off dynos.
func cmdDynos(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	fmt.Fprint(ts.Stdout(), h.sim.DescribeDynos(h.appArg(args, 0)))
}

// herokusim-config [APP]: the names of APP's config vars.
func cmdConfig(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	fmt.Fprintln(ts.Stdout(), strings.Join(h.sim.ConfigNames(h.appArg(args, 0)), "\n"))
}

// herokusim-apps: one line per app, by name.
func cmdApps(ts *testscript.TestScript, neg bool, args []string) {
	fmt.Fprint(ts.Stdout(), running(ts).sim.DescribeApps())
}

// herokusim-procs [APP]: APP's formation, one "TYPE=QUANTITY:SIZE
// restarts=N" line a process type.
func cmdProcs(ts *testscript.TestScript, neg bool, args []string) {
	h := running(ts)
	out, err := h.sim.DescribeFormation(h.appArg(args, 0))
	if err != nil {
		ts.Fatalf("herokusim-procs: %v", err)
	}
	fmt.Fprint(ts.Stdout(), out)
}

// leakSecrets turns the simulator's secrets into the leak check's.
func leakSecrets(ss []herokusim.Secret) []leakcheck.Secret {
	out := make([]leakcheck.Secret, len(ss))
	for i, s := range ss {
		out[i] = leakcheck.Secret{Kind: s.Kind, Value: s.Value}
	}
	return out
}
