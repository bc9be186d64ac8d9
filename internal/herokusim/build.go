package herokusim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

type build struct {
	ID, Status, URL, blobID, host string
	Version, Checksum             *string
	Buildpacks                    []buildpack
	app                           *app
	stream                        *stream
	release                       *release
	hideRelease                   int // reads of the build that still show no release (ReleaseLag)
	artifact                      artifact
	user                          string
	CreatedAt, UpdatedAt          time.Time
}

type buildpack struct {
	URL  string `json:"url,omitempty"`
	Name string `json:"name,omitempty"`
}

var checksumRE = regexp.MustCompile(`^SHA256:[0-9a-f]{64}$`)

func (s *Server) postBuild(w http.ResponseWriter, r *http.Request, a *app) {
	acct := accountOf(r)
	var body struct {
		SourceBlob struct {
			URL      string  `json:"url"`
			Version  *string `json:"version"`
			Checksum *string `json:"checksum"`
		} `json:"source_blob"`
		Buildpacks []buildpack `json:"buildpacks"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if body.SourceBlob.URL == "" {
		apiError(w, 422, "invalid_params", "Missing required params: source_blob.url")
		return
	}
	if c := body.SourceBlob.Checksum; c != nil && !checksumRE.MatchString(*c) {
		apiError(w, 422, "invalid_params", "Checksum must be SHA256:<64 lowercase hex digits>")
		return
	}
	for _, bp := range body.Buildpacks {
		if bp.URL == "" && bp.Name == "" {
			apiError(w, 422, "invalid_params", "Each buildpack needs a url or a name")
			return
		}
	}
	s.mu.Lock()
	b := s.startBuild(a, acct.email, r.Host, body.SourceBlob.URL, body.SourceBlob.Version, body.SourceBlob.Checksum, body.Buildpacks)
	out := s.buildJSON(b)
	s.mu.Unlock()
	recordOf(r).BuildCreated = true
	writeJSON(w, 201, out)
}

// startBuild creates a pending build of app a from the source blob at url
// and runs it (s.mu held): a build request's, or an app setup's.
func (s *Server) startBuild(a *app, user, host, url string, version, checksum *string, bps []buildpack) *build {
	now := s.now().UTC()
	b := &build{
		ID: s.id('b'), Status: "pending", URL: url, host: host,
		Version: version, Checksum: checksum,
		Buildpacks: bps, app: a, user: user, CreatedAt: now, UpdatedAt: now,
	}
	b.blobID = blobIDOf(b.URL)
	b.stream = s.newStream(s.opts.BuildStream404)
	a.builds = append(a.builds, b)
	s.builds[b.ID] = b
	go s.runBuild(b)
	return b
}

func blobIDOf(u string) string {
	i := strings.Index(u, "/s3/")
	if i < 0 {
		return u
	}
	id, _, _ := strings.Cut(u[i+4:], "?")
	return id
}

func (s *Server) findBuild(w http.ResponseWriter, a *app, id string) *build {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.builds[id]; b != nil && b.app == a {
		return b
	}
	apiError(w, 404, "not_found", "Couldn't find that build.")
	return nil
}

func (s *Server) getBuild(w http.ResponseWriter, r *http.Request, a *app) {
	if b := s.findBuild(w, a, r.PathValue("id")); b != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, 200, s.buildJSON(b))
		if b.Status == "succeeded" && b.hideRelease > 0 {
			b.hideRelease--
		}
	}
}

func (s *Server) listBuilds(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	max, desc := parseRange(r.Header.Get("Range"))
	var bs []*build
	for _, b := range a.builds {
		if s.now().Sub(b.CreatedAt) >= s.opts.BuildListLag { // the list lags behind new builds
			bs = append(bs, b)
		}
	}
	if desc {
		for i, j := 0, len(bs)-1; i < j; i, j = i+1, j-1 {
			bs[i], bs[j] = bs[j], bs[i]
		}
	}
	status := 200
	if len(bs) > max {
		bs = bs[:max]
		status = 206
		w.Header().Set("Next-Range", fmt.Sprintf("id ]%s..; max=%d", bs[len(bs)-1].ID, max))
	}
	out := []any{}
	for _, b := range bs {
		out = append(out, s.buildJSON(b))
	}
	writeJSON(w, status, out)
}

func (s *Server) buildJSON(b *build) map[string]any {
	var rel, slug, stream any
	if b.release != nil && b.hideRelease == 0 {
		rel = map[string]string{"id": b.release.ID}
	}
	if b.artifact.kind == "slug" {
		slug = map[string]string{"id": b.artifact.id} // Cedar only: Fir builds make OCI images
	}
	if !s.opts.NoBuildStream {
		stream = s.streamURL(b.host, b.stream)
	}
	bps := []buildpack{}
	if b.Buildpacks != nil && !b.app.Fir {
		bps = b.Buildpacks
	}
	stack := "heroku-24"
	if b.app.Fir {
		stack = "cnb"
	}
	return map[string]any{
		"app": map[string]string{"id": b.app.ID}, "buildpacks": bps,
		"created_at": b.CreatedAt, "updated_at": b.UpdatedAt, "id": b.ID,
		"output_stream_url": stream,
		"release":           rel, "slug": slug, "stack": stack, "status": b.Status,
		"source_blob": map[string]any{"url": b.URL, "version": b.Version, "checksum": b.Checksum, "version_description": nil},
		"user":        map[string]string{"email": b.user, "id": "00000000-0000-4000-8000-0000000000aa"},
	}
}

func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request, a *app) {
	id := r.PathValue("id")
	if r.Header.Get("Accept") != acceptPrefix+".cancel-build" {
		apiError(w, 404, "not_found", "The requested API endpoint was not found.")
		return
	}
	b := s.findBuild(w, a, id)
	if b == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.Status != "pending" {
		apiError(w, 422, "invalid_params", "Build "+b.ID+" is not pending and cannot be cancelled.")
		return
	}
	b.Status, b.UpdatedAt = "failed", s.now().UTC()
	b.stream.write("\n !     Build cancelled.\n")
	b.stream.close()
	writeJSON(w, 200, s.buildJSON(b))
}

func (s *Server) pending(b *build) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return b.Status == "pending"
}

// runBuild plays the build: fetch and check the source, detect the language
// from its files, write a buildpack-like log, then succeed or fail.
func (s *Server) runBuild(b *build) {
	if s.opts.BuildStream404 > 0 {
		time.Sleep(s.opts.BuildStream404)
	}
	log := func(lines ...string) bool {
		for _, l := range lines {
			if !s.pending(b) {
				return false
			}
			b.stream.write(l + "\n")
			if s.opts.Step > 0 {
				time.Sleep(s.opts.Step)
			}
		}
		return s.pending(b)
	}
	fail := func(lines ...string) {
		if log(lines...) {
			log(" !     Push failed")
			s.finishBuild(b, false, nil, "")
		}
	}
	if s.opts.Stuck {
		log("-----> Building on the Heroku-24 stack")
		return // the stream stays open, the build pending, forever
	}
	bl, err := s.fetchBlob(b.URL)
	if err != nil {
		fail(" !     "+err.Error(), " !     Heroku could not download the source of this build.")
		return
	}
	if b.Checksum != nil {
		sum := sha256.Sum256(bl.data)
		if "SHA256:"+hex.EncodeToString(sum[:]) != *b.Checksum {
			fail(" !     The downloaded source does not match its checksum.")
			return
		}
	}
	files, total, err := readSource(bl.data)
	if err != nil {
		fail(" !     Unable to extract source: " + err.Error())
		return
	}
	if b.app.Fir {
		s.firBuild(b, files, log)
		return
	}
	if !log("-----> Building on the Heroku-24 stack") {
		return
	}
	lang := detect(files, b.Buildpacks)
	if len(b.Buildpacks) > 0 {
		for _, bp := range b.Buildpacks {
			log("-----> Using buildpack: " + bp.URL + bp.Name)
		}
	} else {
		log("-----> Determining which buildpack to use for this app")
	}
	var ok bool
	var slugMB float64
	switch lang {
	case "node":
		ok, slugMB = s.nodeBuild(files, log, fail)
	case "python":
		ok, slugMB = s.pythonBuild(files, log, fail)
	case "other":
		ok, slugMB = log("       (the simulator runs no third-party buildpack and treats it as passing)"), 1
	default:
		fail(" !     No default language could be detected for this app.",
			"			HINT: This occurs when Heroku cannot detect the buildpack to use for this application automatically.",
			"			See https://devcenter.heroku.com/articles/buildpacks")
		return
	}
	if !ok {
		return
	}
	procs := parseProcfile(files["Procfile"])
	log("-----> Discovering process types")
	if len(procs) > 0 {
		names := make([]string, 0, len(procs))
		for n := range procs {
			names = append(names, n)
		}
		sort.Strings(names)
		log("       Procfile declares types     -> " + strings.Join(names, ", "))
	}
	if lang == "node" && procs["web"] == "" {
		log("       Default types for buildpack -> web")
	}
	log("", "-----> Compressing...", fmt.Sprintf("       Done: %.1fM", slugMB+float64(total)/(1<<20)), "-----> Launching...")
	if procs["release"] != "" {
		log("       !!! Release command declared: this new release will not be available until the command succeeds.")
	}
	s.mu.Lock()
	next := len(b.app.releases) + 1
	s.mu.Unlock()
	if !log(fmt.Sprintf("       Released v%d", next), "       "+defaultDomainURL(b.app.Name)+" deployed to Heroku", "") {
		return
	}
	s.finishBuild(b, true, procs, lang)
}

// finishBuild closes the stream, lingers in "pending" if asked to (as Heroku
// sometimes does after the stream ends), then records the outcome.
func (s *Server) finishBuild(b *build, ok bool, procs map[string]string, lang string) {
	if !s.opts.StreamStaysOpen {
		b.stream.close()
	}
	if s.opts.PendingAfterEOF > 0 {
		time.Sleep(s.opts.PendingAfterEOF)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.Status != "pending" {
		return // cancelled meanwhile
	}
	b.UpdatedAt = s.now().UTC()
	if !ok {
		b.Status = "failed"
		return
	}
	b.artifact = s.newBuilt(b, procs, lang).artifact
	b.app.procs = procs
	b.release = s.newRelease(b.app, "Deploy "+shortVersion(b.Version), b.artifact, procs, true)
	b.hideRelease = s.opts.ReleaseLag
	b.Status = "succeeded"
}

func shortVersion(v *string) string {
	if v == nil || *v == "" {
		return "build"
	}
	return (*v)[:min(8, len(*v))]
}
