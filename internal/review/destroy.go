package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// Destroy deletes app after the safety checks: its name must be one the
// rule gives for prefix, and the app in no pipeline stage but review or
// development. Each decision rests on a positive answer (the app, its
// coupling or Heroku's 404 not_found); any other answer stops it before
// anything is deleted (exit 4). An app that does not exist is success.
func Destroy(ctx context.Context, s *session.Session, prefix, app string) error {
	if _, ok := MR(prefix, app); !ok {
		return outcome.New(outcome.Unsafe, &UnsafeError{App: app, Reason: fmt.Sprintf("it is not a review app of prefix %s (their names are %s)", prefix, Name(prefix, "IID"))},
			"review destroy deletes only the apps review deploy names: check the name and app inputs")
	}
	exists, err := Exists(ctx, s, app)
	var taken *TakenError
	switch {
	case errors.As(err, &taken):
		return outcome.New(outcome.Denied, err, "nothing was deleted: the app is not this key's account's")
	case err != nil:
		return outcome.Note(err, "nothing was deleted")
	case !exists:
		// Heroku cannot tell an app deleted from one never made.
		s.Out.Step("App %s does not exist (never created, or already deleted): nothing to delete", app)
		return nil
	}
	if err := CheckStage(ctx, s, app); err != nil {
		var unsafe *UnsafeError
		if errors.As(err, &unsafe) {
			return outcome.New(outcome.Unsafe, err, "nothing was deleted")
		}
		return outcome.Note(err, "nothing was deleted")
	}
	if s.Dry() {
		s.Would("delete app %s, and with it its add-ons and their data", app)
		return nil
	}
	d, err := Delete(ctx, s, app)
	if err != nil {
		return err
	}
	reportDeletion(s, app, d)
	return nil
}

// Sweep deletes the review apps of prefix whose merge request is not
// open (read from source, which the log names). It checks every such app
// first (PlanSweep): one coupled to a pipeline stage other than review or
// development stops the sweep before anything is deleted (exit 5). A
// deletion that fails is warned about, the others go on, and the first
// failure is the outcome.
func Sweep(ctx context.Context, s *session.Session, prefix string, open map[string]bool, source string, dryRun bool) error {
	mrs := make([]string, 0, len(open))
	for iid := range open {
		mrs = append(mrs, "!"+iid)
	}
	sort.Slice(mrs, func(i, j int) bool {
		return len(mrs[i]) < len(mrs[j]) || (len(mrs[i]) == len(mrs[j]) && mrs[i] < mrs[j])
	})
	s.Out.Step("Open merge requests, from %s: %s", source, listOrNone(mrs))
	plan, err := PlanSweep(ctx, s, prefix, open)
	if err != nil {
		var unsafe *UnsafeError
		if errors.As(err, &unsafe) {
			return outcome.New(outcome.Unsafe, err, "nothing was deleted: the sweep stops at an app it must not delete")
		}
		return outcome.Note(err, "nothing was deleted")
	}
	deleting := ""
	if len(plan.Delete) > 0 {
		deleting = ": " + strings.Join(plan.Delete, ", ")
	}
	s.Out.Step("Review apps of %s: %d kept (open merge requests), %d to delete%s", prefix, len(plan.Keep), len(plan.Delete), deleting)
	if dryRun {
		s.Out.Step("Dry run: nothing deleted")
		return nil
	}
	var first error
	for _, app := range plan.Delete {
		d, err := Delete(ctx, s, app)
		if err != nil {
			s.Warn(fmt.Sprintf("could not delete %s: %v", app, err))
			if first == nil {
				first = &outcome.AppError{App: app, Err: err}
			}
			continue
		}
		reportDeletion(s, app, d)
	}
	return first
}

// reportDeletion says how a deletion ended.
func reportDeletion(s *session.Session, app string, d Deletion) {
	switch d {
	case Deleted:
		s.Out.Step("Deleted app %s", app)
	case DeletedUnanswered:
		s.Out.Step("Deleted app %s (the delete's answer was lost; read back, the app is gone)", app)
	case Gone:
		s.Out.Step("App %s is gone: an earlier attempt of the delete, or another job, deleted it first", app)
	}
}
