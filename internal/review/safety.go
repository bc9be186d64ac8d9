package review

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Deleting an app deletes its add-ons and their data, for good. What a
// review app command deletes must be a review app beyond doubt: its name
// is one the prefix's rule gives (MR), and it sits in no pipeline stage
// but review or development, so that a prefix mistyped as the production
// app's name, or a production app that happens to be named like a review
// app, is never touched.

// deletableStages are the pipeline stages a review app may be coupled at.
var deletableStages = []string{"review", "development"}

// UnsafeError is a deletion or a deploy a safety check refused. Nothing
// was changed.
type UnsafeError struct {
	App    string
	Reason string
	Deploy bool // a deploy was refused, not a deletion
}

func (e *UnsafeError) Error() string {
	act := "delete"
	if e.Deploy {
		act = "deploy to"
	}
	return fmt.Sprintf("refusing to %s app %s: %s", act, e.App, e.Reason)
}

// CheckStage refuses an app coupled to a pipeline at a stage other than
// review or development. It passes an app only on a positive answer: its
// coupling at review or development, or Heroku's 404 not_found (in no
// pipeline). Any other answer, an HTML 404 included, is an error.
func CheckStage(ctx context.Context, s *session.Session, app string) error {
	c, err := s.Client.CouplingOf(ctx, app)
	switch {
	case herokuapi.Absent(err):
		return nil // in no pipeline
	case err != nil:
		return fmt.Errorf("read the pipeline coupling of %s: %w", app, err)
	case !slices.Contains(deletableStages, c.Stage):
		return &UnsafeError{App: app, Reason: fmt.Sprintf("it is coupled to pipeline %s at stage %s; review apps are at review or development", pipelineName(ctx, s, c.Pipeline.ID), c.Stage)}
	}
	return nil
}

// Deletion is how a deletion ended; each is a positive answer that the
// app is gone.
type Deletion int

const (
	// Deleted: Heroku answered the delete with the app.
	Deleted Deletion = iota
	// DeletedUnanswered: the delete's answer was lost or unreadable (a
	// 5xx, a cut connection, a garbled answer); a read found the app gone.
	DeletedUnanswered
	// Gone: Heroku answered the delete 404 not_found: an earlier attempt
	// of the same request, whose answer was lost, or another job deleted
	// it first.
	Gone
)

// Delete deletes the app, and reports it deleted only on a positive
// answer: the delete's own, or, after an answer that may or may not have
// been processed, a read that finds the app gone (Heroku's 404
// not_found). An app still there, or a read that is no answer either, is
// an error.
func Delete(ctx context.Context, s *session.Session, app string) (Deletion, error) {
	err := s.Client.DeleteApp(ctx, app)
	switch {
	case err == nil:
		return Deleted, nil
	case herokuapi.Absent(err):
		return Gone, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("delete app %s (it may or may not be deleted): %w", app, err)
	case !herokuapi.Unavailable(err):
		return 0, fmt.Errorf("delete app %s: %w", app, err) // refused: nothing happened
	}
	_, rerr := s.Client.AppInfo(ctx, app)
	switch {
	case herokuapi.Absent(rerr):
		return DeletedUnanswered, nil
	case rerr == nil:
		return 0, fmt.Errorf("delete app %s: %w; it still exists", app, err)
	}
	return 0, fmt.Errorf("delete app %s: %w; whether it is deleted is unknown: reading it back failed too: %v", app, err, rerr)
}

// Couple puts a new app into pipeline (a name or id) at stage review.
func Couple(ctx context.Context, s *session.Session, app, pipeline string) error {
	id, err := pipelineID(ctx, s, pipeline)
	if err != nil {
		return err
	}
	return coupleTo(ctx, s, app, pipeline, id)
}

// pipelineID looks pipeline up by name: before an app is created for it,
// so that a pipeline that is not there stops the deploy before anything
// changes, not after an app was made that nothing couples.
func pipelineID(ctx context.Context, s *session.Session, pipeline string) (string, error) {
	id, err := s.Client.PipelineID(ctx, pipeline)
	if err != nil {
		return "", fmt.Errorf("look up pipeline %s: %w", pipeline, err)
	}
	return id, nil
}

// coupleTo couples app to pipeline, whose id was looked up, at stage
// review.
func coupleTo(ctx context.Context, s *session.Session, app, pipeline, id string) error {
	if s.Dry() {
		s.Would("couple %s to pipeline %s at stage review", app, pipeline)
		return nil
	}
	_, err := s.Client.Couple(ctx, app, id, "review")
	if herokuapi.StatusOf(err) == 422 {
		// A concurrent deploy of the merge request may have coupled it
		// between our look and our request: that is the coupling we want.
		if c, cerr := s.Client.CouplingOf(ctx, app); cerr == nil && c.Pipeline.ID == id && c.Stage == "review" {
			s.Out.Step("App %s was coupled to pipeline %s at stage review meanwhile (a concurrent deploy?)", app, pipeline)
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("couple %s to pipeline %s: %w", app, pipeline, err)
	}
	s.Out.Step("Coupled %s to pipeline %s at stage review", app, pipeline)
	return nil
}

// CheckExisting checks an app found already made before a review deploy
// to it, on a positive answer only (see CheckStage). Coupled to a pipeline at a stage review apps are not at
// (staging, production), it is refused (*UnsafeError): merge request
// code must not reach it. In no pipeline, it is coupled to pipeline (if
// set) at stage review: the coupling after its creation may have failed,
// and nothing else would retry it. An app in another pipeline, or at
// development, is left there (an app has one coupling, and moving it is
// the pipeline owner's call), and the returned note says so.
func CheckExisting(ctx context.Context, s *session.Session, app, pipeline string) (note string, err error) {
	c, err := s.Client.CouplingOf(ctx, app)
	switch {
	case herokuapi.Absent(err) && pipeline == "":
		return "", nil
	case herokuapi.Absent(err):
		return "", Couple(ctx, s, app, pipeline)
	case err != nil:
		return "", fmt.Errorf("read the pipeline coupling of %s: %w", app, err)
	}
	if !slices.Contains(deletableStages, c.Stage) {
		return "", &UnsafeError{App: app, Deploy: true, Reason: fmt.Sprintf("it is coupled to pipeline %s at stage %s; review apps are at review or development", pipelineName(ctx, s, c.Pipeline.ID), c.Stage)}
	}
	if pipeline == "" {
		return "", nil
	}
	id := pipeline
	if c.Pipeline.ID != pipeline {
		// pipeline may be a name: compare ids.
		if id, err = s.Client.PipelineID(ctx, pipeline); err != nil {
			return "", fmt.Errorf("look up pipeline %s: %w", pipeline, err)
		}
	}
	if c.Pipeline.ID == id && c.Stage == "review" {
		return "", nil
	}
	where := pipeline
	if c.Pipeline.ID != id {
		where = pipelineName(ctx, s, c.Pipeline.ID)
	}
	return fmt.Sprintf("app %s is coupled to pipeline %s at stage %s, not to pipeline %s at stage review: left as it is", app, where, c.Stage, pipeline), nil
}

// pipelineName is a pipeline's name, what a reader knows it by: heroku-go's
// coupling carries the id only (the id will do if the name cannot be read).
func pipelineName(ctx context.Context, s *session.Session, id string) string {
	if name, err := s.Client.PipelineName(ctx, id); err == nil {
		return name
	}
	return id
}

// SweepPlan is what a sweep keeps and deletes, by app name.
type SweepPlan struct {
	Keep, Delete []string
}

// PlanSweep plans the deletion of prefix's review apps whose merge request is
// not in open: it lists every app the key can use, keeps those the naming
// rule does not give for prefix out of it entirely, and checks the stage
// of each app to delete. One that fails the check fails the whole plan:
// nothing is deleted.
func PlanSweep(ctx context.Context, s *session.Session, prefix string, open map[string]bool) (*SweepPlan, error) {
	list, err := s.Client.ListApps(ctx)
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	plan := &SweepPlan{}
	for _, app := range list {
		iid, ok := MR(prefix, app.Name)
		switch {
		case !ok:
		case open[iid]:
			plan.Keep = append(plan.Keep, app.Name)
		default:
			plan.Delete = append(plan.Delete, app.Name)
		}
	}
	sort.Strings(plan.Keep)
	sort.Strings(plan.Delete)
	for _, app := range plan.Delete {
		if err := CheckStage(ctx, s, app); err != nil {
			return nil, err
		}
	}
	return plan, nil
}
