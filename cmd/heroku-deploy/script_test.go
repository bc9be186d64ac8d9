package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/cli"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/script")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"heroku-deploy": func() { os.Exit(cli.Main("test", os.Args[1:])) },
	})
}

// sims holds the simulator each script started, keyed by its $WORK.
var sims sync.Map

func sim(ts *testscript.TestScript) *herokusim.Server {
	s, ok := sims.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("no simulator: run 'herokusim' first")
	}
	return s.(*herokusim.Server)
}

func TestScripts(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testscript.Params{
		Dir:                 "../../testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// Heroku's pace, compressed: the flow is the same, only faster.
			env.Setenv("HEROKU_DEPLOY_POLL_INTERVAL", "20ms")
			env.Setenv("HEROKU_DEPLOY_RETRY_WAIT", "5ms")
			env.Setenv("HEROKU_DEPLOY_STREAM_WAIT", "3s")
			env.Setenv("HEROKUSIM_KEY", herokusim.DefaultKey)
			env.Setenv("CONFIG_SECRET", herokusim.ConfigSecret)
			if err := checkProblems(env); err != nil {
				return err
			}
			return os.CopyFS(filepath.Join(env.WorkDir, "apps"), os.DirFS("../../testdata/apps"))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"herokusim":          cmdSim,
			"herokusim-requests": cmdRequests,
			"herokusim-check":    cmdCheck,
			"herokusim-source":   cmdSource,
			"herokusim-wait":     cmdWait,
			"leakcheck":          cmdLeakcheck,
		},
	})
}

// herokusim [flags]: start a simulator for this script and point
// HEROKU_API_URL at it.
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
	sims.Store(ts.Getenv("WORK"), s)
	ts.Defer(func() { s.Close() }) // checkProblems reads it once the script ends
	ts.Setenv("HEROKU_API_URL", s.URL)
}

// checkProblems makes every scenario, whatever it asserts, fail if its
// simulator saw the client break the protocol: two builds from one upload,
// a chunked or authenticated storage PUT. It runs as the script's test
// cleanup: a testscript Defer may not fail the script.
func checkProblems(env *testscript.Env) error {
	t, ok := env.T().(interface {
		Cleanup(func())
		Errorf(string, ...any)
	})
	if !ok {
		return fmt.Errorf("testscript's T (%T) has no Cleanup", env.T())
	}
	work := env.WorkDir
	t.Cleanup(func() {
		s, ok := sims.LoadAndDelete(work)
		if !ok {
			return // a script without a simulator
		}
		if p := s.(*herokusim.Server).Problems(); len(p) > 0 {
			t.Errorf("simulator saw:\n%s", strings.Join(p, "\n"))
		}
	})
	return nil
}

// herokusim-requests: print how many requests were recorded, then one
// "METHOD PATH STATUS" line each; a run of identical lines (polling) prints
// once.
func cmdRequests(ts *testscript.TestScript, neg bool, args []string) {
	var prev string
	reqs := sim(ts).Requests()
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

// herokusim-check [builds=N]: fail on protocol rules the client broke (as
// every script does at its end) and, with builds=N, unless exactly N builds
// exist for my-app.
func cmdCheck(ts *testscript.TestScript, neg bool, args []string) {
	s := sim(ts)
	problems := s.Problems()
	for _, a := range args {
		if n, ok := strings.CutPrefix(a, "builds="); ok {
			want, _ := strconv.Atoi(n)
			if got := s.BuildCount("my-app"); got != want {
				problems = append(problems, fmt.Sprintf("%d builds for my-app, want %d", got, want))
			}
		}
	}
	if len(problems) > 0 {
		ts.Fatalf("simulator saw:\n%s", strings.Join(problems, "\n"))
	}
}

// herokusim-source APP: list the archive of APP's latest build.
func cmdSource(ts *testscript.TestScript, neg bool, args []string) {
	entries, err := sim(ts).SourceEntries(args[0])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	fmt.Fprintln(ts.Stdout(), strings.Join(entries, "\n"))
}

// herokusim-wait build: block until a build exists (for signal tests).
func cmdWait(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(10 * time.Second)
	for sim(ts).BuildCount("my-app") == 0 {
		if time.Now().After(deadline) {
			ts.Fatalf("no build was created within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let the client reach the stream
}

// leakcheck: fail if the API key, a presigned URL's signature or a config
// value appears in the last stdout or stderr or in any file under $WORK.
func cmdLeakcheck(ts *testscript.TestScript, neg bool, args []string) {
	secrets := []string{ts.Getenv("HEROKUSIM_KEY"), herokusim.ConfigSecret, "Signature=", "X-Amz-Signature", "AWSAccessKeyId"}
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
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".txtar") {
			return err
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

// TestEveryScriptChecksForLeaks keeps the secrets guarantee from eroding:
// every scenario, success or failure, must end in a leak check.
func TestEveryScriptChecksForLeaks(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/script/*.txtar")
	if len(files) == 0 {
		t.Fatal("no scripts found")
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !bytes.Contains(b, []byte("\nleakcheck")) {
			t.Errorf("%s: no leakcheck", filepath.Base(f))
		}
	}
}
