package leakcheck_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"gitlab.com/heroku-deploy/heroku/internal/gitlabfake"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim"
	"gitlab.com/heroku-deploy/heroku/internal/herokusim/simscript"
	"gitlab.com/heroku-deploy/heroku/internal/leakcheck"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"leaky": leakcheck.Program(leaky)})
}

// probeEncode is how the probes' program prints a value, written with the
// standard library as a tool or a server would (not with the check's
// encoders), in the context such an echo has.
func probeEncode(form, v string) string {
	switch form {
	case "raw":
		return "the value is " + v
	case "json":
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(map[string]string{"message": "bad value " + v})
		return strings.TrimSpace(b.String())
	case "json-html":
		b, _ := json.Marshal(map[string]string{"message": "bad value " + v})
		return string(b)
	case "json-slashes":
		b, _ := json.Marshal(map[string]string{"message": "bad value " + v})
		return strings.ReplaceAll(string(b), "/", `\/`)
	case "unicode":
		var b strings.Builder
		for _, r := range "v=" + v {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		return b.String()
	case "query":
		return "GET https://example.com/x?token=" + url.QueryEscape(v)
	case "path":
		return "GET https://example.com/tokens/" + url.PathEscape(v)
	case "base64":
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(":"+v))
	case "base64url":
		return "state=" + base64.URLEncoding.EncodeToString([]byte(v))
	}
	panic("unknown form " + form)
}

// leaky is the probes' program:
//
//	leaky [-stderr] [-exit N] [-file NAME] FORM VAR   print $VAR in FORM
//	leaky set-config APP NAME VAR                     set APP's config var NAME to $VAR on the simulator
//	leaky name TEXT                                   print TEXT
//	leaky app                                         print the simulator's first app's name
func leaky() int {
	fs := flag.NewFlagSet("leaky", flag.ExitOnError)
	toErr := fs.Bool("stderr", false, "print on stderr")
	code := fs.Int("exit", 0, "exit code")
	file := fs.String("file", "", "write to this file too")
	fs.Parse(os.Args[1:])
	args := fs.Args()
	var out string
	switch args[0] {
	case "set-config":
		body, _ := json.Marshal(map[string]string{args[2]: os.Getenv(args[3])})
		req, _ := http.NewRequest("PATCH", os.Getenv("HEROKU_API_URL")+"/apps/"+args[1]+"/config-vars", bytes.NewReader(body))
		req.Header.Set("Accept", "application/vnd.heroku+json; version=3")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+os.Getenv("HEROKUSIM_KEY"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			fmt.Fprintln(os.Stderr, "leaky: set-config failed", err)
			return 1
		}
		return 0
	case "name":
		out = args[1]
	case "app":
		out = "my-app"
	default:
		out = probeEncode(args[0], os.Getenv(args[1]))
	}
	w := os.Stdout
	if *toErr {
		w = os.Stderr
	}
	fmt.Fprintln(w, out)
	if *file != "" {
		os.WriteFile(*file, []byte("HEROKU_RELEASE="+out+"\n"), 0o644)
	}
	return *code
}

// TestProbes runs each script of testdata/probe, which prints a secret
// and then runs a simulator command (so the last output no longer holds
// it), and checks that the leak check failed it naming the run, the
// stream, the kind of secret and its encoding, without the secret.
func TestProbes(t *testing.T) {
	pt := leakcheck.NewProbeT()
	testscript.RunT(pt, testscript.Params{
		Dir:                 "testdata/probe",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			gitlabfake.Setup(env.Values)
			return simscript.Setup(env)
		},
		Cmds: func() map[string]func(*testscript.TestScript, bool, []string) {
			cmds := simscript.Commands()
			for k, v := range gitlabfake.Commands() {
				cmds[k] = v
			}
			cmds["exec-code"] = func(ts *testscript.TestScript, neg bool, args []string) {
				err := ts.Exec(args[1], args[2:]...)
				if fmt.Sprint(err) != "exit status "+args[0] {
					ts.Fatalf("%s: %v, want exit status %s", args[1], err, args[0])
				}
			}
			return cmds
		}(),
	})
	const token = `tok<&>"\/ ?>:-SECRET-1`
	encoded := map[string]string{
		"raw": "raw", "json": "JSON-escaped", "json-html": "JSON-escaped (HTML)", "json-slashes": "JSON-escaped (slashes)",
		"unicode": `\u-escaped`, "query": "query-escaped", "path": "path-escaped", "base64": "base64", "base64url": "base64 (URL)",
	}
	type probe struct {
		want    []string // in the one error, in this order
		secrets []string // printed as the script printed them, never in the error
	}
	probes := map[string]probe{
		"stderr":     {[]string{"run 1 (leaky -stderr -exit 3 raw HEROKUSIM_KEY): stderr line 1 holds the simulator's default API key, raw"}, []string{herokusim.DefaultKey}},
		"negated":    {[]string{"run 1 (leaky -exit 1 raw CONFIG_SECRET): stdout line 1 holds ", ", raw"}, []string{herokusim.ConfigSecret}},
		"background": {[]string{"run 1 (leaky raw HEROKUSIM_KEY): stdout line 1 holds ", ", raw"}, []string{herokusim.DefaultKey}},
		"file":       {[]string{"run 1 (leaky -file report.env json HEROKUSIM_KEY): stdout", "file report.env line 1 holds the simulator's default API key, raw"}, []string{herokusim.DefaultKey}},
		"restart":    {[]string{"run 1 (leaky query FIRST): stdout line 1 holds "}, []string{"HRKU-first-sim-key-0001"}},
		"learnt":     {[]string{"run 2 (leaky base64 VALUE): stdout line 1 holds config var GREETING of my-app, base64"}, []string{"plain-looking-value-42", probeEncode("base64", "plain-looking-value-42")}},
		"gitlab":     {[]string{"run 1 (leaky path GL): stdout line 1 holds the GitLab access token, "}, []string{"glpat-probe-0123456789"}},
		"given":      {[]string{"run 1 (leaky raw V): stdout line 1 holds a value given to leakcheck, raw"}, []string{"customer-record-0042"}},
		"clean":      {},
	}
	for form, name := range encoded {
		probes["enc_"+form] = probe{
			[]string{"run 1 (leaky " + form + " PROBE_TOKEN): stdout line 1 holds $PROBE_TOKEN, " + name + ": "},
			[]string{token, probeEncode(form, token)},
		}
	}
	entries, _ := os.ReadDir("testdata/probe")
	if len(entries) != len(probes) {
		t.Errorf("%d probe scripts, %d expected outcomes", len(entries), len(probes))
	}
	for name, p := range probes {
		errs := strings.Join(pt.Errors(name), "\n")
		if len(p.want) == 0 {
			if errs != "" {
				t.Errorf("%s: a false alarm:\n%s", name, errs)
			}
			continue
		}
		if !strings.HasPrefix(errs, "leak check:") || strings.Count(errs, "\n") < 1 {
			t.Errorf("%s: want the leak check to fail it, got:\n%s\nlog:\n%s", name, errs, strings.Join(pt.Logs(name), "\n"))
			continue
		}
		rest := errs
		for _, w := range p.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: no %q in:\n%s", name, w, errs)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, s := range p.secrets {
			if strings.Contains(errs, s) || strings.Contains(errs, strings.TrimRight(s[strings.LastIndex(s, " ")+1:], "=")) {
				t.Errorf("%s: the report holds the secret:\n%s", name, errs)
			}
		}
	}
}

// TestFormsFindASecretAnywhere: whatever surrounds a secret, each form
// written with the standard library is found, base64 at each of the three
// offsets a secret can have in a longer text.
func TestFormsFindASecretAnywhere(t *testing.T) {
	secret := leakcheck.Secret{Kind: "a test secret", Value: `k3y<&>"\/ ?>:é-SECRET`}
	for pre := range 6 {
		for post := range 4 {
			around := func(s string) []byte {
				return []byte(strings.Repeat("x", pre) + s + strings.Repeat("y", post))
			}
			for name, text := range map[string][]byte{
				"base64":        []byte(base64.StdEncoding.EncodeToString(around(secret.Value))),
				"base64 (URL)":  []byte(base64.URLEncoding.EncodeToString(around(secret.Value))),
				"query-escaped": []byte(url.QueryEscape(string(around(secret.Value)))),
				"raw":           around(secret.Value),
			} {
				if name == "base64 (URL)" && !bytes.ContainsAny(text, "-_") {
					name = "base64" // the same text in both alphabets: one form
				}
				hits := leakcheck.Find(text, []leakcheck.Secret{secret})
				if len(hits) != 1 || hits[0].Form != name {
					t.Errorf("%d bytes before, %d after: %s: hits %+v, want one, %s", pre, post, text, hits, name)
				}
			}
		}
	}
	if hits := leakcheck.Find([]byte("k3y<&>\"\\/ ?>:"), []leakcheck.Secret{secret}); len(hits) != 0 {
		t.Errorf("a part of the secret is a hit: %+v", hits)
	}
	if hits := leakcheck.Find([]byte("short1 short1"), []leakcheck.Secret{{Kind: "short", Value: "short1"}}); len(hits) != 0 {
		t.Errorf("a secret under MinLen is looked for: %+v", hits)
	}
	pem := leakcheck.Secret{Kind: "a key", Value: "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n-----END KEY-----\n"}
	if hits := leakcheck.Find([]byte("line MIIBOgIBAAJBAKj34GkxFhD9 printed"), []leakcheck.Secret{pem}); len(hits) != 1 || hits[0].Secret.Kind != "a key (a line of it)" {
		t.Errorf("a line of a multi-line secret: %+v", hits)
	}
}

func TestSecretEnv(t *testing.T) {
	for _, kv := range []string{"HEROKU_API_KEY=x", "CI_JOB_TOKEN=x", "CI_DB_PASS=x", "SENTRY_DSN=x", "CI_DATABASE_URL=x", "GITLAB_REVIEW_TOKEN=x",
		"CI_SENTRY=https://sentry-SECRET@example.com/1", "STRIPE_LIVE=sk_live_0123456789", "GL=glpat-0123456789", "OLD=HRKU-0123-4567",
		"GH=ghp_0123456789", "SLACK=xoxb-0123", "AWS=AKIA0123456789", "PEM=-----BEGIN RSA PRIVATE KEY-----", "DB=postgres://u:pw@db/d"} {
		k, v, _ := strings.Cut(kv, "=")
		if !leakcheck.SecretEnv(k, v) {
			t.Errorf("%s is not a secret", kv)
		}
	}
	for _, kv := range []string{"CI_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567", "HEROKU_DEPLOY_TO=my-app-staging", "HEROKU_API_URL=http://127.0.0.1:4000",
		"CI_API_V4_URL=https://gitlab.example.com/api/v4", "TMPDIR=/tmp/x", "CI_MERGE_REQUEST_IID=7", "HEROKU_DEPLOY_CONFIG_VARS=[\"STRIPE_KEY\"]",
		leakcheck.DirEnv + "=/tmp/leakcheck-1"} {
		k, v, _ := strings.Cut(kv, "=")
		if leakcheck.SecretEnv(k, v) {
			t.Errorf("%s is a secret", kv)
		}
	}
}
