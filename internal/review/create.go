package review

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// TakenError is a review app name that an app of another account holds:
// Heroku's app names are global.
type TakenError struct {
	App string
	Err error // what Heroku answered
}

func (e *TakenError) Error() string {
	return fmt.Sprintf("app name %s is taken by an app this key cannot use (another account's): %v", e.App, e.Err)
}

func (e *TakenError) Unwrap() error { return e.Err }

// Exists reports whether the app exists and this key can use it, on
// positive answers only: the app itself (by its name), or Heroku's 404
// not_found. An app of another account is *TakenError: Heroku answers 403
// for an app the key cannot use. Any other answer, an HTML 404 included,
// is an error.
func Exists(ctx context.Context, s *session.Session, app string) (bool, error) {
	_, err := s.Client.AppInfo(ctx, app)
	switch {
	case err == nil:
		return true, nil
	case herokuapi.Absent(err):
		return false, nil
	case herokuapi.StatusOf(err) == 403:
		return false, &TakenError{App: app, Err: err}
	}
	return false, fmt.Errorf("look up app %s: %w", app, err)
}

// lost reads a creation that failed: when the name was taken meanwhile
// (409, or 422 "Name is already taken", by a concurrent pipeline of the
// same merge request), an app this key can use is found (nil); one it
// cannot is *TakenError; anything else is the creation's error.
func lost(ctx context.Context, s *session.Session, app string, err error) error {
	if st := herokuapi.StatusOf(err); st != 409 && st != 422 {
		return err
	}
	found, lerr := Exists(ctx, s, app)
	var taken *TakenError
	switch {
	case errors.As(lerr, &taken):
		taken.Err = err
		return taken
	case found:
		s.Out.Step("App %s was created meanwhile (another pipeline of this merge request?): deploying to it", app)
		return nil
	}
	return err
}

// Create creates the app bare. It reports whether this call created it:
// false when a concurrent creation won and left an app this key can use.
//
// In a dry run it says it would create it, and reports it created.
func Create(ctx context.Context, s *session.Session, o herokuapi.AppCreate) (bool, error) {
	if s.Dry() {
		s.Would("create app %s%s: it does not exist", o.Name, where(o))
		return true, nil
	}
	s.Out.Step("Creating app %s%s", o.Name, where(o))
	s.Links.Changed(o.Name)
	err := s.Client.CreateApp(ctx, o)
	if err == nil {
		return true, nil
	}
	if err := lost(ctx, s, o.Name, fmt.Errorf("create app %s: %w", o.Name, err)); err != nil {
		return false, err
	}
	return false, nil
}

// where describes an app's place for the log: " in team t, space s".
func where(o herokuapi.AppCreate) string {
	var parts []string
	if o.Team != "" {
		parts = append(parts, "team "+o.Team)
	}
	if o.Space != "" {
		parts = append(parts, "space "+o.Space)
	}
	if o.Region != "" {
		parts = append(parts, "region "+o.Region)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// SetupError is an app setup that failed: Heroku's failure message and
// app.json's problems. It is a *follow.Failed too, exit 1.
type SetupError struct {
	follow.Failed
	ManifestErrors []string
}

func (e *SetupError) Unwrap() error { return &e.Failed }

// Setup creates the app through an app setup of the uploaded source and
// follows it to its end: the setup's build streams into the log, the
// postdeploy script's output follows it. It returns the succeeded setup
// and whether this call created the app (false: a concurrent creation won,
// the app exists, and nothing was set up). A setup that fails deletes the
// app it made, so that the next deploy starts afresh rather than deploy
// to an app without its add-ons or its postdeploy.
func Setup(ctx context.Context, s *session.Session, r herokuapi.AppSetupRequest) (*herokuapi.AppSetup, bool, error) {
	names := make([]string, 0, len(r.Env))
	for k := range r.Env {
		names = append(names, k)
	}
	sort.Strings(names)
	if s.Dry() {
		s.Would("create app %s%s from app.json (an app setup: its add-ons and env, a build of the upload, its postdeploy script): it does not exist; the setup's build would make its first release", r.App.Name, where(r.App))
		if len(names) > 0 {
			s.Out.Line("    config vars: %s", strings.Join(names, ", "))
		}
		return nil, true, nil
	}
	s.Out.Step("Creating app %s%s from app.json (app setup)", r.App.Name, where(r.App))
	if len(names) > 0 {
		s.Out.Line("    config vars: %s", strings.Join(names, ", "))
	}
	s.Links.Changed(r.App.Name)
	st, err := s.Client.AppSetupCreate(ctx, r)
	if err != nil {
		if err := lost(ctx, s, r.App.Name, fmt.Errorf("create app setup of %s: %w", r.App.Name, err)); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	st, err = followSetup(ctx, s, r.App.Name, st)
	if err != nil {
		if errors.As(err, new(*SetupError)) {
			deleteFailed(ctx, s, r.App.Name)
		}
		return st, true, err
	}
	return st, true, nil
}

// followSetup waits for the setup: first for its build to exist, then for
// its end, the build's output streaming meanwhile.
func followSetup(ctx context.Context, s *session.Session, app string, st *herokuapi.AppSetup) (*herokuapi.AppSetup, error) {
	job := follow.Job[*herokuapi.AppSetup]{
		Kind: "app setup", What: "app setup " + st.ID, Out: s.Out,
		Fetch: func(ctx context.Context) (*herokuapi.AppSetup, error) { return s.Client.AppSetupInfo(ctx, st.ID) },
		State: func(s *herokuapi.AppSetup) string { return s.Status },
		Final: func(s *herokuapi.AppSetup) bool { return s.Status != "pending" || s.Build != nil },
		StopNote: fmt.Sprintf("the app setup goes on on Heroku: app %s exists, and the next deploy of this merge request deploys to it "+
			"(delete it first, with review destroy, to have app.json set it up again)", app),
	}
	st, err := follow.Wait(ctx, s.Wait, job, st)
	if err != nil {
		return st, err
	}
	if st.Build != nil {
		// The config the setup set, read before its build's log shows: a
		// log line that prints a value shows it masked.
		if _, err := s.Client.ConfigVars(ctx, app); err != nil {
			return st, fmt.Errorf("read config vars of %s: %w", app, err)
		}
		job.Final = func(s *herokuapi.AppSetup) bool { return s.Status != "pending" }
		job.Stream = st.Build.OutputStreamURL
		id := st.Build.ID
		s.Links.Build(app, id, st.Build.Status)
		end := s.Out.Section("heroku_build", fmt.Sprintf("Building on Heroku (build %s of app setup %s)", st.Build.ID, st.ID))
		st, err = follow.Wait(ctx, s.Wait, job, st)
		end()
		if st != nil && st.Build != nil {
			s.Links.Build(app, id, st.Build.Status)
		}
		if err != nil {
			return st, err
		}
	}
	if pd := st.Postdeploy; pd != nil {
		end := s.Out.Section("heroku_postdeploy", fmt.Sprintf("Postdeploy script (exit status %d)", pd.ExitCode))
		fmt.Fprint(s.Out, pd.Output)
		end()
	}
	if st.Status == "succeeded" {
		return st, nil
	}
	msg := fmt.Sprintf("app setup %s of %s %s", st.ID, app, st.Status)
	if st.FailureMessage != nil && *st.FailureMessage != "" {
		msg += ": " + *st.FailureMessage
	}
	if len(st.ManifestErrors) > 0 {
		msg += " (app.json: " + strings.Join(st.ManifestErrors, "; ") + ")"
	}
	return st, &SetupError{Failed: follow.Failed{Msg: msg}, ManifestErrors: st.ManifestErrors}
}

// cleanupBudget bounds the deletion of a failed setup's app, which runs
// even when the command's own time is up.
const cleanupBudget = 10 * time.Second

// deleteFailed deletes the app a failed setup made.
func deleteFailed(ctx context.Context, s *session.Session, app string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
	defer cancel()
	if _, err := Delete(ctx, s, app); err != nil {
		s.Out.Step("The app setup failed, and app %s could not be deleted (%v): delete it before the next deploy (review destroy)", app, err)
		return
	}
	s.Out.Step("The app setup failed: app %s deleted, so that the next deploy sets it up afresh", app)
	s.Links.Forget(app) // its pages are gone with it
}
