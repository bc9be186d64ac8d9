package herokusim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/fault"
	"gitlab.com/heroku-deploy/heroku/internal/registrysim"
)

// Container apps: the simulator serves two registries beside the API
// (internal/registrysim): Heroku's, strict, at HEROKU_REGISTRY_URL, whose
// keys are the simulator's and whose repositories are <app>/<type> of the
// apps a key's account may use; and a GitLab-like project registry at
// CI_REGISTRY, whose Bearer realm takes the job's CI_REGISTRY_USER and
// CI_REGISTRY_PASSWORD (JobUser, JobToken). A formation update under the
// docker-releases variant releases images pushed to Heroku's registry.
//
// Where it knowingly differs from Heroku, all [inferred] but the
// description, which Terraform's herokux matches (see
// internal/container/describe.go):
//
//	release description     "Deployed web (0123456789ab)", types joined with ", "
//	release artifacts        slug null, artifacts [] (what Heroku shows is not documented)
//	refusals (422)           a non-container app, an image id that is not
//	                         sha256, an image not at <app>/<type>:latest; messages of its own
//	release phase            a release type's release phase runs on every release
//	                         once released; it streams only when the image has
//	                         curl (a file usr/bin/curl or bin/curl in a layer)
//	docker_image null        (removing a type's image) not simulated: 422

// JobUser and JobToken are the CI_REGISTRY_USER and CI_REGISTRY_PASSWORD
// of the simulator's GitLab registry: the job token, a secret.
const (
	JobUser  = "gitlab-ci-token"
	JobToken = "glcbt-64_sim-JOBTOKEN-SECRET-5a4b3c2d1e"
	// SourceProject is the project whose registry holds the test images
	// (CI_REGISTRY_IMAGE is CI_REGISTRY/SourceProject).
	SourceProject = "group/project"
)

// registries are the two registry fakes and the images each app runs.
type registries struct {
	heroku, gitlab *registrysim.Registry
	listeners      []net.Listener
	servers        []*http.Server
	herokuURL      string // http://127.0.0.1:N
	gitlabHost     string // 127.0.0.1:N
	// images are what a release of images runs, by the artifact id of its
	// release: type -> image id (s.mu held).
	images map[string]map[string]string
	// faults are ArmRegistry's, by registry ("heroku", "gitlab"), and
	// requests what both registries served (s.mu held).
	faults   map[string][]*Fault
	requests []RegistryRequest
}

// RegistryRequest is a request one of the registries served.
type RegistryRequest struct {
	Registry     string // heroku or gitlab
	Method, Path string
	Status       int   // 0 for a connection cut by a fault
	Seq          int64 // the order requests arrived in, shared with Request.Seq
}

// ArmRegistry adds faults, in the simulator's language (internal/fault:
// body effects, wrongtype, statuses, after, reset, hang…), to those the
// registry which ("heroku" or "gitlab") serves from now on, in front of
// the registry fake's own (-registry-fault): a test that probes each
// registry read with an answer that is not well-formed. A status alone
// answers in the registry's error format.
func (s *Server) ArmRegistry(which string, faults ...*Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reg.faults[which] = append(append([]*Fault(nil), s.reg.faults[which]...), faults...)
}

// RegistryRequests are the requests both registries served, in order.
func (s *Server) RegistryRequests() []RegistryRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RegistryRequest(nil), s.reg.requests...)
}

// registryFront records each request of registry which and serves it
// through ArmRegistry's faults.
func (s *Server) registryFront(which string, next http.Handler) http.Handler {
	d := &fault.Dialect{
		Name: "herokusim registry",
		Error: func(w http.ResponseWriter, r *http.Request, f *Fault) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.Status)
			fmt.Fprintf(w, `{"errors":[{"code":"UNKNOWN","message":%q}]}`, "Simulated failure: "+http.StatusText(f.Status))
		},
		Missed: func(f *Fault, r *http.Request, why string) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.faultsMissed = append(s.faultsMissed, fmt.Sprintf("fault %q met %s %s but did nothing: %s", f, r.Method, r.URL.Path, why))
		},
	}
	faulted := d.Middleware(func() []*Fault {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.reg.faults[which]
	}, nil, next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := RegistryRequest{Registry: which, Method: r.Method, Path: r.URL.Path, Seq: s.reqSeq.Add(1)}
		sw := &statusWriter{ResponseWriter: w, status: 200}
		defer func() {
			rec.Status = sw.status
			s.mu.Lock()
			s.reg.requests = append(s.reg.requests, rec)
			s.mu.Unlock()
		}()
		faulted.ServeHTTP(sw, r)
	})
}

func newRegistries(opts Options) *registries {
	r := &registries{heroku: registrysim.NewHeroku(), gitlab: registrysim.NewGitLab(JobUser, JobToken), images: map[string]map[string]string{}, faults: map[string][]*Fault{}}
	for _, f := range opts.RegistryFaults {
		which, rest, _ := strings.Cut(f, " ")
		pf, err := registrysim.ParseFault(rest)
		if err != nil {
			panic(err) // ParseFlags checks them first
		}
		if which == "heroku" {
			r.heroku.AddFault(pf)
		} else {
			r.gitlab.AddFault(pf)
		}
	}
	for _, ref := range opts.SourceImages {
		repo, tag, _ := strings.Cut(ref, ":")
		PushTestImage(r.gitlab, repo, tag, SourceImage{OCI: true, Curl: true, Seed: ref,
			Labels: map[string]string{"org.opencontainers.image.revision": DemoRevision}})
	}
	return r
}

// DemoRevision is the revision label of -source-image's images.
const DemoRevision = "d3m0c0ffee0000000000000000000000000000d3"

// checkSourceImage checks a -source-image: REPO:TAG.
func checkSourceImage(ref string) error {
	repo, tag, ok := strings.Cut(ref, ":")
	if !ok || repo == "" || tag == "" || strings.ContainsAny(ref, " \t") {
		return fmt.Errorf("source image %q: want REPO:TAG, e.g. group/project:demo", ref)
	}
	return nil
}

// checkRegistryFault checks a -registry-fault: "heroku|gitlab FAULT".
func checkRegistryFault(f string) error {
	which, rest, _ := strings.Cut(f, " ")
	if which != "heroku" && which != "gitlab" {
		return fmt.Errorf("registry fault %q: start with heroku or gitlab", f)
	}
	_, err := registrysim.ParseFault(rest)
	return err
}

// startRegistries listens for both registries on loopback.
func (s *Server) startRegistries() error {
	serve := func(h http.Handler) (string, error) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		s.reg.listeners = append(s.reg.listeners, l)
		s.reg.servers = append(s.reg.servers, srv)
		go srv.Serve(l)
		return l.Addr().String(), nil
	}
	h, err := serve(s.registryFront("heroku", http.HandlerFunc(s.serveHerokuRegistry)))
	if err != nil {
		return err
	}
	g, err := serve(s.registryFront("gitlab", s.reg.gitlab))
	if err != nil {
		return err
	}
	s.reg.herokuURL, s.reg.gitlabHost = "http://"+h, g
	return nil
}

func (s *Server) closeRegistries() {
	for _, srv := range s.reg.servers {
		srv.Close()
	}
}

// RegistryEnv is what a job sees of the registries: HEROKU_REGISTRY_URL
// and GitLab's predefined CI_REGISTRY variables, as NAME=VALUE; none
// before Start.
func (s *Server) RegistryEnv() []string {
	if s.reg.herokuURL == "" {
		return nil
	}
	return []string{
		"HEROKU_REGISTRY_URL=" + s.reg.herokuURL,
		"CI_REGISTRY=" + s.reg.gitlabHost,
		"CI_REGISTRY_IMAGE=" + s.reg.gitlabHost + "/" + SourceProject,
		"CI_REGISTRY_USER=" + JobUser,
		"CI_REGISTRY_PASSWORD=" + JobToken,
	}
}

// SourceRegistry is the GitLab registry fake, to store test images in.
func (s *Server) SourceRegistry() *registrysim.Registry { return s.reg.gitlab }

// HerokuRegistry is Heroku's registry fake.
func (s *Server) HerokuRegistry() *registrysim.Registry { return s.reg.heroku }

// registrySecrets are the registries' credentials and tokens, for the leak
// check (s.mu not held).
func (s *Server) registrySecrets() []string {
	return append(append([]string{JobToken}, s.reg.gitlab.Secrets()...), s.reg.heroku.Secrets()...)
}

// serveHerokuRegistry lets a key use the repositories of the apps its
// account may use (granted as it asks, since apps come and go), then
// serves Heroku's registry.
func (s *Server) serveHerokuRegistry(w http.ResponseWriter, r *http.Request) {
	if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic "); ok {
		if raw, err := base64.StdEncoding.DecodeString(h); err == nil {
			_, key, _ := strings.Cut(string(raw), ":")
			s.mu.Lock()
			acct := s.keys[key]
			var apps []string
			if acct != nil {
				for _, a := range s.appList() {
					if a.canUse(acct.email) {
						apps = append(apps, a.Name)
					}
				}
			}
			s.mu.Unlock()
			if acct != nil {
				s.reg.heroku.Grant(key, apps...)
			}
		}
	}
	s.reg.heroku.ServeHTTP(w, r)
}

// imageIDRE is an image id as herokux validates it (^sha256:[A-Fa-f0-9]{64}$).
var imageIDRE = regexp.MustCompile(`^sha256:[a-f0-9]{64}$`)

// patchDockerFormation is PATCH /apps/{app}/formation under the
// docker-releases variant: every update is checked, then one release runs
// the images (the app's other types keep theirs).
func (s *Server) patchDockerFormation(w http.ResponseWriter, r *http.Request, a *app) {
	var body struct {
		Updates []struct {
			Type        string  `json:"type"`
			DockerImage *string `json:"docker_image"`
		} `json:"updates"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if len(body.Updates) == 0 {
		apiError(w, 422, "invalid_params", "Missing required params: updates")
		return
	}
	if !a.Container {
		apiError(w, 422, "invalid_params", fmt.Sprintf("App %s is not on the container stack: set it with heroku stack:set container to release Docker images.", a.Name))
		return
	}
	updates := map[string]string{}
	var order []string
	for _, u := range body.Updates {
		switch {
		case !typeNameRE.MatchString(u.Type):
			apiError(w, 422, "invalid_params", fmt.Sprintf("Invalid process type: %q", u.Type))
			return
		case u.DockerImage == nil:
			apiError(w, 422, "invalid_params", "herokusim: removing a process type's image (docker_image null) is not simulated")
			return
		case !imageIDRE.MatchString(*u.DockerImage):
			apiError(w, 422, "invalid_params", fmt.Sprintf("Invalid docker_image %q: want the image id, sha256: and 64 hex digits", *u.DockerImage))
			return
		}
		if got := s.latestImage(a.Name, u.Type); got != *u.DockerImage {
			apiError(w, 422, "invalid_params", fmt.Sprintf("Couldn't find docker image %s in registry.heroku.com/%s/%s.", *u.DockerImage, a.Name, u.Type))
			return
		}
		if _, dup := updates[u.Type]; !dup {
			order = append(order, u.Type)
		}
		updates[u.Type] = *u.DockerImage
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	images := map[string]string{}
	for t, id := range s.currentImages(a) {
		images[t] = id
	}
	procs := map[string]string{}
	for t, cmd := range a.procs {
		procs[t] = cmd
	}
	var each []string
	for _, t := range order {
		images[t] = updates[t]
		procs[t] = s.imageCommand(a.Name, t)
		each = append(each, fmt.Sprintf("%s (%s)", t, strings.TrimPrefix(updates[t], "sha256:")[:12]))
	}
	art := artifact{kind: "docker", id: s.id('6')}
	s.built[art.id] = &built{artifact: art, app: a, procs: procs, size: 0, createdAt: s.now().UTC()}
	s.reg.images[art.id] = images
	a.procs = procs
	rel := s.newRelease(a, "Deployed "+strings.Join(each, ", "), art, procs, true)
	if rel.stream != nil && !s.hasCurl(a.Name, images["release"]) {
		// Without curl in the image, release phase does not stream: its
		// output goes to the app's logs only (Dev Center, quoted in the
		// reference): the stream never registers.
		rel.stream.registered = s.now().Add(100 * 365 * 24 * time.Hour)
	}
	f := s.formationOf(a)
	out := []any{}
	for _, t := range order {
		j := s.formationJSON(a, t, f[t])
		j["docker_image"] = map[string]string{"id": updates[t]}
		out = append(out, j)
	}
	writeJSON(w, 200, out)
}

// typeNameRE is the schema's process type pattern.
var typeNameRE = regexp.MustCompile(`^[-\w]{1,128}$`)

// currentImages are the images the app's current release runs (s.mu held).
func (s *Server) currentImages(a *app) map[string]string {
	for _, r := range a.releases {
		if r.current {
			return s.reg.images[r.artifact.id]
		}
	}
	return nil
}

// manifestOf reads <app>/<type>:latest of Heroku's registry.
func (s *Server) manifestOf(app, typ string) (config string, layers []string) {
	_, body, ok := s.reg.heroku.Manifest(app+"/"+typ, "latest")
	if !ok {
		return "", nil
	}
	var m struct {
		Config struct {
			Digest string `json:"digest"`
		} `json:"config"`
		Layers []struct {
			Digest string `json:"digest"`
		} `json:"layers"`
	}
	if json.Unmarshal(body, &m) != nil {
		return "", nil
	}
	for _, l := range m.Layers {
		layers = append(layers, l.Digest)
	}
	return m.Config.Digest, layers
}

// latestImage is the image id <app>/<type>:latest holds, "" if none.
func (s *Server) latestImage(app, typ string) string {
	id, _ := s.manifestOf(app, typ)
	return id
}

// imageCommand is the command of the image at <app>/<type>:latest: its
// config's Entrypoint and Cmd.
func (s *Server) imageCommand(app, typ string) string {
	id, _ := s.manifestOf(app, typ)
	var cfg struct {
		Config struct {
			Entrypoint, Cmd []string
		} `json:"config"`
	}
	json.Unmarshal(s.reg.heroku.Blob(id), &cfg)
	cmd := strings.Join(append(cfg.Config.Entrypoint, cfg.Config.Cmd...), " ")
	if cmd == "" {
		cmd = "sh"
	}
	return cmd
}

// hasCurl reports whether the image id, as pushed to some type of app,
// holds usr/bin/curl or bin/curl in a layer.
func (s *Server) hasCurl(app, id string) bool {
	for _, t := range []string{"release", "web", "worker"} {
		cfg, layers := s.manifestOf(app, t)
		if cfg != id || id == "" {
			continue
		}
		for _, l := range layers {
			if tarHas(s.reg.heroku.Blob(l), "usr/bin/curl", "bin/curl") {
				return true
			}
		}
	}
	return false
}

// tarHas reports whether a gzip tar layer holds one of names.
func tarHas(layer []byte, names ...string) bool {
	zr, err := gzip.NewReader(bytes.NewReader(layer))
	if err != nil {
		return false
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return false
		}
		n := strings.TrimPrefix(strings.TrimPrefix(h.Name, "./"), "/")
		for _, want := range names {
			if n == want {
				return true
			}
		}
	}
}

// describeImages is herokusim-images's text: "TYPE IMAGE_ID" a line, the
// images the app's current release runs.
func (s *Server) DescribeImages(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil {
		return "", fmt.Errorf("no app %s", name)
	}
	imgs := s.currentImages(a)
	if len(imgs) == 0 {
		return "no images\n", nil
	}
	types := make([]string, 0, len(imgs))
	for t := range imgs {
		types = append(types, t)
	}
	sort.Strings(types)
	var b strings.Builder
	for _, t := range types {
		fmt.Fprintf(&b, "%s %s\n", t, imgs[t])
	}
	return b.String(), nil
}

// SourceImage describes a test image for PushTestImage.
type SourceImage struct {
	OCI       bool     // OCI media types (Buildah's default), else Docker's
	Index     bool     // an index (OCI) or manifest list (Docker) of Platforms
	Attest    bool     // with BuildKit's attestation manifests (an index)
	Platforms []string // os/arch[/variant]; none: linux/amd64
	Layers    int      // how many layers (default 2)
	LayerType string   // zstd, plain (uncompressed) or nondist (foreign); "": gzip
	Labels    map[string]string
	Curl      bool   // a usr/bin/curl in a layer (release phase streams)
	Seed      string // makes the layers differ from another image's
}

// PushTestImage stores img in reg's repo under tag, as a builder would
// push it, and returns the manifest (or index) digest and the image id of
// its first image.
func PushTestImage(reg *registrysim.Registry, repo, tag string, img SourceImage) (digest, imageID string) {
	n := img.Layers
	if n <= 0 {
		n = 2
	}
	var layers [][]byte
	for i := 0; i < n; i++ {
		files := map[string]string{fmt.Sprintf("app/layer%d.txt", i): fmt.Sprintf("%s %s layer %d\n", repo, img.Seed, i)}
		if i == n-1 && img.Curl {
			files["usr/bin/curl"] = "#!/bin/sh\n"
		}
		layers = append(layers, registrysim.Layer(files))
	}
	lt := ""
	var urls []string
	switch img.LayerType {
	case "zstd":
		lt = registrysim.OCILayerZstd
	case "plain":
		lt = registrysim.OCILayerPlain
	case "nondist":
		lt, urls = registrysim.OCILayerNondis, []string{"https://mcr.microsoft.com/v2/windows/blobs/sha256:00"}
	}
	platforms := img.Platforms
	if len(platforms) == 0 {
		platforms = []string{"linux/amd64"}
	}
	var imgs []registrysim.Image
	for _, p := range platforms {
		parts := strings.Split(p, "/")
		ri := registrysim.Image{OCI: img.OCI || lt != "", Layers: layers, LayerType: lt, URLs: urls, Labels: img.Labels, OS: parts[0]}
		if len(parts) > 1 {
			ri.Arch = parts[1]
		}
		if len(parts) > 2 {
			ri.Variant = parts[2]
		}
		imgs = append(imgs, ri)
	}
	_, cfg, _ := imgs[0].Manifest()
	imageID = fmt.Sprintf("sha256:%x", sha256.Sum256(cfg))
	if img.Index || img.Attest || len(imgs) > 1 {
		digest, _ = reg.PushIndex(repo, tag, img.OCI, img.Attest, imgs...)
		return digest, imageID
	}
	digest, imageID = reg.PushImage(repo, tag, imgs[0])
	return digest, imageID
}
