package herokusim

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Pipelines, their couplings (one per app, made with the app's -app option
// or POST /pipeline-couplings), and promotions: a promotion
// releases the source release's artifact on every target app (no build),
// each target turning pending → succeeded or failed with an error_message
// (Heroku's API reference, §2.1 of the project's notes; the CLI's
// pipelines:promote reads the same fields).

type pipeline struct {
	ID, Name  string
	createdAt time.Time
}

type coupling struct {
	ID        string
	app       *app
	pipeline  *pipeline
	stage     string
	createdAt time.Time
}

type promotion struct {
	ID        string
	pipeline  *pipeline
	source    *app
	release   *release
	status    string // pending, completed
	targets   []*promotionTarget
	createdAt time.Time
	updatedAt *time.Time
}

type promotionTarget struct {
	ID      string
	app     *app
	status  string // pending, succeeded, failed
	errMsg  *string
	release *release
}

// couple puts a in pipeline name (made on first use) at stage (s.mu held
// or not yet shared).
func (s *Server) couple(a *app, name, stage string) {
	p := s.pipelines[name]
	if p == nil {
		p = &pipeline{ID: s.id('e'), Name: name, createdAt: s.now().UTC()}
		s.pipelines[name] = p
		s.pipelines[p.ID] = p
	}
	a.coupling = &coupling{ID: s.id('1'), app: a, pipeline: p, stage: stage, createdAt: s.now().UTC()}
}

// getCoupling answers GET /apps/{app}/pipeline-couplings. The pipeline's
// name is there beside its id, as the CLI reads it (coupling.pipeline.name);
// the schema's pipeline object is not strict.
func (s *Server) getCoupling(w http.ResponseWriter, r *http.Request, a *app) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := a.coupling
	if c == nil {
		apiError(w, 404, "not_found", "Couldn't find that pipeline coupling.")
		return
	}
	writeJSON(w, 200, couplingJSON(c))
}

func couplingJSON(c *coupling) map[string]any {
	return map[string]any{
		"id": c.ID, "app": map[string]string{"id": c.app.ID}, "stage": c.stage,
		"pipeline":   map[string]string{"id": c.pipeline.ID, "name": c.pipeline.Name},
		"created_at": c.createdAt, "updated_at": c.createdAt,
	}
}

type idRef struct {
	ID string `json:"id"`
}

// postPromotion answers POST /pipeline-promotions: every check Heroku makes
// before it answers, then the promotion runs in the background.
func (s *Server) postPromotion(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Pipeline *idRef `json:"pipeline"`
		Source   *struct {
			App     *idRef `json:"app"`
			Release *idRef `json:"release"`
		} `json:"source"`
		Targets []struct {
			App *idRef `json:"app"`
		} `json:"targets"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if body.Pipeline == nil || body.Source == nil || body.Source.App == nil || len(body.Targets) == 0 {
		apiError(w, 422, "invalid_params", "Missing required params: pipeline, source, targets")
		return
	}
	acct := accountOf(r)
	src, ok := s.appFor(w, acct, body.Source.App.ID)
	if !ok {
		return
	}
	var targets []*app
	for _, t := range body.Targets {
		if t.App == nil {
			apiError(w, 422, "invalid_params", "Each target needs an app")
			return
		}
		a, ok := s.appFor(w, acct, t.App.ID)
		if !ok {
			return
		}
		targets = append(targets, a)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipelines[body.Pipeline.ID]
	if p == nil {
		apiError(w, 404, "not_found", "Couldn't find that pipeline.")
		return
	}
	if src.coupling == nil || src.coupling.pipeline != p {
		apiError(w, 422, "invalid_params", fmt.Sprintf("App %s is not in this pipeline.", src.Name))
		return
	}
	var rel *release
	if body.Source.Release != nil {
		for _, r := range src.releases {
			if r.ID == body.Source.Release.ID {
				rel = r
			}
		}
		if rel == nil {
			apiError(w, 404, "not_found", "Couldn't find that release.")
			return
		}
	} else {
		for _, r := range src.releases {
			if r.current {
				rel = r
			}
		}
	}
	if rel == nil || !eligible(rel) {
		apiError(w, 422, "invalid_params", fmt.Sprintf("App %s has no release with a slug to promote.", src.Name))
		return
	}
	for _, a := range append([]*app{src}, targets...) {
		if a.Container {
			apiError(w, 422, "invalid_params", fmt.Sprintf("App %s uses the container stack: pipeline promotions are not supported for container apps.", a.Name))
			return
		}
	}
	for _, a := range targets {
		switch {
		case a == src:
			apiError(w, 422, "invalid_params", "Cannot promote an app to itself.")
			return
		case a.coupling == nil || a.coupling.pipeline != p:
			apiError(w, 422, "invalid_params", fmt.Sprintf("App %s is not in this pipeline.", a.Name))
			return
		case a.TwoFactor:
			apiError(w, 403, "two_factor", "A second authentication factor is required for this request.")
			return
		}
	}
	pr := &promotion{ID: s.id('2'), pipeline: p, source: src, release: rel, status: "pending", createdAt: s.now().UTC()}
	for _, a := range targets {
		pr.targets = append(pr.targets, &promotionTarget{ID: s.id('3'), app: a, status: "pending"})
	}
	s.promotions[pr.ID] = pr
	go s.runPromotion(pr)
	writeJSON(w, 201, s.promotionJSON(pr))
}

// runPromotion releases the source release's artifact on every target,
// in order (so ids are deterministic), each with that artifact's release
// phase, and ends each target with its release: a failed release phase
// fails the target [inferred: Heroku's docs say release phase runs after
// a promotion, not how the target reports its failure].
func (s *Server) runPromotion(pr *promotion) {
	if s.opts.Step > 0 {
		time.Sleep(s.opts.Step)
	}
	s.mu.Lock()
	for _, t := range pr.targets {
		if t.app.PromotionFails {
			// The failure the CLI's issue #1196 shows.
			t.status, t.errMsg = "failed", ptr("Could not verify slug checksum")
			continue
		}
		t.app.procs = s.built[pr.release.artifact.id].procs
		t.release = s.newRelease(t.app, fmt.Sprintf("Promote %s v%d", pr.source.Name, pr.release.Version),
			pr.release.artifact, t.app.procs, false)
	}
	s.completed(pr)
	s.mu.Unlock()
	for _, t := range pr.targets {
		if t.release == nil {
			continue
		}
		<-t.release.done
		s.mu.Lock()
		if t.release.Status == "succeeded" {
			t.status = "succeeded"
		} else {
			t.status, t.errMsg = "failed", ptr(fmt.Sprintf("Release v%d %s: the release command did not succeed.", t.release.Version, t.release.Status))
		}
		s.completed(pr)
		s.mu.Unlock()
	}
}

// completed ends the promotion once no target is pending (s.mu held).
func (s *Server) completed(pr *promotion) {
	for _, t := range pr.targets {
		if t.status == "pending" {
			return
		}
	}
	now := s.now().UTC()
	pr.status, pr.updatedAt = "completed", &now
}

func ptr[T any](v T) *T { return &v }

func (s *Server) promotionJSON(pr *promotion) map[string]any {
	return map[string]any{
		"id": pr.ID, "pipeline": map[string]string{"id": pr.pipeline.ID}, "status": pr.status,
		"source":     map[string]any{"app": map[string]string{"id": pr.source.ID}, "release": map[string]string{"id": pr.release.ID}},
		"created_at": pr.createdAt, "updated_at": pr.updatedAt,
	}
}

// listPromotionTargets answers GET /pipeline-promotions/{id}/promotion-targets.
func (s *Server) listPromotionTargets(w http.ResponseWriter, r *http.Request) {
	acct := accountOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.promotions[r.PathValue("id")]
	if pr == nil || pr.source.Owner != acct.email {
		apiError(w, 404, "not_found", "Couldn't find that promotion.")
		return
	}
	out := []any{}
	for _, t := range pr.targets {
		var rel any
		if t.release != nil && !t.app.PromotionNoRelease {
			rel = map[string]string{"id": t.release.ID}
		}
		out = append(out, map[string]any{
			"id": t.ID, "app": map[string]string{"id": t.app.ID}, "status": t.status, "error_message": t.errMsg,
			"release": rel, "pipeline_promotion": map[string]string{"id": pr.ID},
		})
	}
	writeJSON(w, 200, out)
}

// getPipeline answers GET /pipelines/{pipeline}, by id or name.
func (s *Server) getPipeline(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipelines[r.PathValue("pipeline")]
	if p == nil {
		apiError(w, 404, "not_found", "Couldn't find that pipeline.")
		return
	}
	writeJSON(w, 200, map[string]any{
		"id": p.ID, "name": p.Name, "created_at": p.createdAt, "updated_at": p.createdAt,
		"owner":      nil,
		"generation": map[string]string{"id": cedar["id"], "name": "cedar"},
	})
}

// postCoupling answers POST /pipeline-couplings {app, pipeline (id),
// stage}: 201, or 422 for an app coupled already or an unknown stage, 404
// for an unknown pipeline, the app's own errors.
func (s *Server) postCoupling(w http.ResponseWriter, r *http.Request) {
	var body struct {
		App      string `json:"app"`
		Pipeline string `json:"pipeline"`
		Stage    string `json:"stage"`
	}
	if !decodeStrict(w, r, &body) {
		return
	}
	if body.App == "" || body.Pipeline == "" || body.Stage == "" {
		apiError(w, 422, "invalid_params", "Missing required params: app, pipeline, stage")
		return
	}
	if !slices.Contains(stages, body.Stage) {
		apiError(w, 422, "invalid_params", fmt.Sprintf("Stage %q is not one of %v.", body.Stage, stages))
		return
	}
	a, ok := s.appFor(w, accountOf(r), body.App)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pipelines[body.Pipeline]
	if p == nil || p.ID != body.Pipeline {
		apiError(w, 404, "not_found", "Couldn't find that pipeline.")
		return
	}
	if a.coupling != nil {
		apiError(w, 422, "invalid_params", "App "+a.Name+" is already part of a pipeline.")
		return
	}
	a.coupling = &coupling{ID: s.id('1'), app: a, pipeline: p, stage: body.Stage, createdAt: s.now().UTC()}
	writeJSON(w, 201, couplingJSON(a.coupling))
}
