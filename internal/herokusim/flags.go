package herokusim

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim/rendezvous"
)

const usage = `herokusim: a stateful simulator of the Heroku Platform API on loopback, for
trying heroku-deploy without a Heroku account. Nothing it serves is real:
the herokuapp.com URLs it hands out do not exist.

  herokusim [flags]                 serve, print HEROKU_API_URL, HEROKU_API_KEY and
                                    HEROKU_DEPLOY_RENDEZVOUS_CA (one-off dynos' TLS CA)
  herokusim [flags] -- CMD ARGS...  serve while CMD runs with them set; exit with its code
  herokusim -addr HOST:PORT ...     listen there (loopback only) instead of a free port

Apps demo-app and my-app exist unless -app says otherwise; one key is
accepted (HRKU-sim-…, printed) unless -key says otherwise.

Flags:
`

const faultHelp = `
Faults (-fault 'METHOD PATH EFFECT... [times=N] [skip=N]'): METHOD is a verb or *,
PATH a pattern where * is one segment; times=N affects N matching requests
(default all), skip=N lets N through first. Effects:
  NNN           answer this status: alone, a 4xx/5xx with Heroku's JSON error;
                any status with any of the five bodies below
  html          an HTML page, as a load balancer sends
  text          a plain-text page
  truncated     JSON cut off halfway
  empty-object  the body {}
  null          the body null
  wrongtype=FIELD[:AS]  serve the request, then FIELD of its JSON answer, at any
                depth, gets the wrong type (string<->number, bool->string; AS:
                string, number, float, bool, object, null, absent)
  after         the request takes effect first, then the fault answers
                ("after reset": the change is made, the connection cut unanswered)
  reset         cut the connection mid-request
  hang          never answer
  redirect      answer 302 to /trap on the simulator
  leak          echo the caller's key and a signed URL in what is printed
  leak-config   streams: print the first app's DATABASE_URL
  drop=N        streams: cut after N bytes
  ignore-range  streams: answer from byte 0 whatever Range says
  quiet         streams: send nothing, not even keepalives
  delay=D       wait D first (alone: a slow answer, served even if the client left)
  barrier=N     hold matching requests until N arrived, then serve them all (a race)
Examples:
  -fault 'GET /apps/*/builds/* 503 html times=6'   an outage while polling
  -fault 'POST /apps/*/builds 503 after times=1'   the build is created, the answer lost
  -fault 'GET /streams/* drop=100 times=1'         the build log connection drops
  -fault 'GET /apps/*/pipeline-couplings 404 html' a router's 404 page, not Heroku's
  -fault 'GET /apps/*/releases 200 wrongtype=version'  versions that are strings
`

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// ParseFlags reads simulator options from command-line flags, shared by
// cmd/herokusim and the test harness. It returns the arguments after them;
// errors are printed to errOut as well as returned.
func ParseFlags(name string, args []string, errOut io.Writer) (Options, []string, error) {
	var o Options
	var apps, keys, faults, health, teams, spaces, regFaults, srcImages listFlag
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprint(errOut, usage)
		fs.PrintDefaults()
		fmt.Fprint(errOut, faultHelp)
	}
	fs.Var(&apps, "app", "create an app: NAME[:OPTION,...] with options userN (owned by the Nth -key), foreign (no key can access it), fir (a Fir-generation app), no-web-url (web_url is null), no-domains (no URL at all), release or release-fails (its slug has a release phase, which config changes run; with release-fails every release command fails), web (web_url on this simulator, answering as -health says), pipeline=NAME/STAGE (coupled to that pipeline), container (container stack), two-factor (promotions to it need a second factor), promotion-fails (promotions to it fail), promotion-no-release (promotions to it are made, but their target answers release null, succeeded too), config=A+B (more config vars, secret values); repeatable")
	fs.Var(&health, "health", "what an app's web side answers, one step per request, the last forever: APP:STEP,... with steps NNN, NNNxK, slow=DUR, flap (e.g. 'my-app:503x3,200'); an app of -app needs its web option, one created through the API later (POST /apps, an app setup) gets it; repeatable")
	fs.Var(&teams, "team", "a team apps can be created in (POST /teams/apps, app setups): NAME[:userN,...], its members (default: every -key's account); repeatable")
	fs.Var(&spaces, "space", "a private space of a team: NAME:TEAM[:fir][:REGION]; its apps take its generation (fir: Fir) and region; repeatable")
	fs.IntVar(&o.PageSize, "page-size", 0, "apps per page of GET /apps without a max in Range (default 200, as Heroku)")
	fs.Var(&keys, "key", "accept this API key, KEY[:SCOPE[,SCOPE...]] with OAuth scopes such as write, read-protected or write-protected (default global): each route accepts the scopes of scope.go's table, sent in Oauth-Scope-Accepted; repeatable; default "+DefaultKey)
	fs.Var(&faults, "fault", `inject a fault, e.g. "GET /apps/*/builds/* 503 html times=3" (repeatable)`)
	fs.Var(&srcImages, "source-image", "store a demo image in the GitLab registry (CI_REGISTRY) at start: REPO:TAG, e.g. group/project:demo (OCI, linux/amd64, with curl); repeatable")
	fs.Var(&regFaults, "registry-fault", `inject a fault into a registry: heroku or gitlab, then METHOD PATH EFFECT... with effects NNN, after, reset, drop=N, times=N, skip=N, e.g. "heroku PATCH /v2/*/*/blobs/uploads/* 500 times=1" (repeatable)`)
	fs.DurationVar(&o.Step, "step", 0, "pause between build log lines")
	fs.DurationVar(&o.BuildStream404, "build-stream-404", 0, "build streams answer 404 this long")
	fs.DurationVar(&o.ReleaseStream404, "release-stream-404", 0, "release streams answer 404 this long")
	fs.DurationVar(&o.PendingAfterEOF, "pending-after-eof", 0, "builds stay pending this long after their stream ends")
	fs.DurationVar(&o.Keepalive, "keepalive", 0, "NUL keepalive interval on idle streams (default 200ms)")
	fs.BoolVar(&o.Stuck, "stuck", false, "builds never finish")
	fs.BoolVar(&o.StreamStaysOpen, "stream-stays-open", false, "a finished build's stream stays open")
	fs.BoolVar(&o.NoBuildStream, "no-build-stream", false, "builds have a null output_stream_url")
	fs.IntVar(&o.ReleaseLag, "release-lag", 0, "a succeeded build shows no release for this many reads")
	fs.StringVar(&o.ReleaseEnds, "release-ends", "", "deploys' releases end in this status instead of succeeded (e.g. expired)")
	fs.DurationVar(&o.BuildListLag, "build-list-lag", 0, "new builds appear in the build list only this long after creation")
	fs.IntVar(&o.RateLimit, "rate-limit", 0, "token bucket size per key (default 4500)")
	fs.Float64Var(&o.RateRefill, "rate-refill", 0, "tokens refilled per second (default 1.25)")
	fs.StringVar(&o.Rendezvous, "rendezvous", "", `"blocked": attach URLs lead to a port that never answers, as behind a firewall; "drop=N": each attach session is reset after N bytes of the dyno's output; "linger": each attach session stays open after the dyno's process ended; "https": attach URLs are https:// (as in Shield spaces) and nothing serves them. One-off dynos run a small shell (comments, here-documents): echo, printf, cat, head -c N /dev/zero, exit N, true, false, sleep S, test, bash -c, launcher (Fir), crash (dies without a status)`)
	if err := fs.Parse(args); err != nil {
		return o, nil, err
	}
	o.Apps, o.Keys, o.Health, o.Teams, o.Spaces, o.RegistryFaults, o.SourceImages = apps, keys, health, teams, spaces, regFaults, srcImages
	// Errors of our own are printed here, as the flag package prints its.
	fail := func(err error) (Options, []string, error) {
		fmt.Fprintf(errOut, "%s: %v\n", name, err)
		return o, nil, err
	}
	for _, a := range apps {
		if _, err := parseAppSpec(a); err != nil {
			return fail(err)
		}
	}
	known := map[string]bool{}
	for _, t := range teams {
		name, _, err := parseTeam(t, max(1, len(keys)))
		if err != nil {
			return fail(err)
		}
		known[name] = true
	}
	for _, sp := range spaces {
		_, team, _, _, err := parseSpace(sp)
		if err != nil {
			return fail(err)
		}
		if !known[team] {
			return fail(fmt.Errorf("space %q: no -team %s", sp, team))
		}
	}
	if _, _, err := rendezvous.ParseMode(o.Rendezvous); err != nil {
		return fail(err)
	}
	for _, h := range health {
		if _, _, err := parseHealth(h); err != nil {
			return fail(err)
		}
	}
	for _, ref := range srcImages {
		if err := checkSourceImage(ref); err != nil {
			return fail(err)
		}
	}
	for _, f := range regFaults {
		if err := checkRegistryFault(f); err != nil {
			return fail(err)
		}
	}
	for _, f := range faults {
		pf, err := ParseFault(f)
		if err != nil {
			return fail(err)
		}
		o.Faults = append(o.Faults, pf)
	}
	return o, fs.Args(), nil
}
