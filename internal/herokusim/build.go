package herokusim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
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
	slugID, user                  string
	CreatedAt, UpdatedAt          time.Time
}

type buildpack struct {
	URL  string `json:"url,omitempty"`
	Name string `json:"name,omitempty"`
}

type release struct {
	ID, Status, Description, slugID string
	Version                         int
	stream                          *stream
	CreatedAt, UpdatedAt            time.Time
	current                         bool
}

var checksumRE = regexp.MustCompile(`^SHA256:[0-9a-f]{64}$`)

func (s *Server) postBuild(w http.ResponseWriter, r *http.Request, a *app, acct *account, rec *Request) {
	var body struct {
		SourceBlob struct {
			URL      string  `json:"url"`
			Version  *string `json:"version"`
			Checksum *string `json:"checksum"`
		} `json:"source_blob"`
		Buildpacks []buildpack `json:"buildpacks"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		apiError(w, 400, "bad_request", "Invalid JSON body: "+err.Error())
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
	now := s.now().UTC()
	b := &build{
		ID: s.id('b'), Status: "pending", URL: body.SourceBlob.URL, host: r.Host,
		Version: body.SourceBlob.Version, Checksum: body.SourceBlob.Checksum,
		Buildpacks: body.Buildpacks, app: a, user: acct.email, CreatedAt: now, UpdatedAt: now,
	}
	b.blobID = blobIDOf(b.URL)
	b.stream = s.newStream(s.opts.BuildStream404)
	a.builds = append(a.builds, b)
	s.builds[b.ID] = b
	out := s.buildJSON(b)
	s.mu.Unlock()
	rec.BuildCreated = true
	go s.runBuild(b)
	writeJSON(w, 201, out)
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

func (s *Server) buildJSON(b *build) map[string]any {
	var rel, slug any
	if b.release != nil {
		rel = map[string]string{"id": b.release.ID}
	}
	if b.slugID != "" {
		slug = map[string]string{"id": b.slugID}
	}
	bps := []buildpack{}
	if b.Buildpacks != nil {
		bps = b.Buildpacks
	}
	return map[string]any{
		"app": map[string]string{"id": b.app.ID}, "buildpacks": bps,
		"created_at": b.CreatedAt, "updated_at": b.UpdatedAt, "id": b.ID,
		"output_stream_url": s.streamURL(b.host, b.stream),
		"release":           rel, "slug": slug, "stack": "heroku-24", "status": b.Status,
		"source_blob": map[string]any{"url": b.URL, "version": b.Version, "checksum": b.Checksum, "version_description": nil},
		"user":        map[string]string{"email": b.user, "id": "00000000-0000-4000-8000-0000000000aa"},
	}
}

func (s *Server) cancelBuild(w http.ResponseWriter, r *http.Request, a *app, id string) {
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
			s.finishBuild(b, false, nil)
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
	if !log(fmt.Sprintf("       Released v%d", next), "       "+b.app.WebURL+" deployed to Heroku", "") {
		return
	}
	s.finishBuild(b, true, procs)
}

// finishBuild closes the stream, lingers in "pending" if asked to (as Heroku
// sometimes does after the stream ends), then records the outcome.
func (s *Server) finishBuild(b *build, ok bool, procs map[string]string) {
	b.stream.close()
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
	b.slugID = s.id('5')
	b.release = s.newRelease(b.app, "Deploy "+shortVersion(b.Version), b.slugID, procs)
	b.Status = "succeeded"
}

func shortVersion(v *string) string {
	if v == nil || *v == "" {
		return "build"
	}
	return (*v)[:min(8, len(*v))]
}

// newRelease creates the next release (s.mu held). With a release process it
// stays pending while release phase runs.
func (s *Server) newRelease(a *app, desc, slugID string, procs map[string]string) *release {
	now := s.now().UTC()
	r := &release{ID: s.id('c'), Version: len(a.releases) + 1, Description: desc, slugID: slugID, CreatedAt: now, UpdatedAt: now}
	if slugID == "" && len(a.releases) > 0 {
		r.slugID = a.releases[len(a.releases)-1].slugID
	}
	a.releases = append(a.releases, r)
	if cmd := procs["release"]; cmd != "" {
		r.Status = "pending"
		r.stream = s.newStream(s.opts.ReleaseStream404)
		go s.runRelease(a, r, cmd)
		return r
	}
	s.succeed(a, r)
	return r
}

func (s *Server) succeed(a *app, r *release) {
	r.Status = "succeeded"
	for _, o := range a.releases {
		o.current = false
	}
	r.current = true
}

// A release command cannot run here; the simulator decides its outcome from
// its text: it fails when its last step is `false` or `exit N` with N > 0.
var requirementName = regexp.MustCompile(`^[A-Za-z0-9._-]+`)

var failingCommand = regexp.MustCompile(`(?:^|[;&|]\s*)(?:false|exit\s+([1-9][0-9]*))\s*$`)

func (s *Server) runRelease(a *app, r *release, cmd string) {
	if s.opts.ReleaseStream404 > 0 {
		time.Sleep(s.opts.ReleaseStream404)
	}
	step := func(l string) {
		r.stream.write(l + "\n")
		if s.opts.Step > 0 {
			time.Sleep(s.opts.Step)
		}
	}
	step("Running release command " + cmd)
	m := failingCommand.FindStringSubmatch(cmd)
	code := "0"
	if m != nil {
		code = m[1]
		if code == "" {
			code = "1"
		}
		step("Error: release task failed")
	} else {
		step("Release tasks complete")
	}
	r.stream.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	r.UpdatedAt = s.now().UTC()
	if m != nil {
		r.Status = "failed"
		r.Description += " (release command exited with status " + code + ")"
		return
	}
	s.succeed(a, r)
}

func (s *Server) releaseJSON(a *app, r *release) map[string]any {
	var slug, stream any
	if r.slugID != "" {
		slug = map[string]string{"id": r.slugID}
	}
	if r.stream != nil {
		stream = s.streamURL(s.hostOf(a), r.stream)
	}
	return map[string]any{
		"id": r.ID, "version": r.Version, "status": r.Status, "current": r.current,
		"description": r.Description, "slug": slug, "output_stream_url": stream,
		"app": map[string]string{"id": a.ID, "name": a.Name}, "addon_plan_names": []string{},
		"created_at": r.CreatedAt, "updated_at": r.UpdatedAt,
		"user": map[string]string{"email": a.Owner, "id": "00000000-0000-4000-8000-0000000000aa"},
	}
}

// hostOf returns the host that the app's latest build was created through,
// so release stream URLs point where the client can reach.
func (s *Server) hostOf(a *app) string {
	if n := len(a.builds); n > 0 {
		return a.builds[n-1].host
	}
	return strings.TrimPrefix(s.URL, "http://")
}

// readSource extracts the small files detection needs and the total size.
func readSource(tgz []byte) (map[string]string, int64, error) {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, 0, fmt.Errorf("not a gzip archive")
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("corrupt tar archive: %v", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if strings.HasPrefix(name, "/") || strings.Contains("/"+name+"/", "/../") {
			return nil, 0, fmt.Errorf("entry %q escapes the archive root", h.Name)
		}
		total += h.Size
		if h.Typeflag == tar.TypeReg && !strings.Contains(name, "/") && h.Size < 1<<20 {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, 0, fmt.Errorf("corrupt tar archive: %v", err)
			}
			files[name] = string(b)
		}
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, 0, fmt.Errorf("corrupt gzip stream: %v", err)
	}
	return files, total, nil
}

func detect(files map[string]string, bps []buildpack) string {
	if len(bps) > 0 {
		last := bps[len(bps)-1]
		id := last.Name + last.URL
		switch {
		case strings.Contains(id, "nodejs"):
			return "node"
		case strings.Contains(id, "python"):
			return "python"
		}
		return "other"
	}
	if _, ok := files["package.json"]; ok {
		return "node"
	}
	for _, f := range []string{"requirements.txt", "Pipfile", "pyproject.toml", "setup.py", ".python-version"} {
		if _, ok := files[f]; ok {
			return "python"
		}
	}
	return ""
}

func parseProcfile(s string) map[string]string {
	procs := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		name, cmd, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if ok && name != "" && !strings.HasPrefix(name, "#") {
			procs[name] = strings.TrimSpace(cmd)
		}
	}
	return procs
}

type logFn func(lines ...string) bool

func (s *Server) nodeBuild(files map[string]string, log logFn, fail func(...string)) (bool, float64) {
	var pkg struct {
		Engines         map[string]string `json:"engines"`
		Scripts         map[string]string `json:"scripts"`
		Dependencies    map[string]string `json:"dependencies"`
		DevDependencies map[string]string `json:"devDependencies"`
	}
	log("-----> Node.js app detected")
	if err := json.Unmarshal([]byte(files["package.json"]), &pkg); err != nil {
		fail("-----> Build failed", " !     Unable to parse package.json: "+err.Error())
		return false, 0
	}
	nodeVer := pkg.Engines["node"]
	if nodeVer == "" {
		nodeVer = "unspecified"
	}
	lock := "package.json"
	if _, ok := files["package-lock.json"]; ok {
		lock = "package-lock.json"
	}
	n := len(pkg.Dependencies) + len(pkg.DevDependencies)
	if !log("", "-----> Creating runtime environment", "", "       NODE_ENV=production", "",
		"-----> Installing binaries", "       engines.node (package.json):  "+nodeVer, "",
		"       Resolving node version "+strings.ReplaceAll(nodeVer, "unspecified", "22.x")+"...",
		"", "-----> Installing dependencies", "       Installing node modules ("+lock+")",
		fmt.Sprintf("       added %d packages in 1s", n*7)) {
		return false, 0
	}
	if script := pkg.Scripts["build"]; script != "" {
		log("", "-----> Build", "       Running build", "", "       > "+script)
		if failingCommand.MatchString(script) {
			fail("npm error code 1", "npm error command failed", "", "-----> Build failed",
				" !     The build script (npm run build) exited with an error.")
			return false, 0
		}
	}
	if !log("", "-----> Pruning devDependencies", "", "-----> Build succeeded!") {
		return false, 0
	}
	if pkg.Scripts["start"] == "" && !strings.Contains(files["Procfile"], "web:") {
		if _, ok := files["server.js"]; !ok {
			log(" !     This app may not specify any way to start a node process",
				"       https://devcenter.heroku.com/articles/nodejs-support#default-web-process-type")
		}
	}
	return true, 42
}

func (s *Server) pythonBuild(files map[string]string, log logFn, fail func(...string)) (bool, float64) {
	version := strings.TrimSpace(files[".python-version"])
	line := "       No Python version was specified. Using the buildpack default: Python 3.13"
	if version != "" {
		line = "-----> Using Python " + version + " specified in .python-version"
	} else {
		version = "3.13"
	}
	if !log("-----> Python app detected", line, "-----> Installing Python "+version, "-----> Installing pip") {
		return false, 0
	}
	reqs, ok := files["requirements.txt"]
	if !ok {
		return log("-----> Installing dependencies from the project files"), 30
	}
	log("-----> Installing dependencies using 'pip install -r requirements.txt'")
	var names []string
	for i, l := range strings.Split(reqs, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name := requirementName.FindString(l)
		if name == "" {
			fail(fmt.Sprintf("       ERROR: Invalid requirement: '%s' (from line %d of requirements.txt)", l, i+1))
			return false, 0
		}
		names = append(names, name)
		log(fmt.Sprintf("       Collecting %s (from -r requirements.txt (line %d))", l, i+1))
	}
	if !log("       Successfully installed " + strings.Join(names, " ")) {
		return false, 0
	}
	if !strings.Contains(files["Procfile"], "web:") {
		log(" !     Warning: No 'web' process type found in Procfile and no default for this app type.")
	}
	return true, 35
}

func listArchive(tgz []byte) ([]string, error) {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line := fmt.Sprintf("%s %d %s", h.FileInfo().Mode(), h.Size, h.Name)
		if h.Linkname != "" {
			line += " -> " + h.Linkname
		}
		out = append(out, line)
	}
}
