package herokusim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type release struct {
	ID, Status, Description string
	artifact                artifact
	Version                 int
	stream                  *stream
	CreatedAt, UpdatedAt    time.Time
	current                 bool
	deploy                  bool          // made by a build (ReleaseEnds applies)
	done                    chan struct{} // closed when the status is final
}

// artifact is what a release runs: a slug (Cedar) or an OCI image (Fir).
type artifact struct{ kind, id string }

// newRelease creates the next release (s.mu held); a zero artifact keeps
// the previous release's. With a release process it stays pending while
// release phase runs.
func (s *Server) newRelease(a *app, desc string, art artifact, procs map[string]string, deploy bool) *release {
	now := s.now().UTC()
	r := &release{ID: s.id('c'), Version: len(a.releases) + 1, Description: desc, artifact: art, CreatedAt: now, UpdatedAt: now,
		deploy: deploy, done: make(chan struct{})}
	if art.kind == "" && len(a.releases) > 0 {
		r.artifact = a.releases[len(a.releases)-1].artifact
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

// succeed makes r the current release, unless the simulator was told to
// end deploys' releases in another status (ReleaseEnds).
func (s *Server) succeed(a *app, r *release) {
	defer close(r.done)
	if r.deploy && s.opts.ReleaseEnds != "" {
		r.Status = s.opts.ReleaseEnds
		return
	}
	r.Status = "succeeded"
	for _, o := range a.releases {
		o.current = false
	}
	r.current = true
}

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
	if m == nil && a.ReleaseFails {
		m = []string{"", "1"}
	}
	if m != nil {
		step("Error: release task failed")
	} else {
		step("Release tasks complete")
	}
	r.stream.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	r.UpdatedAt = s.now().UTC()
	if m != nil {
		// Heroku keeps the description ("Rollback to v3" stays that):
		// the CLI adds "release command failed" from the status itself
		// (heroku/cli src/commands/releases/index.ts).
		r.Status = "failed"
		close(r.done)
		return
	}
	s.succeed(a, r)
}

func (s *Server) releaseJSON(a *app, r *release) map[string]any {
	var slug, stream any
	artifacts := []any{}
	if r.artifact.kind == "slug" || r.artifact.kind == "oci-image" { // not a release of images (container.go)
		artifacts = append(artifacts, map[string]string{"type": r.artifact.kind, "id": r.artifact.id})
	}
	if r.artifact.kind == "slug" {
		slug = map[string]string{"id": r.artifact.id}
	}
	if r.stream != nil {
		stream = s.streamURL(s.hostOf(a), r.stream)
	}
	return map[string]any{
		"id": r.ID, "version": r.Version, "status": r.Status, "current": r.current,
		"description": r.Description, "slug": slug, "artifacts": artifacts, "output_stream_url": stream,
		"eligible_for_rollback": eligible(r),
		"app":                   map[string]string{"id": a.ID, "name": a.Name}, "addon_plan_names": []string{},
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

// listReleases honours Range's max and order (by version).
func (s *Server) listReleases(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	max, desc := parseRange(r.Header.Get("Range"))
	rels := slices.Clone(a.releases)
	if desc {
		slices.Reverse(rels)
	}
	status := 200
	if len(rels) > max {
		rels, status = rels[:max], 206
		w.Header().Set("Next-Range", fmt.Sprintf("version ]%d..; max=%d", rels[max-1].Version, max))
	}
	out := []any{}
	for _, rel := range rels {
		out = append(out, s.releaseJSON(a, rel))
	}
	writeJSON(w, status, out)
}

// getRelease finds a release by id or by version ("3" or "v3").
func (s *Server) getRelease(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rel := findRelease(a, r.PathValue("id")); rel != nil {
		writeJSON(w, 200, s.releaseJSON(a, rel))
		return
	}
	apiError(w, 404, "not_found", "Couldn't find that release.")
}

// postRelease answers POST /apps/{app}/releases, which is two endpoints
// in the schema told apart by the body: {"release": id} rolls back to
// that release (its artifact; Heroku restores its config vars too, which
// the simulator, with one config per app, does not model), {"slug": id}
// (Cedar) or {"oci_image": id} (Fir) releases an artifact with today's
// config. The new release runs release phase when the artifact's
// process types have a release command.
func (s *Server) postRelease(w http.ResponseWriter, r *http.Request, a *app) {
	var body struct {
		Slug        *string `json:"slug"`
		OCIImage    *string `json:"oci_image"`
		Release     *string `json:"release"`
		Description *string `json:"description"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var art artifact
	var desc string
	switch {
	case body.Release != nil && body.Slug == nil && body.OCIImage == nil && body.Description == nil:
		var target *release // by id only: the schema's rollback takes a release id
		for _, rel := range a.releases {
			if rel.ID == *body.Release {
				target = rel
			}
		}
		switch {
		case target == nil:
			apiError(w, 404, "not_found", "Couldn't find that release.")
			return
		case target.Status == "expired":
			apiError(w, 422, "invalid_params", fmt.Sprintf("Release v%d has expired: its artifacts were deleted, and rolling back to it is not supported.", target.Version))
			return
		case !eligible(target):
			apiError(w, 422, "invalid_params", fmt.Sprintf("Release v%d is not eligible for rollback.", target.Version))
			return
		}
		// Heroku's description of a rollback's release, which clients
		// read to tell one (Dev Center, "Releases": "v49  Rollback to v46").
		art, desc = target.artifact, fmt.Sprintf("Rollback to v%d", target.Version)
	case body.Release != nil:
		apiError(w, 422, "invalid_params", "A rollback takes only a release.")
		return
	case body.OCIImage != nil && *body.OCIImage != "" || body.Slug != nil && *body.Slug != "":
		kind, id := "slug", body.Slug
		if body.OCIImage != nil && *body.OCIImage != "" {
			kind, id = "oci-image", body.OCIImage
		}
		if (kind == "oci-image") != a.Fir {
			apiError(w, 422, "invalid_params", "Fir-generation apps release OCI images (oci_image), Cedar apps slugs (slug): this app takes a "+map[bool]string{true: "oci_image", false: "slug"}[a.Fir]+".")
			return
		}
		b := s.findBuilt(w, a, kind, *id)
		if b == nil {
			return
		}
		art, desc = b.artifact, "Deploy "+shortVersion(b.commit)
	default:
		apiError(w, 422, "invalid_params", "Missing required params: slug")
		return
	}
	if body.Description != nil && *body.Description != "" {
		desc = *body.Description
	}
	a.procs = s.built[art.id].procs // config changes run this slug's release phase from now on
	rel := s.newRelease(a, desc, art, a.procs, false)
	writeJSON(w, 201, s.releaseJSON(a, rel))
}

// findRelease finds a release of a by id or by version ("3" or "v3").
func findRelease(a *app, id string) *release {
	for _, rel := range a.releases {
		if rel.ID == id || strconv.Itoa(rel.Version) == strings.TrimPrefix(id, "v") {
			return rel
		}
	}
	return nil
}

// eligible is eligible_for_rollback: a release that succeeded and runs an
// artifact that still exists.
func eligible(r *release) bool { return r.Status == "succeeded" && r.artifact.kind != "" }

// Expire applies Heroku's retention (changelog 3395, 2025-10: artifacts
// older than 30 days and beyond the last 20 releases are deleted) to the
// app's releases up to version upTo, the current one excepted: they turn
// "expired", not eligible for rollback, and an artifact no unexpired
// release carries is gone (its slug or image answers 404).
func (s *Server) Expire(appName string, upTo int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if a == nil {
		return fmt.Errorf("no app %s", appName)
	}
	for _, r := range a.releases {
		if r.Version <= upTo && !r.current && r.Status != "pending" {
			r.Status, r.UpdatedAt = "expired", s.now().UTC()
		}
	}
	return nil
}

// SetReleaseFails makes every release command of the app fail from now on
// (on), or run as written (off).
func (s *Server) SetReleaseFails(appName string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[appName]
	if a == nil {
		return fmt.Errorf("no app %s", appName)
	}
	a.ReleaseFails = on
	return nil
}
