package release

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gitlab.com/heroku-deploy/heroku/internal/ciout"
	"gitlab.com/heroku-deploy/heroku/internal/follow"
	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
	"gitlab.com/heroku-deploy/heroku/internal/outcome"
	"gitlab.com/heroku-deploy/heroku/internal/session"
)

// A rollback run, and the rule that makes a retried one do the same act.
//
// A job that rolled back and then failed (a 503 reading the new release, a
// timeout in release phase, a cancelled job) is run again. Had the second
// run picked "the newest release before the current one" afresh, it would
// find the release the first run rolled back away from, and roll the app
// forward to it. So before anything else, Back reads the app's newest
// releases: when the latest act on the app (LatestRollback) is a rollback
// to the release this run would go to (any, by default; the one --to
// names otherwise), this run completes that act instead of starting
// another:
//
//	pending              follow it to its end (Resume)
//	succeeded, current   read it back and report it: nothing is made (Done);
//	                     going further back takes --to
//	failed               make the same rollback again, same target (Repeat)
//
// Otherwise a new rollback is made (Create). The default target never is a
// release that a newer rollback moved away from (MovedAway).

// Act is what a rollback run does.
type Act int

const (
	// Create makes a new rollback release.
	Create Act = iota
	// Resume follows an earlier run's rollback, still pending.
	Resume
	// Done reports an earlier run's rollback, succeeded and current.
	Done
	// Repeat makes again an earlier run's rollback, which failed.
	Repeat
)

// Outcome is what a rollback run did.
type Outcome struct {
	App     string
	Act     Act
	Target  int                // the version rolled back to
	Release *herokuapi.Release // the rollback's release, as last read
	// Further (Done) are older releases that can still be rolled back to,
	// newest first, for --to.
	Further []herokuapi.Release
	// Report is the dotenv report of the app's new release.
	Report Report
}

// NoSuchRelease is a --to that names no release of the app: nothing was
// changed.
type NoSuchRelease struct{ App, Release string }

func (e *NoSuchRelease) Error() string {
	return fmt.Sprintf("app %s has no release %s", e.App, e.Release)
}

var (
	versionRE = regexp.MustCompile(`^v?[1-9][0-9]{0,8}$`)
	uuidRE    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// CheckTarget checks --to before any request: nil (not given) is the
// default target, ""; given, it must be a release version (v41, 41) or a
// release id, never empty.
func CheckTarget(to *string) (string, error) {
	switch {
	case to == nil:
		return "", nil
	case *to == "":
		return "", outcome.Input("--to is empty: nothing was changed",
			"name a release (--to v41, or a release id), or leave --to out for the default target")
	case !versionRE.MatchString(*to) && !uuidRE.MatchString(*to):
		return "", outcome.Inputf("--to %q is neither a release version (v41) nor a release id", *to)
	}
	return *to, nil
}

// Back is the rollback command's work: it reads the app and its URL, rolls
// it back (back: the rule above) and reads the new release for the
// report. A target that cannot be rolled back to (*Ineligible) or does not
// exist (*NoSuchRelease) changes nothing.
func Back(ctx context.Context, s *session.Session, app, to string) (*Outcome, error) {
	a, err := s.Client.AppInfo(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", app, err)
	}
	webURL, note, err := s.Client.URL(ctx, a)
	if err != nil {
		return nil, err
	}
	s.Links.URL(a.Name, webURL)
	if note != "" {
		s.Out.Step("%s", note)
	}
	out, err := back(ctx, s, app, to)
	var ie *Ineligible
	switch {
	case errors.As(err, &ie):
		return nil, fmt.Errorf("%w: nothing was changed", err)
	case err != nil:
		return nil, err
	case s.Dry(): // its plan is said; nothing was made
		out.App = app
		return out, nil
	case out.Release == nil: // back reports a success only with its release
		return nil, &follow.Unknown{App: app, Msg: "the rollback ended without its release: it may have been made"}
	}
	out.App, out.Report = app, ReportOf(a.Name, webURL, herokuapi.Generation(a), out.Release)
	return out, nil
}

// ReportBack writes the dotenv report of a rollback to the file dotenv
// ("": none), then says in the job log what the app runs, and, when the
// run made nothing (an earlier run's rollback was done), how to go
// further back.
//
// A dry run rolled nothing back: no report.
func ReportBack(s *session.Session, out *Outcome, dotenv string) error {
	if s.Dry() {
		s.NoReport(dotenv)
		return nil
	}
	r := out.Report
	if dotenv != "" {
		if err := ciout.WriteDotenv(dotenv, r.Vars("")); err != nil {
			return err
		}
	}
	s.Out.Step("Rolled %s back to v%d: release v%d (%s)", out.App, out.Target, r.ReleaseVersion, r.Artifact())
	if r.WebURL != "" {
		s.Out.Line("%s", r.WebURL)
	}
	if out.Act == Done {
		if len(out.Further) == 0 {
			s.Out.Line("No release older than v%d can still be rolled back to: see https://dashboard.heroku.com/apps/%s/activity", out.Target, out.App)
		} else {
			s.Out.Line("To go further back: heroku-deploy rollback --app %s --to vN%s", out.App, Listing(out.Further))
		}
	}
	return nil
}

// back rolls app back: to a release by version ("v41", "41") or id, or,
// with to "", to the default target, following the rule above.
func back(ctx context.Context, s *session.Session, app, to string) (*Outcome, error) {
	list, err := s.Client.RecentReleases(ctx, app, 50)
	if err != nil {
		return nil, fmt.Errorf("list the releases of %s: %w", app, err)
	}
	newest := 0
	for _, r := range list {
		if r.ID == "" || r.Version <= 0 || r.Status == "" {
			return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("the release list of %s holds a release without id, version or status: it cannot be read, nothing was changed", app)}
		}
		newest = max(newest, r.Version)
	}
	var target *herokuapi.Release
	if to != "" {
		if target, err = release(ctx, s, app, strings.TrimPrefix(to, "v")); err != nil {
			if herokuapi.Absent(err) {
				return nil, &NoSuchRelease{App: app, Release: to}
			}
			return nil, err
		}
	}
	if e := LatestRollback(list); e != nil && (target == nil || target.Version == RolledBackTo(e)) {
		return again(ctx, s, app, list, e, target, newest)
	}
	cur := Current(list)
	if target == nil {
		if target = Previous(list); target == nil {
			runs := "it has no current release"
			if cur != nil {
				runs = fmt.Sprintf("it runs v%d", cur.Version)
			}
			return nil, &Ineligible{Msg: fmt.Sprintf("%s has no earlier release that can be rolled back to (%s; expired releases, those without a slug or image and those a later rollback moved away from cannot be)", app, runs)}
		}
	}
	if err := check(s, app, list, target, cur); err != nil {
		return nil, err
	}
	// Heroku's rollback restores the release's code and config vars, not
	// add-ons or data (heroku/cli src/commands/releases/rollback.ts warns
	// the same after every rollback).
	runs := "has no current release"
	if cur != nil {
		runs = fmt.Sprintf("runs v%d", cur.Version)
	}
	if s.Dry() {
		s.Would("roll %s back to v%d: a new release with v%d's code and config vars (add-ons and database data stay as they are) would become current; %s %s now",
			app, target.Version, target.Version, app, runs)
		return &Outcome{Act: Create, Target: target.Version}, nil
	}
	s.Out.Step("%s %s; rolling back to v%d restores its code and config vars (add-ons and database data stay as they are)", app, runs, target.Version)
	rel, err := RollbackAfter(ctx, s, app, target, newest)
	return &Outcome{Act: Create, Target: target.Version, Release: rel}, err
}

// again completes or repeats e, an earlier rollback that is the app's
// latest act.
func again(ctx context.Context, s *session.Session, app string, list []herokuapi.Release, e, target *herokuapi.Release, newest int) (*Outcome, error) {
	k := RolledBackTo(e)
	what := fmt.Sprintf("release v%d of %s, a rollback to v%d", e.Version, app, k)
	switch e.Status {
	case "pending":
		if s.Dry() {
			s.Out.Step("(dry run) %s, is still pending (an earlier run, or someone else, made it): the real run would follow it to its end instead of rolling back again", capital(what))
			return &Outcome{Act: Resume, Target: k, Release: e}, nil
		}
		s.Out.Step("%s, is still pending (an earlier run, or someone else, made it): following it instead of rolling back again", capital(what))
		s.Links.Describe(app, e.ID, fmt.Sprintf("rollback to v%d", k))
		rel, err := Follow(ctx, s, app, e.ID)
		if rel == nil {
			rel = e
		}
		return &Outcome{Act: Resume, Target: k, Release: rel}, err
	case "succeeded":
		rel, err := s.Client.ReleaseInfo(ctx, app, e.ID) // read it back: the list may be old
		if err != nil {
			return nil, fmt.Errorf("read back %s: %w", what, err)
		}
		if rel.Status != "succeeded" || !rel.Current {
			return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("%s, read back, is %s and current=%t: the app changed meanwhile; nothing was done, run the job again", what, rel.Status, rel.Current)}
		}
		s.Out.Step("%s already runs %s: nothing more to do (a rollback without --to never goes further back on its own)", app, what)
		s.Links.Describe(app, rel.ID, fmt.Sprintf("rollback to v%d", k)) // what the job reports
		s.Links.Release(app, rel.ID, rel.Version, rel.Status)
		return &Outcome{Act: Done, Target: k, Release: rel, Further: Candidates(list, k)}, nil
	case "failed":
		if target == nil {
			var err error
			if target, err = byVersion(ctx, s, app, list, k); err != nil {
				return nil, err
			}
		}
		if err := check(s, app, list, target, Current(list)); err != nil {
			return nil, err
		}
		if s.Dry() {
			s.Would("roll %s back to v%d again: %s, failed (a retry repeats the same rollback); a new release with v%d's code and config vars would become current",
				app, k, what, k)
			return &Outcome{Act: Repeat, Target: k}, nil
		}
		s.Out.Step("%s, failed: rolling back to v%d again (a retry repeats the same rollback)", capital(what), k)
		rel, err := RollbackAfter(ctx, s, app, target, newest)
		return &Outcome{Act: Repeat, Target: k, Release: rel}, err
	}
	return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("%s, has status %q, which heroku-deploy does not know: nothing was done", what, e.Status)}
}

// check is Check, with the releases a hint may offer instead.
func check(s *session.Session, app string, list []herokuapi.Release, target, cur *herokuapi.Release) error {
	err := Check(app, target)
	if ie, ok := err.(*Ineligible); ok {
		below := target.Version
		if cur != nil {
			below = max(below, cur.Version)
		}
		for _, r := range Candidates(list, below) {
			if r.Version != target.Version {
				ie.Candidates = append(ie.Candidates, r)
			}
		}
	}
	return err
}

// release reads one release by version or id, and refuses an answer
// without its id or version.
func release(ctx context.Context, s *session.Session, app, id string) (*herokuapi.Release, error) {
	r, err := s.Client.ReleaseInfo(ctx, app, id)
	if err != nil {
		return nil, fmt.Errorf("look up release %s of %s: %w", id, app, err)
	}
	if r.ID == "" || r.Version <= 0 {
		return nil, &follow.Unknown{App: app, Msg: fmt.Sprintf("Heroku's answer for release %s of %s has no id or version: nothing was changed", id, app)}
	}
	return r, nil
}

// byVersion returns release v of the app, from list or read.
func byVersion(ctx context.Context, s *session.Session, app string, list []herokuapi.Release, v int) (*herokuapi.Release, error) {
	for i := range list {
		if list[i].Version == v {
			return &list[i], nil
		}
	}
	r, err := release(ctx, s, app, strconv.Itoa(v))
	if herokuapi.Absent(err) {
		return nil, &Ineligible{Msg: fmt.Sprintf("release v%d of %s, which a rollback went back to, is gone: it cannot be rolled back to again", v, app)}
	}
	return r, err
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Listing lists releases for --to: " (can still be rolled back to: v3
// Deploy 0123abcd, …)"; "" for none.
func Listing(rs []herokuapi.Release) string {
	if len(rs) == 0 {
		return ""
	}
	var s []string
	for _, r := range rs {
		d := []rune(strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(r.Description))
		if len(d) > 40 {
			d = append(d[:40], '…')
		}
		s = append(s, fmt.Sprintf("v%d %s", r.Version, string(d)))
	}
	return " (can still be rolled back to: " + strings.Join(s, ", ") + ")"
}
