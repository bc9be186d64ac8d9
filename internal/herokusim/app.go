package herokusim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type app struct {
	ID, Name, WebURL, Owner string
	Fir                     bool // a Fir-generation app (Cloud Native Buildpacks, OCI images)
	NoDomains               bool // not even the default herokuapp.com domain
	Container               bool // on the container stack (Docker images; no promotions)
	Web                     bool // web_url points at the simulator's /web/<app>/
	TwoFactor               bool // promotions to it need a second factor (403 two_factor)
	PromotionFails          bool // promotions to it fail (error_message)
	ReleaseFails            bool // its release phase fails, whatever the command
	CreatedAt               time.Time
	builds                  []*build
	releases                []*release
	config                  map[string]string
	procs                   map[string]string // the current slug's Procfile: "release" runs release phase
	Maintenance             bool
	dynos                   []*dyno
	dynoSeq                 int
	coupling                *coupling
	health                  *healthSeq // what /web/<app>/ answers
}

// AppSpec describes an app to create: NAME[:OPTION,...], options being
//
//	foreign      owned by an account no key belongs to (403 for every key)
//	userN        owned by the account of the Nth key (default user1)
//	fir          a Fir-generation app: project.toml, CNB build log, OCI images
//	no-web-url   web_url is null, as the schema allows; the default domain stays
//	no-domains   web_url is null and the app has no domain at all
//	release      its current slug has a release phase, as config changes run it
//	release-fails  the same, with a release command that fails; and every
//	             release command fails on it (its database refuses a migration)
//	web          web_url is the simulator's /web/<app>/, which answers as -health says
//	pipeline=P/S coupled to pipeline P (made on first use) at stage S
//	             (test, review, development, staging, production)
//	container    on the container stack: pipelines cannot promote it
//	two-factor   a promotion to it answers 403 two_factor
//	promotion-fails  a promotion to it fails ("Could not verify slug checksum")
type AppSpec struct {
	Name, Owner    string
	Fir            bool
	NoWebURL       bool
	NoDomains      bool
	Release        string // the current slug's release command, "" for none
	Web            bool
	Pipeline       string
	Stage          string
	Container      bool
	TwoFactor      bool
	PromotionFails bool
	ReleaseFails   bool
}

// stages are a pipeline's stages, in promotion order from development.
var stages = []string{"test", "review", "development", "staging", "production"}

// ParseAppSpec reads an app's text form.
func ParseAppSpec(s string) (AppSpec, error) {
	name, opts, _ := strings.Cut(s, ":")
	a := AppSpec{Name: name, Owner: "user1@example.com"}
	if !appNameRE.MatchString(name) {
		return a, fmt.Errorf("app %q: not a valid Heroku app name", s)
	}
	for _, o := range strings.FieldsFunc(opts, func(r rune) bool { return r == ',' }) {
		switch {
		case o == "foreign":
			a.Owner = "someone-else@example.com"
		case strings.HasPrefix(o, "user"):
			if _, err := strconv.Atoi(o[4:]); err != nil {
				return a, fmt.Errorf("app %q: bad option %q", s, o)
			}
			a.Owner = o + "@example.com"
		case o == "fir":
			a.Fir = true
		case o == "no-web-url":
			a.NoWebURL = true
		case o == "no-domains":
			a.NoWebURL, a.NoDomains = true, true
		case o == "release":
			a.Release = "./bin/migrate"
		case o == "release-fails":
			a.Release, a.ReleaseFails = "./bin/migrate; exit 1", true
		case o == "web":
			a.Web = true
		case strings.HasPrefix(o, "pipeline="):
			p, stage, ok := strings.Cut(strings.TrimPrefix(o, "pipeline="), "/")
			if !ok || !appNameRE.MatchString(p) || !slices.Contains(stages, stage) {
				return a, fmt.Errorf("app %q: %q: want pipeline=NAME/STAGE, STAGE one of %s", s, o, strings.Join(stages, ", "))
			}
			a.Pipeline, a.Stage = p, stage
		case o == "container":
			a.Container = true
		case o == "two-factor":
			a.TwoFactor = true
		case o == "promotion-fails":
			a.PromotionFails = true
		default:
			return a, fmt.Errorf("app %q: unknown option %q (foreign, userN, fir, no-web-url, no-domains, release, release-fails, web, pipeline=P/S, container, two-factor, promotion-fails)", s, o)
		}
	}
	return a, nil
}

var appNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,28}[a-z0-9]$`)

// createApp makes an app with Heroku's first two releases (s.mu held or
// not yet shared).
func (s *Server) createApp(spec AppSpec) *app {
	a := &app{
		ID: s.id('a'), Name: spec.Name, Owner: spec.Owner, Fir: spec.Fir, NoDomains: spec.NoDomains, CreatedAt: s.now().UTC(),
		Container: spec.Container, Web: spec.Web, TwoFactor: spec.TwoFactor, PromotionFails: spec.PromotionFails, ReleaseFails: spec.ReleaseFails,
		health: s.health[spec.Name],
		// A secret every app carries, so tests can prove it never leaks.
		config: map[string]string{"DATABASE_URL": "postgres://u:" + ConfigSecret + "@db.example.com:5432/d"},
	}
	if !spec.NoWebURL {
		a.WebURL = defaultDomainURL(a.Name)
	}
	if spec.Release != "" {
		a.procs = map[string]string{"release": spec.Release}
	}
	s.apps[a.Name] = a
	s.apps[a.ID] = a
	if spec.Pipeline != "" {
		s.couple(a, spec.Pipeline, spec.Stage)
	}
	// Heroku creates v1 and v2 with every app: the first deploy is v3.
	s.newRelease(a, "Initial release", artifact{}, nil, false)
	s.newRelease(a, "Enable Logplex by "+a.Owner, artifact{}, nil, false)
	return a
}

// defaultDomainURL is the app's herokuapp.com URL. Apps created since
// 2023-06-14 carry a random suffix: clients must read web_url (or the
// default domain), never build it from the name.
func defaultDomainURL(name string) string {
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("https://%s-%s.herokuapp.com/", name, hex.EncodeToString(sum[:6]))
}

// appFor finds an app by name or id and checks the account may use it.
func (s *Server) appFor(w http.ResponseWriter, acct *account, ident string) (*app, bool) {
	s.mu.Lock()
	a := s.apps[ident]
	s.mu.Unlock()
	if a == nil {
		apiError(w, 404, "not_found", "Couldn't find that app.")
		return nil, false
	}
	if a.Owner != acct.email {
		apiError(w, 403, "forbidden", fmt.Sprintf("You do not have access to the app %s.", a.Name))
		return nil, false
	}
	return a, true
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request, a *app) {
	writeJSON(w, 200, s.appJSON(a))
}

// listDomains lists the default herokuapp.com domain, the one every app
// has (kind "heroku"), and a custom one, so clients must pick by kind.
func (s *Server) listDomains(w http.ResponseWriter, r *http.Request, a *app) {
	out := []any{}
	if !a.NoDomains {
		host := strings.TrimSuffix(strings.TrimPrefix(defaultDomainURL(a.Name), "https://"), "/")
		out = append(out,
			s.domainJSON(a, "www."+a.Name+".example.com", "custom", "d1"),
			s.domainJSON(a, host, "heroku", "d0"))
	}
	writeJSON(w, 200, out)
}

func (s *Server) domainJSON(a *app, host, kind, tag string) map[string]any {
	var cname any
	if kind == "custom" {
		cname = host + ".herokudns.com"
	}
	return map[string]any{
		"id": "0" + tag[1:] + "000000-0000-4000-8000-" + a.ID[24:], "hostname": host, "kind": kind,
		"app": map[string]string{"id": a.ID, "name": a.Name}, "cname": cname, "status": "succeeded",
		"acm_status": nil, "acm_status_reason": nil, "sni_endpoint": nil,
		"created_at": a.CreatedAt, "updated_at": a.CreatedAt,
	}
}

// The generations and stacks apps report: Fir apps run on the "cnb" stack.
var (
	cedar    = map[string]string{"id": "70000000-0000-4000-8000-0000000000ce", "name": "cedar"}
	fir      = map[string]string{"id": "70000000-0000-4000-8000-0000000000f1", "name": "fir"}
	heroku24 = map[string]string{"id": "50000000-0000-4000-8000-000000000024", "name": "heroku-24"}
	cnb      = map[string]string{"id": "50000000-0000-4000-8000-0000000000cb", "name": "cnb"}
	// The stack of apps deployed as Docker images.
	container = map[string]string{"id": "50000000-0000-4000-8000-0000000000c0", "name": "container"}
)

func (s *Server) appJSON(a *app) map[string]any {
	var webURL any
	switch {
	case a.Web:
		webURL = s.URL + "/web/" + a.Name + "/"
	case a.WebURL != "":
		webURL = a.WebURL
	}
	gen, stack := cedar, heroku24
	switch {
	case a.Fir:
		gen, stack = fir, cnb
	case a.Container:
		stack = container
	}
	return map[string]any{
		"id": a.ID, "name": a.Name, "web_url": webURL, "generation": gen,
		"git_url":     "https://git.heroku.com/" + a.Name + ".git",
		"stack":       stack,
		"build_stack": stack,
		"region":      map[string]string{"id": "59accabd-516d-4f0e-83e6-6e3757701145", "name": "us"},
		"owner":       map[string]string{"id": "00000000-0000-4000-8000-0000000000aa", "email": a.Owner},
		"maintenance": a.Maintenance, "created_at": a.CreatedAt, "updated_at": a.CreatedAt, "released_at": a.CreatedAt,
		"acm": false, "archived_at": nil, "buildpack_provided_description": nil, "internal_routing": nil,
		"organization": nil, "team": nil, "space": nil, "repo_size": nil, "slug_size": nil,
	}
}

// patchApp is PATCH /apps/{app}: maintenance mode on or off. Renaming and
// changing the build stack are not simulated.
func (s *Server) patchApp(w http.ResponseWriter, r *http.Request, a *app) {
	var body struct {
		Maintenance *bool   `json:"maintenance"`
		Name        *string `json:"name"`
		BuildStack  *string `json:"build_stack"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if body.Name != nil || body.BuildStack != nil {
		apiError(w, 422, "invalid_params", "herokusim: only maintenance can be changed")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if body.Maintenance != nil {
		a.Maintenance = *body.Maintenance
	}
	writeJSON(w, 200, s.appJSON(a))
}
