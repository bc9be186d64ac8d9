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
	PromotionNoRelease      bool // its promotion targets succeed with release null
	ReleaseFails            bool // its release phase fails, whatever the command
	CreatedAt               time.Time
	builds                  []*build
	releases                []*release
	config                  map[string]string
	procs                   map[string]string // the current slug's Procfile: "release" runs release phase
	Maintenance             bool
	dynos                   []*dyno
	dynoSeq                 int
	formation               map[string]*process // by type (formation.go)
	coupling                *coupling
	health                  *healthSeq // what /web/<app>/ answers

	// Where it lives (team.go): a team app's team and space, its region.
	team   *team
	space  *space
	Region string
	addons []*addon // addon.go
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
//	promotion-no-release  a promotion to it is made, but its target always
//	             answers release null, succeeded too (a malformed success)
//	config=A+B   config vars A and B, with secret values of the simulator's
//	             making (besides DATABASE_URL, which every app has)
//	pipeline=P/S coupled to pipeline P (made on first use) at stage S
//	             (test, review, development, staging, production)
type AppSpec struct {
	Name, Owner        string
	Fir                bool
	NoWebURL           bool
	NoDomains          bool
	Release            string // the current slug's release command, "" for none
	Web                bool
	Pipeline           string
	Stage              string
	Container          bool
	TwoFactor          bool
	PromotionFails     bool
	PromotionNoRelease bool
	ReleaseFails       bool
	Config             []string // more config vars
}

// stages are a pipeline's stages, in promotion order from development.
var stages = []string{"test", "review", "development", "staging", "production"}

// parseAppSpec reads an app's text form.
func parseAppSpec(s string) (AppSpec, error) {
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
		case o == "promotion-no-release":
			a.PromotionNoRelease = true
		case strings.HasPrefix(o, "config="):
			for _, n := range strings.Split(strings.TrimPrefix(o, "config="), "+") {
				if !configKeyRE.MatchString(n) {
					return a, fmt.Errorf("app %q: config var name %q", s, n)
				}
				a.Config = append(a.Config, n)
			}
		default:
			return a, fmt.Errorf("app %q: unknown option %q (foreign, userN, fir, no-web-url, no-domains, release, release-fails, web, pipeline=P/S, container, two-factor, promotion-fails, promotion-no-release, config=A+B)", s, o)
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
		PromotionNoRelease: spec.PromotionNoRelease,
		health:             s.health[spec.Name], Region: "us",
		// A secret every app carries, so tests can prove it never leaks:
		// its Heroku Postgres add-on's URL.
		config: map[string]string{"DATABASE_URL": "postgres://u:" + ConfigSecret + "@db.example.com:5432/d"},
	}
	a.addons = []*addon{s.newAddon(a, "heroku-postgresql", "essential-0", "DATABASE")}
	for _, n := range spec.Config {
		a.config[n] = "sim-" + strings.ToLower(n) + "-" + s.sign("config", a.Name, n)[:12] + "-SECRET"
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
	if !a.canUse(acct.email) {
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
	var teamRef, spaceRef any
	if a.team != nil {
		teamRef = map[string]string{"id": a.team.ID, "name": a.team.Name}
	}
	if a.space != nil {
		spaceRef = map[string]any{"id": a.space.ID, "name": a.space.Name, "shield": false}
	}
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
		"region":      map[string]string{"id": regionID(a.Region), "name": a.Region},
		"owner":       map[string]string{"id": "00000000-0000-4000-8000-0000000000aa", "email": a.Owner},
		"maintenance": a.Maintenance, "created_at": a.CreatedAt, "updated_at": a.CreatedAt, "released_at": a.CreatedAt,
		"acm": false, "archived_at": nil, "buildpack_provided_description": nil, "internal_routing": nil,
		"organization": teamRef, "team": teamRef, "space": spaceRef, "repo_size": nil, "slug_size": nil,
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

// createRequest is what POST /apps, POST /teams/apps and POST /app-setups
// ask of a new app.
type createRequest struct {
	name, region, stack, space *string
	team                       string // "" for a personal app
}

// The regions' ids, as Heroku's region list gives them for us and eu.
func regionID(name string) string {
	switch name {
	case "us":
		return "59accabd-516d-4f0e-83e6-6e3757701145"
	case "eu":
		return "ed30241c-ed8c-4bb6-9714-61953675d0b4"
	}
	sum := sha256.Sum256([]byte(name))
	h := hex.EncodeToString(sum[:])
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-8" + h[17:20] + "-" + h[20:32]
}

// createRequested checks a creation request as Heroku does and makes the
// app, owned by acct or, in a team, by the team; it answers the error
// itself. The check that the name is free and the creation are one step:
// of two concurrent requests for a name, one gets the app, the other 422
// "Name is already taken" (the answer Heroku gives for a taken name, an
// app of another account's included: martyzz1/heroku3.py#37).
func (s *Server) createRequested(w http.ResponseWriter, acct *account, req createRequest) (*app, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	spec := AppSpec{Owner: acct.email}
	var t *team
	var sp *space
	if req.space != nil {
		if sp = s.spaces[*req.space]; sp == nil {
			apiError(w, 404, "not_found", "Couldn't find that space.")
			return nil, false
		}
		if req.team == "" {
			req.team = sp.team.Name
		}
		if req.region != nil {
			apiError(w, 422, "invalid_params", "An app in a space takes the space's region: do not give one.")
			return nil, false
		}
	}
	if req.team != "" {
		if t = s.teams[req.team]; t == nil {
			apiError(w, 404, "not_found", "Couldn't find that team.")
			return nil, false
		}
		if !t.member(acct.email) {
			apiError(w, 403, "forbidden", "You do not have access to the team "+t.Name+".")
			return nil, false
		}
		if sp != nil && sp.team != t {
			apiError(w, 422, "invalid_params", "Space "+sp.Name+" does not belong to team "+t.Name+".")
			return nil, false
		}
		spec.Owner = t.Name + "@herokumanager.com"
	}
	region := "us"
	if sp != nil {
		region, spec.Fir = sp.region, sp.fir
	} else if req.region != nil {
		region = *req.region
		if !slices.Contains(commonRegions, region) {
			apiError(w, 422, "invalid_params", "Couldn't find that region.")
			return nil, false
		}
	}
	if req.stack != nil && !slices.Contains([]string{"heroku-22", "heroku-24"}, *req.stack) {
		apiError(w, 422, "invalid_params", "Couldn't find that stack.")
		return nil, false
	}
	if req.name == nil {
		s.seq['n']++
		spec.Name = fmt.Sprintf("herokusim-app-%d", s.seq['n'])
	} else {
		spec.Name = *req.name
		switch {
		case len(spec.Name) > 30:
			apiError(w, 422, "invalid_params", "Name is too long (maximum is 30 characters)")
			return nil, false
		case !appNameRE.MatchString(spec.Name):
			apiError(w, 422, "invalid_params", "Name must start with a letter, end with a letter or digit and can only contain lowercase letters, digits, and dashes.")
			return nil, false
		case s.apps[spec.Name] != nil:
			apiError(w, 422, "invalid_params", "Name is already taken")
			return nil, false
		}
	}
	a := s.createApp(spec)
	// A new app has no config and no add-on.
	a.config, a.addons = map[string]string{}, nil
	// One that -health scripts serves on the simulator, as the web option
	// does, so that a health check can follow its first deploy.
	a.Web = a.health != nil
	a.team, a.space, a.Region = t, sp, region
	return a, true
}

// postApp answers POST /apps: a personal app.
func (s *Server) postApp(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name         *string  `json:"name"`
		Region       *string  `json:"region"`
		Stack        *string  `json:"stack"`
		FeatureFlags []string `json:"feature_flags"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	a, ok := s.createRequested(w, accountOf(r), createRequest{name: body.Name, region: body.Region, stack: body.Stack})
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(w, 201, s.appJSON(a))
}

// deleteApp answers DELETE /apps/{app}: the app goes, with its dynos and
// add-ons; its name is free again. What it held stays among Secrets, for
// the leak checks.
func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	if s.apps[a.Name] != a {
		s.mu.Unlock()
		apiError(w, 404, "not_found", "Couldn't find that app.")
		return
	}
	delete(s.apps, a.Name)
	delete(s.apps, a.ID)
	s.deleted = append(s.deleted, a)
	out := s.appJSON(a)
	dynos := append([]*dyno(nil), a.dynos...)
	s.mu.Unlock()
	for _, d := range dynos {
		s.killDyno(d, "stopped")
	}
	writeJSON(w, 200, out)
}

// listApps answers GET /apps: the apps the account can use, by Range
// (`id` or `name`, ascending unless order=desc, from an exclusive `]start`),
// PageSize at a time (Heroku: 200) with 206 and Next-Range while more
// remain.
func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	field, start, max, desc := parseListRange(r.Header.Get("Range"), s.opts.PageSize)
	if field != "id" && field != "name" {
		apiError(w, 400, "bad_request", "Invalid Range header: apps are ranged by id or name.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []*app
	for k, a := range s.apps {
		if k == a.Name && a.canUse(acct.email) {
			list = append(list, a)
		}
	}
	key := func(a *app) string {
		if field == "name" {
			return a.Name
		}
		return a.ID
	}
	slices.SortFunc(list, func(x, y *app) int {
		if desc {
			return strings.Compare(key(y), key(x))
		}
		return strings.Compare(key(x), key(y))
	})
	if start != "" {
		from, exclusive := strings.TrimPrefix(start, "]"), strings.HasPrefix(start, "]")
		i := slices.IndexFunc(list, func(a *app) bool {
			c := strings.Compare(key(a), from)
			if desc {
				c = -c
			}
			return c > 0 || (c == 0 && !exclusive)
		})
		if i < 0 {
			i = len(list)
		}
		list = list[i:]
	}
	status := 200
	if len(list) > max {
		list = list[:max]
		status = 206
		order := ""
		if desc {
			order = ", order=desc"
		}
		w.Header().Set("Next-Range", fmt.Sprintf("%s ]%s..; max=%d%s", field, key(list[max-1]), max, order))
	}
	out := []any{}
	for _, a := range list {
		out = append(out, s.appJSON(a))
	}
	writeJSON(w, status, out)
}
