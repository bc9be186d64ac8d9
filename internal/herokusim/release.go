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
	deploy                  bool // made by a build (ReleaseEnds applies)
}

// artifact is what a release runs: a slug (Cedar) or an OCI image (Fir).
type artifact struct{ kind, id string }

// newRelease creates the next release (s.mu held); a zero artifact keeps
// the previous release's. With a release process it stays pending while
// release phase runs.
func (s *Server) newRelease(a *app, desc string, art artifact, procs map[string]string, deploy bool) *release {
	now := s.now().UTC()
	r := &release{ID: s.id('c'), Version: len(a.releases) + 1, Description: desc, artifact: art, CreatedAt: now, UpdatedAt: now, deploy: deploy}
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
	artifacts := []any{}
	if r.artifact.kind != "" {
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
		"eligible_for_rollback": r.Status == "succeeded" && r.artifact.kind != "",
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
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rel := range a.releases {
		if rel.ID == id || strconv.Itoa(rel.Version) == strings.TrimPrefix(id, "v") {
			writeJSON(w, 200, s.releaseJSON(a, rel))
			return
		}
	}
	apiError(w, 404, "not_found", "Couldn't find that release.")
}
