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
	if _, err := a.Client.Couple(ctx, app, id, "review"); err != nil {
		return fmt.Errorf("couple %s to pipeline %s: %w", app, pipeline, err)
	}
	a.Out.Step("Coupled %s to pipeline %s at stage review", app, pipeline)
	return nil
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
