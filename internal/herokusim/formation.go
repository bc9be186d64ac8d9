package herokusim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// An app's formation: its process types, as the current slug's Procfile
// (or the Node.js buildpack's default web) declares them, each with a
// quantity and a dyno size. Heroku scales web to 1 on the first deploy and
// every other type to 0 (devcenter.heroku.com/articles/scaling); the
// simulator does the same when a type first appears.
//
// Where it knowingly differs from Heroku, all [inferred] but the 404's
// message, which the Heroku CLI prints from Heroku ("Couldn't find that
// process type (worker).", seen in many users' logs):
//
//	a batch update          validated whole, then applied whole; Heroku's
//	                        atomicity is not documented: clients read back
//	refusals (422)          a bad size, a negative quantity, more than one
//	                        Eco or Basic dyno of a type (Heroku's message
//	                        for Hobby: "Cannot update to more than 1 Hobby
//	                        size dynos per process type."), more than 100
//	restarts                counted per type (herokusim-procs shows
//	                        them); no dyno is modelled

// process is one process type of an app's formation.
type process struct {
	ID                   string
	Quantity             int
	Size                 string // canonical: Basic, Standard-1X, Performance-L…
	restarts             int
	CreatedAt, UpdatedAt time.Time
}

// processTypes lists the app's process types with their commands: the
// current slug's Procfile, plus web for a Node.js slug without one (s.mu
// held).
func (s *Server) processTypes(a *app) map[string]string {
	types := map[string]string{}
	for t, cmd := range a.procs {
		types[t] = cmd
	}
	if _, ok := types["web"]; !ok {
		for _, r := range a.releases {
			if b := s.built[r.artifact.id]; r.current && b != nil && b.lang == "node" {
				types["web"] = "npm start"
			}
		}
	}
	return types
}

// formationOf returns the app's formation by type, making the entries of
// types that appeared since (s.mu held).
func (s *Server) formationOf(a *app) map[string]*process {
	if a.formation == nil {
		a.formation = map[string]*process{}
	}
	out := map[string]*process{}
	for t := range s.processTypes(a) {
		p := a.formation[t]
		if p == nil {
			now := s.now().UTC()
			p = &process{ID: s.id('7'), Size: "Basic", CreatedAt: now, UpdatedAt: now}
			if t == "web" {
				p.Quantity = 1
			}
			a.formation[t] = p
		}
		out[t] = p
	}
	return out
}

func (s *Server) formationJSON(a *app, typ string, p *process) map[string]any {
	return map[string]any{
		"app": map[string]string{"id": a.ID, "name": a.Name}, "command": s.processTypes(a)[typ],
		"created_at": p.CreatedAt, "updated_at": p.UpdatedAt, "id": p.ID, "type": typ, "quantity": p.Quantity,
		"size":      p.Size, // deprecated, still sent
		"dyno_size": map[string]string{"id": sizeID(p.Size), "name": p.Size},
	}
}

// sizeID is a made-up, stable id for a dyno size.
func sizeID(size string) string {
	var n int
	for _, c := range strings.ToLower(size) {
		n = n*31 + int(c)
	}
	return fmt.Sprintf("70000000-0000-4000-8000-%012d", uint32(n))
}

// canonicalSize writes a dyno size as Heroku shows it: Basic,
// Standard-1X, Performance-L-RAM.
func canonicalSize(s string) string {
	parts := strings.Split(strings.ToLower(s), "-")
	for i, p := range parts {
		if i == 0 {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		} else {
			parts[i] = strings.ToUpper(p)
		}
	}
	return strings.Join(parts, "-")
}

// listFormation is GET /apps/{app}/formation, sorted by type.
func (s *Server) listFormation(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.formationOf(a)
	out := []any{}
	for _, t := range sortedTypes(f) {
		out = append(out, s.formationJSON(a, t, f[t]))
	}
	writeJSON(w, 200, out)
}

func sortedTypes(f map[string]*process) []string {
	types := make([]string, 0, len(f))
	for t := range f {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// formationUpdate is one entry of a batch update. size is the deprecated
// spelling the Heroku CLI still sends; dyno_size the schema's. A variant
// (such as the docker-releases Accept's docker_image) adds its field here
// and its branch in patchFormation.
type formationUpdate struct {
	Type     string  `json:"type"`
	Quantity *int    `json:"quantity"`
	Size     *string `json:"size"`
	DynoSize *struct {
		ID   *string `json:"id"`
		Name *string `json:"name"`
	} `json:"dyno_size"`
}

// size is the size the update asks for, "" for none.
func (u formationUpdate) size() string {
	switch {
	case u.DynoSize != nil && u.DynoSize.Name != nil:
		return *u.DynoSize.Name
	case u.Size != nil:
		return *u.Size
	}
	return ""
}

// maxPerType bounds one process type's quantity [inferred: Heroku's
// default limit is 100 dynos an app].
const maxPerType = 100

// patchFormation is PATCH /apps/{app}/formation: every update is checked
// first, then all are applied; the answer lists the types updated.
func (s *Server) patchFormation(w http.ResponseWriter, r *http.Request, a *app) {
	if strings.HasSuffix(r.Header.Get("Accept"), "version=3.docker-releases") {
		s.patchDockerFormation(w, r, a) // container.go
		return
	}
	var body struct {
		Updates []formationUpdate `json:"updates"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if len(body.Updates) == 0 {
		apiError(w, 422, "invalid_params", "Missing required params: updates")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.formationOf(a)
	for _, u := range body.Updates {
		p := f[u.Type]
		size := u.size()
		switch {
		case p == nil:
			apiError(w, 404, "not_found", fmt.Sprintf("Couldn't find that process type (%s).", u.Type))
			return
		case size != "" && !dynoSizeRE.MatchString(size):
			apiError(w, 422, "invalid_params", "Invalid dyno size: "+size)
			return
		case u.Quantity != nil && *u.Quantity < 0:
			apiError(w, 422, "invalid_params", "Quantity must be 0 or more.")
			return
		}
		qty, sz := p.Quantity, p.Size
		if u.Quantity != nil {
			qty = *u.Quantity
		}
		if size != "" {
			sz = canonicalSize(size)
		}
		switch {
		case (sz == "Eco" || sz == "Basic") && qty > 1:
			apiError(w, 422, "invalid_params", fmt.Sprintf("Cannot update to more than 1 %s size dynos per process type.", sz))
			return
		case qty > maxPerType:
			apiError(w, 422, "invalid_params", fmt.Sprintf("Cannot update to more than %d dynos per process type.", maxPerType))
			return
		}
	}
	out := []any{}
	now := s.now().UTC()
	for _, u := range body.Updates {
		p := f[u.Type]
		if u.Quantity != nil {
			p.Quantity = *u.Quantity
		}
		if size := u.size(); size != "" {
			p.Size = canonicalSize(size)
		}
		p.UpdatedAt = now
		out = append(out, s.formationJSON(a, u.Type, p))
	}
	writeJSON(w, 200, out)
}

// restartAll is DELETE /apps/{app}/dynos: 202 with {}, as the schema has it.
func (s *Server) restartAll(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	for _, p := range s.formationOf(a) {
		p.restarts++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

// restartType is DELETE /apps/{app}/formations/{type}.
func (s *Server) restartType(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	p := s.formationOf(a)[r.PathValue("type")]
	if p != nil {
		p.restarts++
	}
	s.mu.Unlock()
	if p == nil {
		apiError(w, 404, "not_found", fmt.Sprintf("Couldn't find that process type (%s).", r.PathValue("type")))
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{})
}

// DescribeFormation is herokusim-procs's text: one line a type,
// "TYPE=QUANTITY:SIZE restarts=N".
func (s *Server) DescribeFormation(name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.apps[name]
	if a == nil {
		return "", fmt.Errorf("no app %s", name)
	}
	f := s.formationOf(a)
	var b strings.Builder
	for _, t := range sortedTypes(f) {
		fmt.Fprintf(&b, "%s=%d:%s restarts=%d\n", t, f[t].Quantity, f[t].Size, f[t].restarts)
	}
	if b.Len() == 0 {
		return "no process types\n", nil
	}
	return b.String(), nil
}
