package review

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

// Deleting an app deletes its add-ons and their data, for good. What a
// review app command deletes must be a review app beyond doubt: its name
// is one the prefix's rule gives (MR), and it sits in no pipeline stage
// but review or development, so that a prefix mistyped as the production
// app's name, or a production app that happens to be named like a review
// app, is never touched.

// deletableStages are the pipeline stages a review app may be coupled at.
var deletableStages = []string{"review", "development"}

// UnsafeError is a deletion a safety check refused. Nothing was deleted.
type UnsafeError struct {
	App    string
	Reason string
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("refusing to delete app %s: %s", e.App, e.Reason)
}

// CheckStage refuses an app coupled to a pipeline at a stage other than
// review or development.
func (a *Apps) CheckStage(ctx context.Context, app string) error {
	c, err := a.Client.CouplingOf(ctx, app)
	switch {
	case herokuapi.StatusOf(err) == 404:
		return nil // in no pipeline
	case err != nil:
		return fmt.Errorf("read the pipeline coupling of %s: %w", app, err)
	case !slices.Contains(deletableStages, c.Stage):
		return &UnsafeError{App: app, Reason: fmt.Sprintf("it is coupled to pipeline %s at stage %s; review apps are at review or development", c.Pipeline.ID, c.Stage)}
	}
	return nil
}

// Delete deletes the app; gone reports that it was gone already.
func (a *Apps) Delete(ctx context.Context, app string) (gone bool, err error) {
	err = a.Client.DeleteApp(ctx, app)
	if herokuapi.StatusOf(err) == 404 {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete app %s: %w", app, err)
	}
	return false, nil
}

// Couple puts a new app into pipeline (a name or id) at stage review.
func (a *Apps) Couple(ctx context.Context, app, pipeline string) error {
	id, err := a.Client.PipelineID(ctx, pipeline)
	if err != nil {
		return fmt.Errorf("look up pipeline %s: %w", pipeline, err)
	}
	_, err = a.Client.Couple(ctx, app, id, "review")
	if herokuapi.StatusOf(err) == 422 {
		// A concurrent deploy of the merge request may have coupled it
		// between our look and our request: that is the coupling we want.
		if c, cerr := a.Client.CouplingOf(ctx, app); cerr == nil && c.Pipeline.ID == id && c.Stage == "review" {
			a.Out.Step("App %s was coupled to pipeline %s at stage review meanwhile (a concurrent deploy?)", app, pipeline)
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("couple %s to pipeline %s: %w", app, pipeline, err)
	}
	a.Out.Step("Coupled %s to pipeline %s at stage review", app, pipeline)
	return nil
}

// EnsureCoupled couples an app found already made to pipeline at stage
// review when it is in no pipeline: the coupling after its creation may
// have failed, and nothing else would retry it. An app in a pipeline
// already is left there (an app has one coupling, and moving it is the
// pipeline owner's call); when that is not pipeline at stage review,
// the returned note says so.
func (a *Apps) EnsureCoupled(ctx context.Context, app, pipeline string) (note string, err error) {
	c, err := a.Client.CouplingOf(ctx, app)
	switch {
	case herokuapi.StatusOf(err) == 404:
		return "", a.Couple(ctx, app, pipeline)
	case err != nil:
		return "", fmt.Errorf("read the pipeline coupling of %s: %w", app, err)
	}
	id := pipeline
	if c.Pipeline.ID != pipeline {
		// pipeline may be a name: compare ids.
		if id, err = a.Client.PipelineID(ctx, pipeline); err != nil {
			return "", fmt.Errorf("look up pipeline %s: %w", pipeline, err)
		}
	}
	if c.Pipeline.ID == id && c.Stage == "review" {
		return "", nil
	}
	where := "pipeline " + pipeline
	if c.Pipeline.ID != id {
		// heroku-go's coupling carries the pipeline's id only; its name is
		// what a reader knows it by (the id will do if it cannot be read).
		where = "pipeline " + c.Pipeline.ID
		if name, err := a.Client.PipelineName(ctx, c.Pipeline.ID); err == nil {
			where = "pipeline " + name
		}
	}
	note = fmt.Sprintf("app %s is coupled to %s at stage %s, not to pipeline %s at stage review: left as it is", app, where, c.Stage, pipeline)
	if !slices.Contains(deletableStages, c.Stage) {
		note += "; review destroy and review sweep will refuse to delete it"
	}
	return note, nil
}

// SweepPlan is what a sweep keeps and deletes, by app name.
type SweepPlan struct {
	Keep, Delete []string
}

// Sweep plans the deletion of prefix's review apps whose merge request is
// not in open: it lists every app the key can use, keeps those the naming
// rule does not give for prefix out of it entirely, and checks the stage
// of each app to delete. One that fails the check fails the whole plan:
// nothing is deleted.
func (a *Apps) Sweep(ctx context.Context, prefix string, open map[string]bool) (*SweepPlan, error) {
	list, err := a.Client.ListApps(ctx)
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
		if err := a.CheckStage(ctx, app); err != nil {
			return nil, err
		}
	}
	return plan, nil
}
