// Package herokusim is a stateful simulator of the parts of the Heroku
// Platform API that heroku-deploy uses, strict where Heroku is strict: bearer
// auth, the versioned Accept header, S3's rules for presigned uploads,
// busl's streams with their 404 window, NUL keepalives, Range resume and
// 204 at the end, builds that succeed or fail from what was uploaded,
// release phase from the Procfile, Cedar and Fir apps, slugs and OCI images
// that remember their commit, releases made from them or rolled back to,
// retention, pipelines with couplings and promotions, apps' web side with a
// scripted health, rate limiting, and injectable faults. Every request is
// recorded so tests can assert on what a client sent, and Problems names
// the protocol rules a client broke.
// schema_test.go holds its routes and bodies to heroku-go v6's schema.json.
//
// One file per resource (app.go, source.go, build.go, release.go, slug.go,
// ociimage.go, pipeline.go, stream.go, web.go, configvars.go, dyno.go,
// logsession.go, team.go, addon.go, appsetup.go, formation.go; container.go: the
// two registries and releases of images), the fake
// buildpacks in buildpack.go, routes and middleware in router.go, faults in
// fault.go, what tests read of its state in inspect.go and state.go (facts to compare, Arm), its flags in
// flags.go. Beside it: the shell its dynos run (dynoshell), the
// rendezvous service they attach through (rendezvous), and its testscript
// commands (simscript). README.md says how to add a route and lists the
// facts about Heroku it encodes, each with its source or marked inferred.
//
// Where it knowingly differs from Heroku:
//
//	What                     Heroku                                  The simulator
//	build and release work   buildpacks run, release commands run    outcome read from the files and the command's text (failingCommand)
//	build log                the buildpack's own output              a shortened imitation; Fir's (CNB) is approximate
//	timing                   builds take minutes                     instant, unless -step, -stuck, -pending-after-eof, -release-lag
//	buildpacks on Fir        ignored (reported; not documented)      ignored, and flagged by Problems as a client bug
//	stream URLs              build-output.heroku.com, SigV4          this host, an HMAC "X-Amz-Signature"
//	storage URLs             S3, SigV2 (403 on any mismatch)         this host; signature covers method, key, expiry, Content-Type
//	keepalives               NUL every few seconds (busl heartbeat)  every 200ms (-keepalive)
//	web_url                  may be null (new apps: random suffix)   set unless no-web-url/no-domains; suffix from the name's hash; this host with web
//	expired releases         after 30 days beyond the last 20        with -release-ends expired, or herokusim-expire (by version, not date)
//	build list               may lag behind a new build              instant, unless -build-list-lag
//	removed build result     410 Gone (not in the schema)            410 Gone
//	pagination               206 + Next-Range beyond 200 items       the same for builds and releases
//	rollback                 restores the release's config vars      restores its artifact (one config per app)
//	promotion targets        released by Heroku, in its own order    in order; promotion-fails fails one; a failed release phase fails its target [inferred]
//	two_factor               by account or team policy               the two-factor app option
//	slug blob URLs           a signed S3 URL                         a signed URL on this host that serves nothing
//	apps' web side           dynos behind Heroku's router            /web/<app>/ (web option) answering as -health scripts
//	rate limit               4500 tokens, ~75/min per account        the same (token bucket), -rate-limit to shrink it
//	one-off dynos            the command runs on a dyno              a small shell (dynoshell): echo, exit, sleep, test, bash -c, launcher, crash
//	rendezvous               rendezvous.runtime.heroku.com:5000      loopback TLS, CA made at start (-rendezvous blocked: never answers; drop=N: reset after N bytes; linger: open after the process ends)
//	https attach URLs        Shield spaces: ssh over HTTP Upgrade    -rendezvous https hands them out; nothing serves them
//	log sessions             logplex, every source, Fir's own params one dyno's lines (dyno_name required); a tail never ends, as logplex's
//	scope refusals (403)     by each endpoint's accepted scopes      by scope.go's table (releases protected, as the 2013 design note says [inferred]); both headers
//	config change, no diff   a release? (untested on Heroku)         a release, as for any PATCH
//	app creation             random name if none; regions, stacks     herokusim-app-N; us and eu, or a -space's; heroku-22/24
//	creation errors          Heroku's messages                       "Name is already taken" as Heroku; the others its own [inferred]
//	teams and spaces         the account's                           -team and -space; a team app's owner is TEAM@herokumanager.com
//	app list (GET /apps)     206 + Next-Range beyond 200 apps        the same, by id or name, from the Range's start; -page-size shrinks a page
//	add-ons                  provisioned by their providers          at once, a made-up URL in SERVICE_URL (DATABASE_URL, REDIS_URL, AS_URL)
//	app setups               minutes; postdeploy on a one-off dyno   at once (-step slows them); postdeploy in the dyno shell; messages but "invalid app.json" [inferred]
//	deleted apps             gone, their add-ons with them           gone; what they held stays in Secrets() for the leak checks
//	coupling an app          422 when it is in a pipeline [inferred]  422; pipelines come from the apps' pipeline= option
//	concurrent requests      whatever order Heroku serves them in    the same; barrier=N makes N of them meet (a race on purpose)
//	formation and restarts   dynos run, restart, scale               quantities and sizes only, no dynos; refusals in formation.go [inferred]
//	what is served           the whole Platform API                  the routes in router.go (schema-checked)
package herokusim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim/rendezvous"
)

// DefaultKey is the API key the simulator accepts unless told otherwise.
// It looks like a real key so leak tests have something to look for.
const DefaultKey = "HRKU-sim-0f1e2d3c-SECRET-4b5a6978"

// ConfigSecret is part of a config var value on every simulated app.
const ConfigSecret = "sim-db-password-SECRET"

// Secrets lists what must never appear in a client's output or files: the
// default key, the config value every app carries, and the markers of a
// presigned URL's query string. Every leak check uses this list.
func Secrets() []string { return values(LeakSecrets()) }

// Secret is a value the simulator knows to be secret, and what it is, for
// the leak check's report (internal/herokusim/simscript hands them to
// internal/leakcheck).
type Secret struct {
	Kind  string // "the simulator's default API key", …
	Value string
}

// minSecretLen is leakcheck.MinLen: a shorter value appears by chance.
const minSecretLen = 8

// LeakSecrets is Secrets with what each one is.
func LeakSecrets() []Secret {
	return []Secret{{Kind: "the simulator's default API key", Value: DefaultKey},
		{Kind: "the config value every simulated app has", Value: ConfigSecret},
		{Kind: "a signed URL's query", Value: "Signature="}, {Kind: "a signed URL's query", Value: "X-Amz-Signature"},
		{Kind: "a signed URL's query", Value: "AWSAccessKeyId"}}
}

func values(ss []Secret) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Value
	}
	return out
}

// Secrets is the package's Secrets plus the keys it accepts and what this
// server learnt or made since: every config var value and dyno env value a
// client sent, the rendezvous secrets and log session credentials it
// handed out. Values
// shorter than 8 bytes are left out, as too likely to appear by chance.
func (s *Server) Secrets() []string { return values(s.LeakSecrets()) }

// LeakSecrets is Secrets with what each one is, for the leak check's
// report: the keys it accepts (-key) as well.
func (s *Server) LeakSecrets() []Secret {
	out := LeakSecrets()
	add := func(kind, v string) {
		if len(v) >= minSecretLen {
			out = append(out, Secret{Kind: kind, Value: v})
		}
	}
	for _, v := range s.registrySecrets() {
		add("the job token, or a registry's token", v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.opts.Keys {
		key, _, _ := strings.Cut(k, ":")
		add("an API key the simulator accepts", key)
	}
	apps := append([]*app(nil), s.deleted...) // what deleted apps held is as secret
	for name, a := range s.apps {
		if name == a.Name { // each app is there by name and by id
			apps = append(apps, a)
		}
	}
	for _, a := range apps {
		for k, v := range a.config {
			add("config var "+k+" of "+a.Name, v)
		}
		for _, d := range a.dynos {
			add("the rendezvous secret of dyno "+d.Name, d.secret)
			for k, v := range d.Env {
				add("env "+k+" of dyno "+d.Name, v)
			}
		}
	}
	for id := range s.logSessions {
		add("a log session's credential", s.sign("logs", id))
	}
	return out
}

// Options configure a Server. Zero durations are zero: the simulator is fast
// unless a test asks for Heroku's slowness.
type Options struct {
	// Keys are the accepted API keys, each KEY[:SCOPE[,SCOPE...]] with
	// OAuth scopes (global, identity, read, write, read-protected,
	// write-protected; default global), checked against scope.go's table;
	// DefaultKey when empty.
	Keys []string
	// Apps to create, each NAME[:OPTION,...] (see AppSpec).
	Apps []string
	// Step is the pause between build log lines.
	Step time.Duration
	// BuildStream404 and ReleaseStream404 keep a new stream answering
	// 404 "Channel is not registered." for that long.
	BuildStream404   time.Duration
	ReleaseStream404 time.Duration
	// PendingAfterEOF keeps a build "pending" after its stream ended.
	PendingAfterEOF time.Duration
	// Keepalive is how often an idle stream sends a NUL byte.
	Keepalive time.Duration
	// Stuck builds never finish: their stream stays open forever.
	Stuck bool
	// StreamStaysOpen keeps a finished build's stream open (no EOF).
	StreamStaysOpen bool
	// NoBuildStream gives builds a null output_stream_url.
	NoBuildStream bool
	// ReleaseLag keeps a succeeded build's release null for this many
	// reads of the build: Heroku can report success a moment before the
	// release exists.
	ReleaseLag int
	// ReleaseEnds, when set, is the status a deploy's release ends in
	// instead of "succeeded" ("expired", or a status Heroku may add).
	ReleaseEnds string
	// BuildListLag hides a new build from the build list for this long:
	// Heroku's list can lag behind a build just created.
	BuildListLag time.Duration
	// RateLimit is the token bucket size per key (4500 on Heroku) and
	// RateRefill the tokens added per second (75/min on Heroku).
	RateLimit  int
	RateRefill float64
	// URLTTL is how long presigned storage URLs stay valid (1h).
	URLTTL time.Duration
	// Rendezvous "blocked" points attach URLs at a port that accepts
	// connections and never answers (a firewall dropping port 5000);
	// "drop=N" resets each attach session after N bytes of the dyno's
	// output; "linger" keeps each attach session open after the dyno's
	// process ended; "https" hands out https:// attach URLs (Shield
	// spaces'), which nothing serves.
	Rendezvous string
	Faults     []*Fault
	// Health scripts what apps with the web option answer at their
	// web_url, each APP:STEP,... (see parseHealth).
	Health []string
	// Teams, each NAME[:userN,...] (members; default every key's
	// account), and private spaces, each NAME:TEAM[:fir][:REGION]: where
	// POST /teams/apps and app setups can create apps (team.go).
	Teams  []string
	Spaces []string
	// PageSize is how many apps GET /apps answers at most without a max
	// in its Range (Heroku: 200).
	PageSize int
	// RegistryFaults make the registries misbehave: "heroku FAULT" or
	// "gitlab FAULT", FAULT in registrysim's language (container.go).
	RegistryFaults []string
	// SourceImages are REPO:TAG images stored in the GitLab registry at
	// start (OCI, linux/amd64, with curl and a revision label): the demo's.
	SourceImages []string
}

// Server is a running simulator.
type Server struct {
	URL string

	opts     Options
	http     *http.Server
	handler  http.Handler
	patterns []string // the API's routes, "METHOD /path/{x}", for the schema test
	firstApp string
	secret   []byte

	mu           sync.Mutex
	faultsMissed []string // faults that met a request and did nothing (wrongtype without its field)
	seq          map[byte]int
	keys         map[string]*account
	apps         map[string]*app // by name and by id
	blobs        map[string]*blob
	builds       map[string]*build
	streams      map[string]*stream
	// attachable holds attached dynos by rendezvous secret until a client
	// claims them.
	attachable  map[string]*dyno
	logSessions map[string]*logSession
	rdv         rendezvous.Server
	requests    []Request
	reqSeq      atomic.Int64
	now         func() time.Time

	// Under mu too: slugs and OCI images by id; the web side's scripts by
	// app name; pipelines by name and by id; promotions by id.
	built      map[string]*built
	health     map[string]*healthSeq
	pipelines  map[string]*pipeline
	promotions map[string]*promotion
	// Teams and spaces by name, app setups by id, apps deleted (team.go,
	// appsetup.go, app.go).
	teams   map[string]*team
	spaces  map[string]*space
	setups  map[string]*appSetup
	deleted []*app

	reg *registries // container.go
}

type account struct {
	email  string
	scope  string
	tokens float64
	last   time.Time
}

// Request is one recorded request.
type Request struct {
	Method, Path  string
	Seq           int64 // the order requests arrived in, shared with RegistryRequest.Seq
	Status        int
	Auth          bool // carried an Authorization header
	Chunked       bool
	ContentLength int64
	ContentType   string
	Accept        string
	Range         string
	BuildCreated  bool // a POST that created a build
	Fault         string
}

// Start listens on a loopback port and serves until Close.
func Start(opts Options) (*Server, error) {
	return StartOn("127.0.0.1:0", opts)
}

// StartOn is Start on a given loopback address.
func StartOn(addr string, opts Options) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("the simulator listens on loopback only, not %s", host)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := New(opts)
	if err := s.startRegistries(); err != nil {
		l.Close()
		return nil, err
	}
	s.URL = "http://" + l.Addr().String()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go s.http.Serve(l)
	return s, nil
}

// New returns an unstarted Server, for use with httptest.
func New(opts Options) *Server {
	if len(opts.Keys) == 0 {
		opts.Keys = []string{DefaultKey}
	}
	if opts.Keepalive == 0 {
		opts.Keepalive = 200 * time.Millisecond
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 4500
	}
	if opts.RateRefill == 0 {
		opts.RateRefill = 75.0 / 60
	}
	if opts.URLTTL == 0 {
		opts.URLTTL = time.Hour
	}
	if opts.PageSize == 0 {
		opts.PageSize = 200
	}
	s := &Server{
		opts:    opts,
		secret:  []byte("herokusim-signing-secret"),
		seq:     map[byte]int{},
		keys:    map[string]*account{},
		apps:    map[string]*app{},
		blobs:   map[string]*blob{},
		builds:  map[string]*build{},
		streams: map[string]*stream{},
		now:     time.Now,

		attachable:  map[string]*dyno{},
		logSessions: map[string]*logSession{},

		built:      map[string]*built{},
		health:     map[string]*healthSeq{},
		pipelines:  map[string]*pipeline{},
		promotions: map[string]*promotion{},
		teams:      map[string]*team{},
		spaces:     map[string]*space{},
		setups:     map[string]*appSetup{},
		reg:        newRegistries(opts),
	}
	s.rdv.Mode, s.rdv.Claim = opts.Rendezvous, s.claimDyno
	s.handler = s.routes()
	for i, k := range opts.Keys {
		key, scope, _ := strings.Cut(k, ":")
		if scope = keyScopes(scope); scope == "" {
			scope = "global"
		}
		s.keys[key] = &account{email: fmt.Sprintf("user%d@example.com", i+1), scope: scope, tokens: float64(opts.RateLimit), last: s.now()}
	}
	for _, spec := range opts.Health {
		name, h, err := parseHealth(spec)
		if err != nil {
			panic(err) // ParseFlags and the tests check specs first
		}
		s.health[name] = h
	}
	s.addTeamsAndSpaces()
	for i, spec := range opts.Apps {
		a, err := parseAppSpec(spec)
		if err != nil {
			panic(err) // ParseFlags and the tests check specs first
		}
		s.createApp(a)
		if i == 0 {
			s.firstApp = a.Name
		}
	}
	return s
}

// ServeHTTP serves storage, streams and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Close stops the server, its dynos and every open stream.
func (s *Server) Close() error {
	s.mu.Lock()
	var dynos []*dyno
	for _, a := range s.apps {
		dynos = append(dynos, a.dynos...)
	}
	s.mu.Unlock()
	for _, d := range dynos {
		s.killDyno(d, "stopped")
	}
	s.rdv.Close()
	s.closeRegistries()
	s.mu.Lock()
	for _, st := range s.streams {
		st.close()
	}
	s.mu.Unlock()
	if s.http != nil {
		return s.http.Close()
	}
	return nil
}

// SetURL tells a Server made with New where it is reachable.
func (s *Server) SetURL(u string) { s.URL = u }

// id returns a deterministic UUID-shaped id: the first hex digit names the
// kind (a app, b build, c release, d source, 5 slug, 9 OCI image, f stream,
// e pipeline, 1 coupling, 2 promotion, 3 promotion target), the tail
// counts.
func (s *Server) id(kind byte) string {
	s.seq[kind]++
	return fmt.Sprintf("%c0000000-0000-4000-8000-%012d", kind, s.seq[kind])
}

func (s *Server) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(strings.Join(parts, "|")))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// Requests returns the recorded requests in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// BuildCount returns how many builds exist for an app.
func (s *Server) BuildCount(appName string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if a == nil {
		return 0
	}
	return len(a.builds)
}

// Problems lists protocol rules the client broke: credentials sent to
// storage or streams, chunked uploads, more than one build per source blob.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]string(nil), s.faultsMissed...)
	for _, r := range s.requests {
		plain := strings.HasPrefix(r.Path, "/s3/") || strings.HasPrefix(r.Path, "/streams/") || strings.HasPrefix(r.Path, "/web/") || logsPath(r.Path)
		if plain && r.Auth {
			out = append(out, fmt.Sprintf("%s %s carried an Authorization header", r.Method, r.Path))
		}
		if strings.HasPrefix(r.Path, "/trap/") {
			out = append(out, fmt.Sprintf("%s %s followed a redirect (auth: %v)", r.Method, r.Path, r.Auth))
		}
		if r.Method == "PUT" && r.Chunked {
			out = append(out, fmt.Sprintf("PUT %s was chunked", r.Path))
		}
	}
	perBlob := map[string]int{}
	var fir []string
	for _, b := range s.builds {
		perBlob[b.blobID]++
		if b.app.Fir && len(b.Buildpacks) > 0 {
			fir = append(fir, fmt.Sprintf("build %s of Fir app %s was sent buildpacks, which Heroku ignores on Fir", b.ID, b.app.Name))
		}
	}
	sort.Strings(fir)
	out = append(out, fir...)
	keys := make([]string, 0, len(perBlob))
	for k := range perBlob {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if perBlob[k] > 1 {
			out = append(out, fmt.Sprintf("%d builds were created from source %s", perBlob[k], k))
		}
	}
	return out
}
