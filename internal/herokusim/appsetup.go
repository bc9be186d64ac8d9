package herokusim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/herokusim/dynoshell"
)

// App setups (POST /app-setups): an app made from a source tarball with an
// app.json manifest in one go. Heroku creates the app at once, then, while
// the setup is "pending", provisions the manifest's add-ons, sets its env
// (overrides.env winning), builds the source (the setup's build, with its
// output stream), and runs scripts.postdeploy once, on a one-off dyno,
// whose output and exit code the setup reports afterwards; it ends
// "succeeded", or "failed" with failure_message and, for a manifest that
// does not hold, manifest_errors (Heroku's API reference; the schema's
// example: "invalid app.json", ["config var FOO is required"]). The other
// failure messages are the simulator's own [inferred].

type appSetup struct {
	ID             string
	app            *app
	owner          string
	status         string // pending, succeeded, failed
	failure        *string
	manifestErrors []string
	build          *build
	postdeploy     *postdeployResult
	successURL     *string
	createdAt      time.Time
	updatedAt      time.Time
}

type postdeployResult struct {
	code   int
	output string
}

// setupRequest is the body of POST /app-setups.
type setupRequest struct {
	App *struct {
		Locked       *bool   `json:"locked"`
		Name         *string `json:"name"`
		Organization *string `json:"organization"`
		Personal     *bool   `json:"personal"`
		Region       *string `json:"region"`
		Space        *string `json:"space"`
		Stack        *string `json:"stack"`
	} `json:"app"`
	SourceBlob struct {
		Checksum *string `json:"checksum"`
		URL      *string `json:"url"`
		Version  *string `json:"version"`
	} `json:"source_blob"`
	Overrides *struct {
		Buildpacks []struct {
			URL string `json:"url"`
		} `json:"buildpacks"`
		Env map[string]string `json:"env"`
	} `json:"overrides"`
}

func (s *Server) postAppSetup(w http.ResponseWriter, r *http.Request) {
	var body setupRequest
	if !decodeStrict(w, r, &body) {
		return
	}
	switch {
	case body.SourceBlob.URL == nil || *body.SourceBlob.URL == "":
		apiError(w, 422, "invalid_params", "Missing required params: source_blob.url")
		return
	case body.SourceBlob.Checksum != nil && !checksumRE.MatchString(*body.SourceBlob.Checksum):
		apiError(w, 422, "invalid_params", "Checksum must be SHA256:<64 lowercase hex digits>")
		return
	}
	if body.Overrides != nil {
		for k := range body.Overrides.Env {
			if !configKeyRE.MatchString(k) {
				apiError(w, 422, "invalid_params", "Invalid config var name: "+k)
				return
			}
		}
	}
	req := createRequest{}
	if a := body.App; a != nil {
		req = createRequest{name: a.Name, region: a.Region, stack: a.Stack, space: a.Space}
		if a.Organization != nil && (a.Personal == nil || !*a.Personal) {
			req.team = *a.Organization
		}
	}
	acct := accountOf(r)
	a, ok := s.createRequested(w, acct, req)
	if !ok {
		return
	}
	s.mu.Lock()
	now := s.now().UTC()
	st := &appSetup{ID: s.id('6'), app: a, owner: acct.email, status: "pending", createdAt: now, updatedAt: now}
	s.setups[st.ID] = st
	out := s.setupJSON(st)
	s.mu.Unlock()
	go s.runSetup(st, r.Host, body)
	writeJSON(w, 201, out)
}

func (s *Server) getAppSetup(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.setups[r.PathValue("id")]
	if st == nil || !(st.owner == acct.email || st.app.canUse(acct.email)) {
		apiError(w, 404, "not_found", "Couldn't find that app setup.")
		return
	}
	writeJSON(w, 200, s.setupJSON(st))
}

// setupJSON is the app setup as the API shows it (s.mu held).
func (s *Server) setupJSON(st *appSetup) map[string]any {
	var b, pd, fail, success any
	if st.build != nil {
		b = map[string]any{"id": st.build.ID, "status": st.build.Status, "output_stream_url": s.streamURL(st.build.host, st.build.stream)}
	}
	if st.postdeploy != nil {
		pd = map[string]any{"exit_code": st.postdeploy.code, "output": st.postdeploy.output}
	}
	if st.failure != nil {
		fail = *st.failure
	}
	if st.successURL != nil {
		success = *st.successURL
	}
	errs := st.manifestErrors
	if errs == nil {
		errs = []string{}
	}
	return map[string]any{
		"id": st.ID, "status": st.status, "failure_message": fail, "manifest_errors": errs,
		"app":   map[string]string{"id": st.app.ID, "name": st.app.Name},
		"build": b, "postdeploy": pd, "resolved_success_url": success,
		"created_at": st.createdAt, "updated_at": st.updatedAt,
	}
}

// runSetup plays an app setup to its end.
func (s *Server) runSetup(st *appSetup, host string, req setupRequest) {
	if s.opts.Step > 0 {
		time.Sleep(s.opts.Step)
	}
	a := st.app
	end := func(status, msg string, errs ...string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		st.status, st.updatedAt = status, s.now().UTC()
		if msg != "" {
			st.failure, st.manifestErrors = &msg, errs
		}
	}
	url := *req.SourceBlob.URL
	bl, err := s.fetchBlob(url)
	if err != nil {
		end("failed", "The source could not be downloaded: "+err.Error())
		return
	}
	if c := req.SourceBlob.Checksum; c != nil {
		sum := sha256.Sum256(bl.data)
		if "SHA256:"+hex.EncodeToString(sum[:]) != *c {
			end("failed", "The downloaded source does not match its checksum.")
			return
		}
	}
	files, _, err := readSource(bl.data)
	if err != nil {
		end("failed", "Unable to extract source: "+err.Error())
		return
	}
	var overrides map[string]string
	var bps []buildpack
	if o := req.Overrides; o != nil {
		overrides = o.Env
		for _, bp := range o.Buildpacks {
			bps = append(bps, buildpack{URL: bp.URL})
		}
	}
	m, errs := parseManifest(files["app.json"], overrides, func(name string) string { return s.sign("generator", a.ID, name) })
	if len(errs) > 0 {
		end("failed", "invalid app.json", errs...)
		return
	}
	if bps == nil {
		bps = m.buildpacks
	}

	s.mu.Lock()
	for _, ad := range m.addons {
		added := s.newAddon(a, ad.service, ad.plan, ad.as)
		a.addons = append(a.addons, added)
		for _, v := range added.configVars {
			a.config[v] = ad.service + "://review:" + s.sign("addon", added.ID)[:20] + "@" + added.Name + ".example.com/" + strings.ToLower(v)
		}
	}
	for k, v := range m.env {
		a.config[k] = v
	}
	for k, v := range overrides {
		a.config[k] = v
	}
	b := s.startBuild(a, st.owner, host, url, req.SourceBlob.Version, req.SourceBlob.Checksum, bps)
	st.build, st.updatedAt = b, s.now().UTC()
	s.mu.Unlock()

	// The build, then its release (release phase included), end.
	for s.pending(b) || s.releasePending(b) {
		time.Sleep(5 * time.Millisecond)
	}
	s.mu.Lock()
	bstatus, rel := b.Status, b.release
	s.mu.Unlock()
	switch {
	case bstatus != "succeeded":
		end("failed", fmt.Sprintf("The build %s failed: its output says why.", b.ID))
		return
	case rel != nil && rel.Status != "succeeded":
		end("failed", fmt.Sprintf("The release v%d of the build %s ended %s.", rel.Version, b.ID, rel.Status))
		return
	}
	if m.postdeploy != "" {
		s.mu.Lock()
		env := make(map[string]string, len(a.config))
		for k, v := range a.config {
			env[k] = v
		}
		s.mu.Unlock()
		var out bytes.Buffer
		sh := &dynoshell.Shell{Env: env, Out: &out, Kill: make(chan struct{}), Fir: a.Fir}
		code, err := sh.Run(m.postdeploy)
		if err != nil {
			code = 137
		}
		s.mu.Lock()
		st.postdeploy = &postdeployResult{code: code, output: out.String()}
		s.mu.Unlock()
		if code != 0 {
			end("failed", fmt.Sprintf("The postdeploy script exited with status %d.", code))
			return
		}
	}
	s.mu.Lock()
	u := a.WebURL
	if u == "" {
		u = defaultDomainURL(a.Name)
	}
	u = strings.TrimSuffix(u, "/") + "/" + strings.TrimPrefix(m.successURL, "/")
	st.successURL = &u
	s.mu.Unlock()
	end("succeeded", "")
}

// releasePending: b made a release whose release phase still runs.
func (s *Server) releasePending(b *build) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.release != nil && b.release.Status == "pending"
}

// manifest is what an app setup reads of app.json.
type manifest struct {
	env        map[string]string
	addons     []manifestAddon
	postdeploy string
	buildpacks []buildpack
	successURL string
}

type manifestAddon struct{ service, plan, as string }

// parseManifest reads app.json (none at all is an empty manifest) as an
// app setup does: env values, "secret" generators, required vars that
// neither a value nor overrides give (Heroku's default: required), add-ons
// as "service[:plan]" or {"plan", "as"}, scripts.postdeploy as a command or
// {"command"}. It returns every problem as a manifest error.
func parseManifest(src string, overrides map[string]string, secret func(name string) string) (manifest, []string) {
	m := manifest{env: map[string]string{}}
	if strings.TrimSpace(src) == "" {
		return m, nil
	}
	var raw struct {
		Env        map[string]json.RawMessage `json:"env"`
		Addons     []json.RawMessage          `json:"addons"`
		Scripts    map[string]json.RawMessage `json:"scripts"`
		Buildpacks []struct {
			URL string `json:"url"`
		} `json:"buildpacks"`
		SuccessURL string `json:"success_url"`
	}
	if err := json.Unmarshal([]byte(src), &raw); err != nil {
		return m, []string{"app.json is not valid JSON: " + err.Error()}
	}
	var errs []string
	names := make([]string, 0, len(raw.Env))
	for k := range raw.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if !configKeyRE.MatchString(k) {
			errs = append(errs, fmt.Sprintf("env key %q is not a config var name", k))
			continue
		}
		var plain string
		var spec struct {
			Value     *string `json:"value"`
			Required  *bool   `json:"required"`
			Generator string  `json:"generator"`
		}
		switch {
		case json.Unmarshal(raw.Env[k], &plain) == nil:
			m.env[k] = plain
		case json.Unmarshal(raw.Env[k], &spec) == nil:
			_, overridden := overrides[k]
			switch {
			case spec.Generator == "secret":
				m.env[k] = secret(k)
			case spec.Generator != "":
				errs = append(errs, fmt.Sprintf("env %s: unknown generator %q", k, spec.Generator))
			case spec.Value != nil:
				m.env[k] = *spec.Value
			case overridden || (spec.Required != nil && !*spec.Required):
			default:
				errs = append(errs, "config var "+k+" is required")
			}
		default:
			errs = append(errs, fmt.Sprintf("env %s: want a string or an object", k))
		}
	}
	for _, raw := range raw.Addons {
		var plan string
		var spec struct {
			Plan string `json:"plan"`
			As   string `json:"as"`
		}
		if json.Unmarshal(raw, &plan) != nil {
			if json.Unmarshal(raw, &spec) != nil || spec.Plan == "" {
				errs = append(errs, "addons: want \"service[:plan]\" or {\"plan\": …}")
				continue
			}
			plan = spec.Plan
		}
		service, p, _ := strings.Cut(plan, ":")
		if p == "" {
			p = "essential-0"
		}
		as := spec.As
		if as == "" {
			as = attachmentOf(service)
		}
		m.addons = append(m.addons, manifestAddon{service: service, plan: p, as: strings.ToUpper(as)})
	}
	if pd, ok := raw.Scripts["postdeploy"]; ok {
		var cmd struct {
			Command string `json:"command"`
		}
		if json.Unmarshal(pd, &m.postdeploy) != nil {
			if json.Unmarshal(pd, &cmd) != nil || cmd.Command == "" {
				errs = append(errs, "scripts.postdeploy: want a command or {\"command\": …}")
			}
			m.postdeploy = cmd.Command
		}
	}
	for _, bp := range raw.Buildpacks {
		m.buildpacks = append(m.buildpacks, buildpack{URL: bp.URL})
	}
	m.successURL = raw.SuccessURL
	return m, errs
}
